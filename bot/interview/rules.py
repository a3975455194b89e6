"""The rules of a questionnaire source file beyond its schema: ids, kinds and their fields,
choices, scales, repeat groups and conditions (each referring to an earlier question).

`check_rules` runs on every load; every problem is `file:line: ...`.
"""

from __future__ import annotations

import re

from bot.interview import countries
from bot.interview.questionnaire import REPEAT_SEPARATOR
from bot.interview.schema import (
    ID_PATTERN,
    MAX_CHOICE_ID,
    MAX_QUESTION_ID,
    SOURCE_LANGUAGE,
    ConditionModel,
    QuestionModel,
    QuestionnaireModel,
)
from bot.interview.yamlfile import Document, Loc

_ID = re.compile(ID_PATTERN)


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


def check_rules(doc: Document, model: QuestionnaireModel) -> list[str]:
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
