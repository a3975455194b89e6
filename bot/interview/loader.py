"""Loading and checking a questionnaire and its language files; every problem is `file:line: ...`.

Layout next to `<stem>.yaml` (English source): `<stem>.<lang>.yaml` per translated language, and
the UI strings `<ui>.en.yaml` (source) plus `<ui>.<lang>.yaml`. A language is enabled by the
presence of `<stem>.<lang>.yaml`; adding one is adding files, no code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.interview import countries
from bot.interview.questionnaire import (
    REPEAT_SEPARATOR,
    Question,
    Questionnaire,
    Section,
    fingerprint,
    format_text,
    placeholders,
)
from bot.interview.schema import (
    ID_PATTERN,
    MAX_CHOICE_ID,
    MAX_QUESTION_ID,
    ConditionModel,
    QuestionModel,
    QuestionnaireModel,
    SourceUiFile,
    TranslationFile,
)
from bot.interview.yamlfile import Document, Loc, QuestionnaireError, read, round_trip, validate

SOURCE_LANGUAGE = "en"
# Further string catalogues beside the questionnaire, checked and confirmed like `ui`: the staff
# web app's words (`staff.en.yaml`, `staff.cy.yaml`; see docs/adr/0005-staff-app-languages.md).
CATALOGUES: tuple[str, ...] = ("staff",)
#: languages every catalogue must have (CDPS is a Welsh public body); others are optional
CATALOGUE_REQUIRED: tuple[str, ...] = ("cy",)
_LANG_PATTERN = re.compile(r"^[a-z]{2,3}$")
_ID = re.compile(ID_PATTERN)

# UI keys the engine itself uses; the English UI file must define them all.
ENGINE_UI_KEYS: tuple[str, ...] = (
    "progress",
    "stale.button",
    "skip.not_allowed",
    "back.nothing",
    "welcome_back",
    "language.changed",
    "completed",
    "already_completed",
    "review.intro",
    "review.skipped",
    "review.none_selected",
    "review.incomplete",
    "review.use_buttons",
    "answer.yes",
    "answer.no",
    "scale.low",
    "scale.high",
    "scale.dont_know",
    "collecting",
    "collecting.parts",
    "merged",
    "amended",
    "country.matches",
    "country.not_found",
    "country.use_buttons",
    "invalid.choice",
    "invalid.use_buttons",
    "invalid.multi_min",
    "invalid.multi_max",
    "invalid.text_short",
    "invalid.text_long",
    "invalid.number",
    "invalid.number_min",
    "invalid.number_max",
    "invalid.scale",
    "invalid.yesno",
    "invalid.can_skip",
    "input.unsupported",
    "done.nothing",
)


@dataclass(frozen=True, slots=True)
class SourceText:
    key: str
    text: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class _Files:
    path: Path
    stem: str
    folder: Path

    def translation(self, lang: str) -> Path:
        return self.folder / f"{self.stem}.{lang}.yaml"

    def ui(self, ui_stem: str, lang: str) -> Path:
        return self.folder / f"{ui_stem}.{lang}.yaml"

    def languages(self) -> list[str]:
        found = []
        for p in self.folder.glob(f"{self.stem}.*.yaml"):
            lang = p.name[len(self.stem) + 1 : -len(".yaml")]
            if _LANG_PATTERN.match(lang) and lang != SOURCE_LANGUAGE:
                found.append(lang)
        return [SOURCE_LANGUAGE, *sorted(found)]


def _files(path: str | Path) -> _Files:
    p = Path(path)
    return _Files(p, p.name.removesuffix(".yaml").removesuffix(".yml"), p.parent)


# --- source strings ----------------------------------------------------------------------------
def source_strings(model: QuestionnaireModel) -> Iterator[SourceText]:
    """Every translatable questionnaire text with its key and its place in the source file."""
    yield SourceText("title", model.title, ("title",))
    if model.intro is not None:
        yield SourceText("intro", model.intro, ("intro",))
    for s_no, section in enumerate(model.sections):
        base: Loc = ("sections", s_no)
        yield SourceText(f"section.{section.id}.title", section.title, (*base, "title"))
        for q_no, q in enumerate(section.questions):
            qloc: Loc = (*base, "questions", q_no)
            yield SourceText(f"q.{q.id}.text", q.text, (*qloc, "text"))
            if q.hint is not None:
                yield SourceText(f"q.{q.id}.hint", q.hint, (*qloc, "hint"))
            if q.probe is not None:
                yield SourceText(f"q.{q.id}.probe", q.probe.text, (*qloc, "probe", "text"))
            for end in ("low", "high"):
                value = getattr(q, end)
                if value is not None:
                    yield SourceText(f"q.{q.id}.{end}", value, (*qloc, end))
            for p_no, label in enumerate(q.labels or []):
                yield SourceText(f"q.{q.id}.point.{p_no + 1}", label, (*qloc, "labels", p_no))
            for c_no, choice in enumerate(q.choices or []):
                yield SourceText(
                    f"q.{q.id}.choice.{choice.id}",
                    choice.label,
                    (*qloc, "choices", c_no, "label"),
                )


# --- semantic checks ---------------------------------------------------------------------------
_KIND_FIELDS: dict[str, set[str]] = {
    "single": {"choices"},
    "multi": {"choices", "choices_from", "min_choices", "max_choices"},
    "text": {"min_length", "max_length", "probe", "collect"},
    "number": {"minimum", "maximum"},
    "scale": {"minimum", "maximum", "low", "high", "labels", "dont_know"},
    "yesno": set(),
    "country": {"quick_picks"},
}
_KIND_SPECIFIC = set().union(*_KIND_FIELDS.values())


def _semantic(doc: Document, model: QuestionnaireModel) -> list[str]:
    errors: list[str] = []
    seen_sections: set[str] = set()
    order: dict[str, int] = {}
    questions: dict[str, QuestionModel] = {}
    n = 0
    for s_no, section in enumerate(model.sections):
        sloc: Loc = ("sections", s_no)
        if not _ID.match(section.id):
            errors.append(doc.error((*sloc, "id"), f"section id '{section.id}' must be [a-z0-9_]"))
        if section.id in seen_sections:
            errors.append(doc.error((*sloc, "id"), f"duplicate section id '{section.id}'"))
        seen_sections.add(section.id)
        if not section.questions:
            errors.append(doc.error(sloc, f"section '{section.id}' has no questions"))
        for q_no, q in enumerate(section.questions):
            qloc: Loc = (*sloc, "questions", q_no)
            errors.extend(_check_question(doc, qloc, q, questions, order))
            if q.id in questions:
                errors.append(doc.error((*qloc, "id"), f"duplicate question id '{q.id}'"))
            else:
                questions[q.id] = q
                order[q.id] = n
            n += 1
    if not model.sections:
        errors.append(doc.error(("sections",), "the questionnaire has no sections"))
    if model.default_language != SOURCE_LANGUAGE:
        errors.append(
            doc.error(("default_language",), "default_language must be 'en' (the source)")
        )
    return errors


def _check_question(
    doc: Document,
    qloc: Loc,
    q: QuestionModel,
    earlier: dict[str, QuestionModel],
    order: dict[str, int],
) -> list[str]:
    errors: list[str] = []

    def err(loc: Loc, message: str) -> None:
        errors.append(doc.error((*qloc, *loc), message))

    if not _ID.match(q.id) or len(q.id) > MAX_QUESTION_ID:
        err(("id",), f"question id '{q.id}' must be [a-z0-9_], at most {MAX_QUESTION_ID} chars")
    allowed = _KIND_FIELDS[q.kind]
    for field in sorted(_KIND_SPECIFIC - allowed):
        if getattr(q, field) is not None:
            err((field,), f"'{field}' does not apply to a {q.kind} question")
    if q.choices_from is not None:
        source = earlier.get(q.choices_from.question)
        if q.choices is not None:
            err(("choices",), "give either 'choices' or 'choices_from', not both")
        if source is None or source.kind != "multi" or source.choices_from is not None:
            err(
                ("choices_from", "question"),
                f"choices_from needs an earlier multi question with its own choices, "
                f"not '{q.choices_from.question}'",
            )
        elif q.max_choices is not None and q.max_choices > len(source.choices or []):
            err(("max_choices",), "max_choices is more than the number of choices")
        if q.choices_from.unless is not None:
            _check_condition(
                doc, (*qloc, "choices_from", "unless"), q.choices_from.unless, q, earlier, errors
            )
    elif q.kind in ("single", "multi"):
        choices = q.choices or []
        if len(choices) < 2:
            err(("choices",), f"a {q.kind} question needs at least two choices")
        ids: set[str] = set()
        for c_no, c in enumerate(choices):
            if not _ID.match(c.id) or len(c.id) > MAX_CHOICE_ID:
                err(
                    ("choices", c_no, "id"),
                    f"choice id '{c.id}' must be [a-z0-9_], at most {MAX_CHOICE_ID} chars",
                )
            if c.id in ids:
                err(("choices", c_no, "id"), f"duplicate choice id '{c.id}' in '{q.id}'")
            ids.add(c.id)
        if q.kind == "multi":
            lo, hi = q.min_choices, q.max_choices
            if lo is not None and hi is not None and lo > hi:
                err(("min_choices",), "min_choices is greater than max_choices")
            if hi is not None and hi > len(choices):
                err(("max_choices",), "max_choices is more than the number of choices")
    if q.min_length is not None and q.max_length is not None and q.min_length > q.max_length:
        err(("min_length",), "min_length is greater than max_length")
    if q.minimum is not None and q.maximum is not None and q.minimum > q.maximum:
        err(("minimum",), "minimum is greater than maximum")
    if q.kind == "scale":
        lo, hi = q.minimum or 1, q.maximum if q.maximum is not None else 5
        if hi - lo < 1 or hi - lo > 10:
            err(("maximum",), "a scale needs 2 to 11 points")
        if q.labels is not None:
            if len(q.labels) != hi - lo + 1:
                err(("labels",), f"a scale from {lo} to {hi} needs {hi - lo + 1} labels")
            if q.low is not None or q.high is not None:
                err(("labels",), "give either 'labels' (every point) or 'low'/'high', not both")
    for c_no, code in enumerate(q.quick_picks or []):
        if not countries.is_code(code) or code != code.upper():
            err(("quick_picks", c_no), f"'{code}' is not an ISO 3166-1 alpha-2 code")
    if q.repeat is not None:
        over = earlier.get(q.repeat.for_each)
        if over is None:
            where = "a later" if q.repeat.for_each == q.id else "an unknown or later"
            err(("repeat", "for_each"), f"repeat over {where} question '{q.repeat.for_each}'")
        elif over.kind != "multi":
            err(("repeat", "for_each"), f"repeat over '{over.id}', which is not a multi question")
        elif over.repeat is not None:
            err(("repeat", "for_each"), "repeat over a question that is itself repeated")
        else:
            own = over.choices
            if over.choices_from is not None and over.choices_from.question in earlier:
                own = earlier[over.choices_from.question].choices
            longest = max((len(c.id) for c in own or []), default=0)
            if len(q.id) + len(REPEAT_SEPARATOR) + longest > MAX_QUESTION_ID + MAX_CHOICE_ID:
                err(("id",), "repeat key too long for Telegram buttons")
        if "{item}" not in q.text:
            err(("text",), "a repeated question's text must contain {item}")
    elif "{item}" in q.text:
        err(("text",), "{item} is only available in repeated questions")
    if q.when is not None:
        _check_condition(doc, (*qloc, "when"), q.when, q, earlier, errors)
    return errors


def _check_condition(
    doc: Document,
    loc: Loc,
    cond: ConditionModel,
    q: QuestionModel,
    earlier: dict[str, QuestionModel],
    errors: list[str],
) -> None:
    forms = [
        name
        for name, value in (
            ("equals", cond.equals),
            ("in", cond.in_),
            ("includes", cond.includes),
            ("answered", cond.answered),
            ("not", cond.not_),
            ("all", cond.all),
            ("any", cond.any),
        )
        if value is not None
    ]
    if len(forms) != 1:
        errors.append(
            doc.error(
                loc, "a condition needs exactly one of equals/in/includes/answered/not/all/any"
            )
        )
        return
    form = forms[0]
    if form == "not" and cond.not_ is not None:
        _check_condition(doc, (*loc, "not"), cond.not_, q, earlier, errors)
        return
    if form in ("all", "any"):
        for i, sub in enumerate(cond.all or cond.any or []):
            _check_condition(doc, (*loc, form, i), sub, q, earlier, errors)
        return
    if cond.question is None:
        errors.append(doc.error(loc, f"condition '{form}' needs 'question'"))
        return
    ref = earlier.get(cond.question)
    if ref is None:
        what = "itself" if cond.question == q.id else f"unknown or later question '{cond.question}'"
        errors.append(doc.error((*loc, "question"), f"condition refers to {what}"))
        return
    per_item = q.choices_from is not None and (
        ref.repeat is not None and q.choices_from.question == ref.repeat.for_each
    )  # choices_from ... unless: read for each item of the same multi
    if (
        ref.repeat is not None
        and not per_item
        and (q.repeat is None or q.repeat.for_each != ref.repeat.for_each)
    ):
        errors.append(
            doc.error((*loc, "question"), f"'{ref.id}' is repeated; only its own group may use it")
        )
    values: list[object] = []
    if form == "equals":
        values = [cond.equals]
    elif form == "in":
        values = list(cond.in_ or [])
    elif form == "includes":
        values = [cond.includes]
        if ref.kind != "multi":
            errors.append(doc.error((*loc, "includes"), "'includes' needs a multi question"))
            return
    choice_ids = {c.id for c in ref.choices or []}
    if ref.choices_from is not None and ref.choices_from.question in earlier:
        choice_ids = {c.id for c in earlier[ref.choices_from.question].choices or []}
    for v in values:
        if ref.kind in ("single", "multi") and v not in choice_ids:
            errors.append(doc.error((*loc, form), f"'{v}' is not a choice of '{ref.id}'"))
        elif ref.kind == "yesno" and not isinstance(v, bool):
            errors.append(doc.error((*loc, form), "a yes/no answer is true or false"))
        elif ref.kind in ("number", "scale") and (
            isinstance(v, bool) or not isinstance(v, int | float)
        ):
            errors.append(doc.error((*loc, form), f"'{ref.id}' has a number answer"))


# --- loading -----------------------------------------------------------------------------------
@dataclass
class _Loaded:
    files: _Files
    doc: Document
    model: QuestionnaireModel
    sources: list[SourceText]
    ui_doc: Document
    ui_source: SourceUiFile
    translations: dict[str, tuple[Document, TranslationFile] | None]
    ui_translations: dict[str, tuple[Document, TranslationFile] | None]


def _load(path: str | Path) -> tuple[_Loaded | None, list[str]]:
    files = _files(path)
    doc, errors = read(files.path)
    if doc is None:
        return None, errors
    model, errors = validate(doc, QuestionnaireModel)
    if model is None:
        return None, errors
    errors = _semantic(doc, model)
    ui_doc, ui_errors = read(files.ui(model.ui, SOURCE_LANGUAGE))
    errors += ui_errors
    ui_source: SourceUiFile | None = None
    if ui_doc is not None:
        ui_source, ui_errors = validate(ui_doc, SourceUiFile)
        errors += ui_errors
    translations: dict[str, tuple[Document, TranslationFile] | None] = {}
    ui_translations: dict[str, tuple[Document, TranslationFile] | None] = {}
    for lang in files.languages()[1:]:
        translations[lang] = _read_translation(files.translation(lang), lang, errors)
        ui_path = files.ui(model.ui, lang)
        ui_translations[lang] = (
            _read_translation(ui_path, lang, errors) if ui_path.exists() else None
        )
    if errors or ui_doc is None or ui_source is None:
        return None, errors
    loaded = _Loaded(
        files,
        doc,
        model,
        list(source_strings(model)),
        ui_doc,
        ui_source,
        translations,
        ui_translations,
    )
    return loaded, []


def _read_translation(
    path: Path, lang: str, errors: list[str]
) -> tuple[Document, TranslationFile] | None:
    doc, errs = read(path)
    errors += errs
    if doc is None:
        return None
    model, errs = validate(doc, TranslationFile)
    errors += errs
    if model is None:
        return None
    if model.language != lang:
        errors.append(doc.error(("language",), f"language '{model.language}' but file is '{lang}'"))
    return doc, model


def _build(loaded: _Loaded) -> Questionnaire:
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
    from bot.interview import paths

    loaded, errors = _load(path)
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


# --- checking translations ---------------------------------------------------------------------
def check_questionnaire(path: str | Path) -> list[str]:
    """Every problem, including missing, stale, unknown and mismatched translations, button
    labels too long for a phone, unreachable questions and a typical path over the budget;
    [] if fine."""
    return check_instrument(path)[1]


def check_instrument(path: str | Path) -> tuple[list[str], list[str]]:
    """(report, problems): the path statistics (`bot.interview.paths`) and every problem."""
    errors = _check_files(path)
    if errors:
        return [], errors
    loaded, _ = _load(path)
    assert loaded is not None
    q = _build(loaded)
    for name in loaded.model.earlier_versions:
        earlier = loaded.files.folder / name
        if not earlier.exists():
            errors.append(loaded.doc.error(("earlier_versions",), f"no such file '{name}'"))
            continue
        errors += _check_files(earlier)
        if not errors:
            old = load_questionnaire(earlier)
            if old.id != q.id or old.version == q.version:
                errors.append(
                    loaded.doc.error(
                        ("earlier_versions",),
                        f"'{name}' must have id '{q.id}' and a version other than '{q.version}'",
                    )
                )
    errors += _check_labels(loaded, q)
    report, path_errors = _check_paths(loaded, q)
    return report, errors + path_errors


def _check_labels(loaded: _Loaded, q: Questionnaire) -> list[str]:
    """Every button label must fit one line of a phone in the row it gets (paths.ROW_LIMITS)."""
    from bot.interview import paths

    errors: list[str] = []
    for lang in q.languages:
        for question in q.questions:
            if question.choices_from is not None:
                continue  # the source question's labels are checked there
            labels: dict[str, str] = {}
            if question.kind in ("single", "multi"):
                labels = {
                    f"q.{question.id}.choice.{c}": q.choice_label(question.id, c, lang)
                    for c in question.choice_ids
                }
            elif question.kind == "scale":
                lo, hi = question.minimum or 1, question.maximum or 5
                for n in range(lo, hi + 1):
                    if question.labelled_points:
                        key = f"q.{question.id}.point.{n - lo + 1}"
                    elif n in (lo, hi):
                        end = "low" if n == lo else "high"
                        own = f"q.{question.id}.{end}"
                        key = own if q.has_text(own) else f"scale.{end}"
                    else:
                        key = f"#{n}"  # a bare number
                    labels[key] = q.point_label(question.id, n, lang)
                if question.dont_know:
                    labels["scale.dont_know"] = q.ui(lang, "scale.dont_know")
            if not labels:
                continue
            limit = paths.label_limit(question.kind, list(labels.values()))
            for key, label in labels.items():
                if len(label) <= limit:
                    continue
                message = (
                    f"{lang} button label '{label}' of '{question.id}' has {len(label)} "
                    f"characters; a phone shows {limit} on one line in its row "
                    f"({paths.buttons_per_row(question.kind, list(labels.values()))} a row)"
                )
                errors.append(_where(loaded, lang, key, message))
    return errors


def _where(loaded: _Loaded, lang: str, key: str, message: str) -> str:
    """`file:line: message` at a text's place in the English source or a translation."""
    if lang == SOURCE_LANGUAGE:
        for s in loaded.sources:
            if s.key == key:
                return loaded.doc.error(s.loc, message)
        return loaded.ui_doc.error(("strings", key), message)
    found = loaded.translations.get(lang)
    if key.startswith("scale.") or key.startswith("#"):
        found = loaded.ui_translations.get(lang)
    if found is None:
        return f"{loaded.files.translation(lang)}:1: {message}"
    return found[0].error(("strings", key), message)


def _check_paths(loaded: _Loaded, q: Questionnaire) -> tuple[list[str], list[str]]:
    from bot.interview import paths

    settings = loaded.model.settings
    walked = paths.walk(q, settings.typical_choices)
    report = [
        f"{walked.paths} paths walked"
        + (f" (stopped at {paths.MAX_PATHS})" if walked.truncated else ""),
        *(
            f"{name:8} {c.questions:3} questions + {c.probes} probes = {c.total:3}, "
            f"about {c.minutes:.1f} minutes"
            for name, c in (
                ("minimum", walked.minimum),
                ("typical", walked.typical),
                ("maximum", walked.maximum),
            )
        ),
    ]
    errors: list[str] = []
    for qid in walked.unreachable:
        errors.append(_where(loaded, SOURCE_LANGUAGE, f"q.{qid}.text", f"'{qid}' is never asked"))
    if walked.truncated:
        errors.append(loaded.doc.error(("sections",), "too many paths to walk them all"))
    budget = settings.budget
    if budget is not None:
        typical = walked.typical
        if typical.total > budget.questions:
            errors.append(
                loaded.doc.error(
                    ("settings", "budget"),
                    f"the typical path asks {typical.total} questions (probes included); "
                    f"the budget is {budget.questions}",
                )
            )
        if typical.minutes > budget.minutes:
            errors.append(
                loaded.doc.error(
                    ("settings", "budget"),
                    f"the typical path takes about {typical.minutes:.1f} minutes; "
                    f"the budget is {budget.minutes:g}",
                )
            )
    return report, errors


def _check_files(path: str | Path) -> list[str]:
    loaded, errors = _load(path)
    if loaded is None:
        return errors
    english_ui = loaded.ui_source.strings
    for key in ENGINE_UI_KEYS:
        if key not in english_ui:
            errors.append(loaded.ui_doc.error(("strings",), f"missing UI string '{key}'"))
    sources = {s.key: (s.text, loaded.doc.line(s.loc)) for s in loaded.sources}
    ui_sources = {k: (v, loaded.ui_doc.line(("strings", k))) for k, v in english_ui.items()}
    for lang in loaded.files.languages()[1:]:
        q_path = loaded.files.translation(lang)
        errors += _compare(lang, loaded.translations.get(lang), q_path, sources, loaded.doc.path)
        ui_path = loaded.files.ui(loaded.model.ui, lang)
        ui_found = loaded.ui_translations.get(lang)
        if ui_found is None:
            errors.append(f"{ui_path}:1: missing UI strings file for language '{lang}'")
        else:
            errors += _compare(lang, ui_found, ui_path, ui_sources, loaded.ui_doc.path)
    for stem in CATALOGUES:
        errors += _check_catalogue(loaded.files, stem)
    return errors


def _read_catalogue(
    files: _Files, stem: str, errors: list[str]
) -> tuple[Document, SourceUiFile, dict[str, tuple[Document, TranslationFile] | None]] | None:
    """A catalogue's English source and its translations; None when it has no English file."""
    source_path = files.ui(stem, SOURCE_LANGUAGE)
    if not source_path.exists():
        return None
    doc, errs = read(source_path)
    errors += errs
    if doc is None:
        return None
    source, errs = validate(doc, SourceUiFile)
    errors += errs
    if source is None:
        return None
    translations: dict[str, tuple[Document, TranslationFile] | None] = {}
    present = {p.name[len(stem) + 1 : -len(".yaml")] for p in files.folder.glob(f"{stem}.*.yaml")}
    wanted = {lang for lang in present if _LANG_PATTERN.match(lang)} | set(CATALOGUE_REQUIRED)
    for lang in sorted(wanted - {SOURCE_LANGUAGE}):
        path = files.ui(stem, lang)
        if path.exists():
            translations[lang] = _read_translation(path, lang, errors)
        else:
            errors.append(f"{path}:1: missing {stem} strings file for language '{lang}'")
            translations[lang] = None
    return doc, source, translations


def _check_catalogue(files: _Files, stem: str) -> list[str]:
    errors: list[str] = []
    found = _read_catalogue(files, stem, errors)
    if found is None:
        return errors
    doc, source, translations = found
    sources = {k: (v, doc.line(("strings", k))) for k, v in source.strings.items()}
    for lang, translation in translations.items():
        errors += _compare(lang, translation, files.ui(stem, lang), sources, doc.path)
    return errors


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Strings of one catalogue in every language; English stands in for a missing entry."""

    texts: dict[str, dict[str, str]]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.texts)

    def text(self, lang: str, key: str, **params: object) -> str:
        found = self.texts.get(lang, {}).get(key)
        if found is None:
            found = self.texts[SOURCE_LANGUAGE].get(key, key)
        return format_text(found, params)

    def has(self, key: str) -> bool:
        return key in self.texts[SOURCE_LANGUAGE]


def load_catalogue(questionnaire_path: str | Path, stem: str) -> Catalogue:
    """The catalogue `<stem>.<lang>.yaml` beside a questionnaire; raises QuestionnaireError."""
    files = _files(questionnaire_path)
    errors: list[str] = []
    found = _read_catalogue(files, stem, errors)
    if found is None:
        raise QuestionnaireError(errors or [f"{files.ui(stem, SOURCE_LANGUAGE)}:1: not found"])
    _, source, translations = found
    texts = {SOURCE_LANGUAGE: dict(source.strings)}
    for lang, translation in translations.items():
        texts[lang] = {k: e.text for k, e in translation[1].strings.items()} if translation else {}
    return Catalogue(texts)


def _compare(
    lang: str,
    found: tuple[Document, TranslationFile] | None,
    path: Path,
    sources: dict[str, tuple[str, int]],
    source_path: Path,
) -> list[str]:
    if found is None:
        return []
    doc, tf = found
    errors: list[str] = []
    strings_line = doc.line(("strings",))
    for key, (text, line) in sources.items():
        entry = tf.strings.get(key)
        if entry is None:
            errors.append(
                f"{path}:{strings_line}: missing {lang} translation of '{key}' "
                f"(English at {source_path}:{line})"
            )
            continue
        where = ("strings", key)
        if not entry.text.strip():
            errors.append(doc.error(where, f"empty {lang} translation of '{key}'"))
        if entry.source != fingerprint(text):
            errors.append(
                doc.error(
                    where,
                    f"stale {lang} translation of '{key}': the English changed since it was "
                    f"translated ({source_path}:{line}); update it, then confirm it",
                )
            )
        if placeholders(entry.text) != placeholders(text):
            errors.append(
                doc.error(where, f"{lang} translation of '{key}' has different {{placeholders}}")
            )
    for key in tf.strings:
        if key not in sources:
            errors.append(doc.error(("strings", key), f"translation of unknown key '{key}'"))
    return errors


def confirm_translations(
    path: str | Path, language: str, keys: list[str] | None = None
) -> list[str]:
    """Mark stale translations of `language` as reviewed by storing the current English fingerprint.

    Returns the keys confirmed. Only stale entries are touched; missing ones stay missing.
    """
    loaded, errors = _load(path)
    if loaded is None:
        raise QuestionnaireError(errors)
    sources = {s.key: s.text for s in loaded.sources}
    confirmed = _confirm_file(loaded.files.translation(language), sources, keys)
    ui_path = loaded.files.ui(loaded.model.ui, language)
    if ui_path.exists():
        confirmed += _confirm_file(ui_path, dict(loaded.ui_source.strings), keys)
    for stem in CATALOGUES:
        found = _read_catalogue(loaded.files, stem, [])
        if found is not None:
            confirmed += _confirm_file(loaded.files.ui(stem, language), found[1].strings, keys)
    return confirmed


def _confirm_file(path: Path, sources: dict[str, str], keys: list[str] | None) -> list[str]:
    if not path.exists():
        return []
    yaml = round_trip()
    data = yaml.load(path.read_text(encoding="utf-8"))
    strings = data.get("strings") or {}
    confirmed: list[str] = []
    for key, entry in strings.items():
        if key not in sources or (keys is not None and key not in keys):
            continue
        new = fingerprint(sources[key])
        if hasattr(entry, "get") and entry.get("source") != new:
            entry["source"] = new
            confirmed.append(str(key))
    if confirmed:
        with path.open("w", encoding="utf-8") as fh:
            yaml.dump(data, fh)
    return confirmed
