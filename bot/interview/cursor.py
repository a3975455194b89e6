"""Where the respondent is: finding, entering and repairing the cursor over the plan's slots.

Part of the engine (`bot.interview.engine`): small state helpers every other engine module uses.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.interview import plan
from bot.interview.model import Record, State
from bot.interview.plan import Slot
from bot.interview.questionnaire import Questionnaire, Value, split_key


def find_slot(slots: list[Slot], key: str | None) -> Slot | None:
    for s in slots:
        if s.key == key:
            return s
    return None


def repair(q: Questionnaire, state: State) -> State:
    """Make a state from storage fit this questionnaire (a cursor may have vanished in an edit)."""
    if state.language not in q.languages:
        state = state.with_(language=q.default_language)
    if state.status != "in_progress":
        return state
    slots = plan.build(q, state.answers)
    if find_slot(slots, state.cursor) is not None:
        return state
    nxt = first_unanswered(slots, state.answers)
    if nxt is None:
        return state.with_(status="reviewing", cursor=None, probing=None)
    return enter(q, state, nxt)


def enter(q: Questionnaire, state: State, slot: Slot) -> State:
    """Move the cursor to a question, resetting everything that belonged to the previous one."""
    existing = state.answers.get(slot.key)
    pending: tuple[str, ...] = ()
    if slot.question.kind == "multi" and isinstance(existing, list):
        pending = tuple(existing)
    return state.with_(
        cursor=slot.key,
        status="in_progress",
        pending=pending,
        fragments=(),
        candidates=(),
        probing=None,
        attempts=0,
    )


def first_unanswered(slots: list[Slot], answers: Mapping[str, Value]) -> Slot | None:
    for s in slots:
        if s.key not in answers:
            return s
    return None


def make_record(q: Questionnaire, state: State, key: str, value: Value) -> Record:
    qid, item = split_key(key)
    return Record(key, qid, item, value, state.language, q.question_text(key, state.language))


def back_target(state: State, slots: list[Slot]) -> str | None:
    keys = {s.key for s in slots}
    for h in reversed(state.history):
        if h in keys and h != state.cursor:
            return h
    return None


def current_question(q: Questionnaire, state: State) -> tuple[Slot, list[Slot]] | None:
    slots = plan.build(q, state.answers)
    slot = find_slot(slots, state.cursor)
    return (slot, slots) if slot is not None else None
