"""The loader (`bot/interview/loader.py`): the shipped questionnaire and its versions load, new
fields are checked, earlier versions must match; see test_files.py and test_rules.py for the
rejections."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.interview import QuestionnaireError, check_questionnaire, load_questionnaire
from tests.unit.interview.questionnaires import FIXTURES, SHIPPED


def test_shipped_questionnaire_is_clean() -> None:
    assert check_questionnaire(SHIPPED) == []


def test_shipped_questionnaire_shape() -> None:
    q = load_questionnaire(SHIPPED)
    assert q.languages == ("en", "cy")
    assert q.version == "2026.2" and q.id == "dgu_landscape"
    assert q.sections[0].id == "you"
    assert q.questions[0].id == "relationship"  # who is answering comes first
    keys = q.answer_keys()
    assert "outcome@platforms" in keys and "difference@own_data" in keys
    for key in keys:
        assert re.match(r"^[a-z0-9_@]+$", key) and len(key) <= 40
    assert q.question_text("outcome@platforms", "en") == "“Shared platforms”: how did it turn out?"
    assert q.question_text("difference@buying", "cy").startswith("“Caffael a rheoli gwariant”")
    assert q.ui("cy", "button.skip") == "Hepgor"
    intro = q.intro("en")
    assert intro is not None and "Wales" in intro and f"about {q.minutes} minutes" in intro
    assert f"tua {q.minutes} munud" in (q.intro("cy") or "")
    # dropped: what desk research finds or another question records
    for gone in ("years", "trait_centre", "founded", "team_size", "level"):
        assert not q.has_question(gone)
    # "the unit", never "your unit", in every language
    for lang in q.languages:
        for key in keys:
            assert "your unit" not in q.question_text(key, lang).lower()
            assert "eich uned" not in q.question_text(key, lang).lower()
    assert {"role", "organisation", "contact"} <= q.personal_ids


def test_version_one_stays_loadable_beside_version_two() -> None:
    q = load_questionnaire(SHIPPED)
    v1 = q.for_version("2026.1")
    assert v1 is not q and v1.version == "2026.1"
    assert v1.has_question("trait_centre") and not q.has_question("trait_centre")
    assert q.for_version("2026.2") is q and q.for_version(None) is q
    assert q.for_version("1999.9") is q  # unknown: the current one
    assert v1.question("role").personal
    assert v1.choice_label("level", "regional", "cy") == "Talaith neu ranbarth"
    assert [x.version for x in q.versions()] == ["2026.2", "2026.1"]


def test_mini_fixture_loads() -> None:
    q = load_questionnaire(FIXTURES / "mini.yaml")
    assert q.languages == ("en",)
    assert check_questionnaire(FIXTURES / "mini.yaml") == []


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "ui.en.yaml").write_text((FIXTURES / "ui.en.yaml").read_text())
    path = tmp_path / "q.yaml"
    path.write_text('id: x\nversion: "2"\ntitle: X\n' + body, encoding="utf-8")
    return path


def test_new_fields_are_checked_with_their_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sections:\n  - id: s\n    title: S\n    questions:\n"
        "      - {id: one, kind: single, text: One?,\n"
        "         choices: [{id: a, label: A}, {id: b, label: B}]}\n"
        "      - {id: pick, kind: multi, text: Pick?, choices_from: {question: one}}\n"
        "      - {id: rate, kind: scale, text: Rate?, labels: [Low, High]}\n",
    )
    errors = check_questionnaire(path)
    assert any(
        ":10: choices_from needs an earlier multi question with its own choices, not 'one'" in e
        for e in errors
    )
    assert any(":11: a scale from 1 to 5 needs 5 labels" in e for e in errors)
    fine = "sections:\n  - id: s\n    title: S\n    questions:\n"
    fine += "      - {id: n, kind: text, text: N?}\n"
    missing = _write(tmp_path, "earlier_versions: [gone.yaml]\n" + fine)
    assert any(":4: no such file 'gone.yaml'" in e for e in check_questionnaire(missing))


def test_earlier_version_must_share_the_id_and_differ_in_version(tmp_path: Path) -> None:
    body = (
        "sections:\n  - id: s\n    title: S\n    questions:\n"
        "      - {id: name, kind: text, text: Name?}\n"
    )
    (tmp_path / "old.yaml").write_text('id: x\nversion: "2"\ntitle: X\n' + body)
    path = _write(tmp_path, "earlier_versions: [old.yaml]\n" + body)
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(path)
    assert "needs the same id and another version" in exc.value.errors[0]
    (tmp_path / "old.yaml").write_text('id: x\nversion: "1"\ntitle: X\n' + body)
    q = load_questionnaire(path)
    assert q.for_version("1").version == "1" and q.for_version("2") is q
