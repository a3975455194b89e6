"""Loading a questionnaire with its languages and earlier versions, and checking it in full.

`load_questionnaire` reads the files (`files`, which applies `rules`) and builds the immutable
`Questionnaire`; `check_questionnaire` / `check_instrument` add the translation gate
(`translations`) and the label and path checks (`checks`). Every problem is `file:line: ...`.
"""

from __future__ import annotations

from pathlib import Path

from bot.interview import countries, paths
from bot.interview.checks import check_labels, check_paths
from bot.interview.files import Loaded, read_files
from bot.interview.questionnaire import Question, Questionnaire, Section
from bot.interview.schema import SOURCE_LANGUAGE, QuestionModel
from bot.interview.translations import check_files
from bot.interview.yamlfile import QuestionnaireError


def _build(loaded: Loaded) -> Questionnaire:
    model = loaded.model
    english = {s.key: s.text for s in loaded.sources}
    texts: dict[str, dict[str, str]] = {SOURCE_LANGUAGE: english}
    ui_texts: dict[str, dict[str, str]] = {SOURCE_LANGUAGE: dict(loaded.ui_source.strings)}
    names = {SOURCE_LANGUAGE: loaded.ui_source.name}
    for lang, found in loaded.translations.items():
        texts[lang] = {k: e.text for k, e in found[1].strings.items()} if found else {}
        if found:
            names[lang] = found[1].name
        ui_found = loaded.ui_translations.get(lang)
        ui_texts[lang] = {k: e.text for k, e in ui_found[1].strings.items()} if ui_found else {}
    sections: list[Section] = []
    questions: list[Question] = []
    by_id = {q.id: q for section in model.sections for q in section.questions}
    for section in model.sections:
        sections.append(Section(section.id, tuple(q.id for q in section.questions)))
        for q in section.questions:
            source = by_id.get(q.choices_from.question) if q.choices_from else None
            questions.append(_question(q, section.id, source))
    return Questionnaire(
        id=model.id,
        version=model.version,
        default_language=model.default_language,
        languages=tuple(loaded.files.languages()),
        language_names=names,
        sections=tuple(sections),
        questions=tuple(questions),
        texts=texts,
        ui_texts=ui_texts,
        merge_window_seconds=model.settings.merge_window_seconds,
        max_attempts=model.settings.max_attempts,
        intro=model.intro is not None,
        typical_choices=model.settings.typical_choices,
    )


def _question(q: QuestionModel, section_id: str, source: QuestionModel | None = None) -> Question:
    minimum: int | None = q.minimum
    maximum: int | None = q.maximum
    if q.kind == "scale":
        minimum = q.minimum if q.minimum is not None else 1
        maximum = q.maximum if q.maximum is not None else 5
    return Question(
        id=q.id,
        kind=q.kind,
        section_id=section_id,
        optional=q.optional,
        when=q.when,
        repeat_over=q.repeat.for_each if q.repeat else None,
        choice_ids=tuple(c.id for c in (source.choices if source else q.choices) or []),
        min_choices=q.min_choices,
        max_choices=q.max_choices,
        min_length=q.min_length,
        max_length=q.max_length,
        probe_below=q.probe.below if q.probe else None,
        collect=bool(q.collect),
        minimum=minimum,
        maximum=maximum,
        quick_picks=tuple(q.quick_picks or countries.EXAMPLES) if q.kind == "country" else (),
        has_hint=q.hint is not None,
        personal=q.personal,
        choices_from=q.choices_from.question if q.choices_from else None,
        choices_unless=q.choices_from.unless if q.choices_from else None,
        labelled_points=q.labels is not None,
        dont_know=q.kind == "scale" and q.dont_know is not False,
    )


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load a questionnaire with its languages and its earlier versions (`earlier_versions`);
    raises QuestionnaireError with file:line entries."""
    loaded, errors = read_files(path)
    if loaded is None:
        raise QuestionnaireError(errors)
    earlier: dict[str, Questionnaire] = {}
    for name in loaded.model.earlier_versions:
        old = load_questionnaire(loaded.files.folder / name)
        if old.id != loaded.model.id or old.version == loaded.model.version:
            raise QuestionnaireError(
                [
                    f"{loaded.files.folder / name}:1: an earlier version of '{loaded.model.id}' "
                    f"needs the same id and another version"
                ]
            )
        earlier[old.version] = old
        earlier.update(old.earlier)
    q = _build(loaded)
    q.earlier = earlier
    q.minutes = paths.intro_minutes(q, loaded.model.settings)
    return q


# --- checking in full ---------------------------------------------------------------------------
def check_questionnaire(path: str | Path) -> list[str]:
    """Every problem, including missing, stale, unknown and mismatched translations, button
    labels too long for a phone, unreachable questions and a typical path over the budget;
    [] if fine."""
    return check_instrument(path)[1]


def check_instrument(path: str | Path) -> tuple[list[str], list[str]]:
    """(report, problems): the path statistics (`bot.interview.paths`) and every problem."""
    errors = check_files(path)
    if errors:
        return [], errors
    loaded, _ = read_files(path)
    assert loaded is not None
    q = _build(loaded)
    for name in loaded.model.earlier_versions:
        earlier = loaded.files.folder / name
        if not earlier.exists():
            errors.append(loaded.doc.error(("earlier_versions",), f"no such file '{name}'"))
            continue
        errors += check_files(earlier)
        if not errors:
            old = load_questionnaire(earlier)
            if old.id != q.id or old.version == q.version:
                errors.append(
                    loaded.doc.error(
                        ("earlier_versions",),
                        f"'{name}' must have id '{q.id}' and a version other than '{q.version}'",
                    )
                )
    errors += check_labels(loaded, q)
    report, path_errors = check_paths(loaded, q)
    return report, errors + path_errors
