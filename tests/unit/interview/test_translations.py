"""The translation gate: a missing or stale Welsh string fails the check until fixed."""

from __future__ import annotations

import shutil
from pathlib import Path

from ruamel.yaml import YAML

from bot.interview import check_questionnaire, confirm_translations, load_questionnaire

PROMPTS = Path(__file__).parents[3] / "prompts"


def copy_prompts(tmp_path: Path) -> Path:
    for f in PROMPTS.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path / "dgu_landscape.yaml"


def edit(path: Path, change: object) -> None:
    yaml = YAML()
    data = yaml.load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh)


def test_missing_welsh_question_text_is_reported(tmp_path: Path) -> None:
    main = copy_prompts(tmp_path)
    edit(tmp_path / "dgu_landscape.cy.yaml", lambda d: d["strings"].pop("q.conditions.text"))
    errors = check_questionnaire(main)
    assert len(errors) == 1
    assert (
        "dgu_landscape.cy.yaml:" in errors[0]
        and "missing cy translation of 'q.conditions.text'" in errors[0]
    )
    # the bot still runs, falling back to English for that one string
    q = load_questionnaire(main)
    assert q.question_text("conditions", "cy") == q.question_text("conditions", "en")


def test_missing_welsh_ui_string_is_reported(tmp_path: Path) -> None:
    main = copy_prompts(tmp_path)
    edit(tmp_path / "ui.cy.yaml", lambda d: d["strings"].pop("button.done"))
    errors = check_questionnaire(main)
    assert any(
        "ui.cy.yaml:" in e and "missing cy translation of 'button.done'" in e for e in errors
    )


def test_changed_english_makes_welsh_stale_until_confirmed(tmp_path: Path) -> None:
    main = copy_prompts(tmp_path)
    text = main.read_text(encoding="utf-8")
    main.write_text(text.replace("Which unit is it?", "Which unit is that?"))
    errors = check_questionnaire(main)
    assert len(errors) == 1
    assert "stale cy translation of 'q.organisation.text'" in errors[0]
    assert errors[0].split(":")[0].endswith("dgu_landscape.cy.yaml")
    assert confirm_translations(main, "cy") == ["q.organisation.text"]
    assert check_questionnaire(main) == []
    assert confirm_translations(main, "cy") == []


def test_changed_english_ui_string_is_stale(tmp_path: Path) -> None:
    main = copy_prompts(tmp_path)
    edit(tmp_path / "ui.en.yaml", lambda d: d["strings"].__setitem__("button.skip", "Skip it"))
    errors = check_questionnaire(main)
    assert len(errors) == 1 and "stale cy translation of 'button.skip'" in errors[0]
    assert confirm_translations(main, "cy", ["button.skip"]) == ["button.skip"]
    assert check_questionnaire(main) == []


def test_placeholder_mismatch_and_unknown_keys(tmp_path: Path) -> None:
    main = copy_prompts(tmp_path)

    def change(d: dict[str, dict[str, dict[str, str]]]) -> None:
        d["strings"]["welcome_back"]["text"] = "Croeso'n ôl!"
        d["strings"]["no.such.key"] = {"text": "x", "source": "000000000000"}

    edit(tmp_path / "ui.cy.yaml", change)
    errors = check_questionnaire(main)
    assert any("'welcome_back' has different {placeholders}" in e for e in errors)
    assert any("translation of unknown key 'no.such.key'" in e for e in errors)


def test_adding_a_language_is_adding_files(tmp_path: Path) -> None:
    main = copy_prompts(tmp_path)
    yaml = YAML()
    for stem in ("dgu_landscape", "ui"):
        data = yaml.load((tmp_path / f"{stem}.cy.yaml").read_text(encoding="utf-8"))
        data["language"] = "es"
        data["name"] = "Español"
        with (tmp_path / f"{stem}.es.yaml").open("w", encoding="utf-8") as fh:
            yaml.dump(data, fh)
    q = load_questionnaire(main)
    assert q.languages == ("en", "cy", "es")
    assert q.language_name("es") == "Español"
    assert check_questionnaire(main) == []
    (tmp_path / "ui.es.yaml").unlink()
    assert any("missing UI strings file for language 'es'" in e for e in check_questionnaire(main))


def test_every_welsh_string_differs_from_english_where_it_should() -> None:
    q = load_questionnaire(PROMPTS / "dgu_landscape.yaml")
    assert q.ui("cy", "button.done") != q.ui("en", "button.done")
    assert q.question_text("relationship", "cy") != q.question_text("relationship", "en")
    v1 = q.for_version("2026.1")
    assert v1.question_text("role", "cy") != v1.question_text("role", "en")
    assert q.ui("cy", "language.prompt").startswith("Pa iaith")
