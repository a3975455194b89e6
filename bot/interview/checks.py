"""The checks `questionnaire check` adds to loading: button labels that fit a phone, and the
path walk (`paths`): questions never asked, too many paths, a typical path over the budget.
"""

from __future__ import annotations

from bot.interview import paths
from bot.interview.files import Loaded
from bot.interview.questionnaire import Questionnaire
from bot.interview.schema import SOURCE_LANGUAGE


def check_labels(loaded: Loaded, q: Questionnaire) -> list[str]:
    """Every button label must fit one line of a phone in the row it gets (paths.ROW_LIMITS)."""
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


def _where(loaded: Loaded, lang: str, key: str, message: str) -> str:
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


def check_paths(loaded: Loaded, q: Questionnaire) -> tuple[list[str], list[str]]:
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
