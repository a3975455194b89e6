"""Which questions an interview asks, in order, given the answers so far (conditions, repeats)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.interview.questionnaire import REPEAT_SEPARATOR, Question, Questionnaire, Value
from bot.interview.schema import ConditionModel


@dataclass(frozen=True, slots=True)
class Slot:
    key: str
    question: Question
    item: str | None


def build(q: Questionnaire, answers: Mapping[str, Value]) -> list[Slot]:
    """The questions this respondent will be asked, in order; repeat groups run item by item."""
    slots: list[Slot] = []
    questions = q.questions
    i = 0
    while i < len(questions):
        first = questions[i]
        if first.repeat_over is None:
            if holds(first.when, answers, None) and (
                first.choices_from is None or available(q, first, answers)
            ):
                slots.append(Slot(first.id, first, None))
            i += 1
            continue
        group: list[Question] = []
        while (
            i < len(questions)
            and questions[i].repeat_over == first.repeat_over
            and questions[i].section_id == first.section_id
        ):
            group.append(questions[i])
            i += 1
        selected = answers.get(first.repeat_over)
        if not isinstance(selected, list):
            continue
        over = q.question(first.repeat_over)
        offered = set(available(q, over, answers))
        for item in over.choice_ids:
            if item not in selected or item not in offered:
                continue
            for member in group:
                if holds(member.when, answers, item):
                    slots.append(Slot(f"{member.id}{REPEAT_SEPARATOR}{item}", member, item))
    return slots


def available(q: Questionnaire, question: Question, answers: Mapping[str, Value]) -> list[str]:
    """The choices a question offers now: its own, or for `choices_from` those picked in the
    source question (in choice order) except items for which `unless` holds."""
    if question.choices_from is None:
        return list(question.choice_ids)
    picked = answers.get(question.choices_from)
    if not isinstance(picked, list):
        return []
    return [
        c
        for c in q.question(question.choices_from).choice_ids
        if c in picked
        and (question.choices_unless is None or not holds(question.choices_unless, answers, c))
    ]


def holds(cond: ConditionModel | None, answers: Mapping[str, Value], item: str | None) -> bool:
    """Evaluate a `when:`; an unanswered or skipped question matches nothing."""
    if cond is None:
        return True
    if cond.not_ is not None:
        return not holds(cond.not_, answers, item)
    if cond.all is not None:
        return all(holds(c, answers, item) for c in cond.all)
    if cond.any is not None:
        return any(holds(c, answers, item) for c in cond.any)
    if cond.question is None:
        return False
    value = answers.get(cond.question)
    if item is not None and value is None:
        value = answers.get(f"{cond.question}{REPEAT_SEPARATOR}{item}")
    if cond.answered is not None:
        return (value is not None) == cond.answered
    if value is None:
        return False
    if cond.includes is not None:
        return isinstance(value, list) and cond.includes in value
    if cond.in_ is not None:
        return any(_same(value, v) for v in cond.in_)
    if cond.equals is not None:
        return _same(value, cond.equals)
    return False


def _same(value: Value, expected: object) -> bool:
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    return value == expected
