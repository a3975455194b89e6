"""Moving through the interview: storing an answer and going on, back, skip, review, submit, edit.

Part of the engine (`bot.interview.engine`).
"""

from __future__ import annotations

from datetime import datetime

from bot.interview import plan
from bot.interview.cursor import back_target, enter, find_slot, first_unanswered, make_record
from bot.interview.model import Ask, Completed, Record, State, Step
from bot.interview.plan import Slot
from bot.interview.questionnaire import Questionnaire, Value, split_key
from bot.interview.views import invalid, question_view, reask, summary


def answer(
    q: Questionnaire,
    state: State,
    value: Value,
    now: datetime | None = None,
    record: bool = True,
) -> Step:
    """Store the current question's answer and move to what comes next."""
    key = state.cursor
    assert key is not None
    answers = dict(state.answers)
    answers[key] = value
    records = [make_record(q, state, key, value)] if record else []
    slots = plan.build(q, answers)
    keep = {s.key for s in slots}
    cleared = [k for k in answers if k not in keep and q.has_question(split_key(k)[0])]
    for k in cleared:
        del answers[k]
    history = (*tuple(h for h in state.history if h in keep and h != key), key)
    text_at = now.isoformat() if now is not None and isinstance(value, str) else None
    state = state.with_(
        answers=answers,
        history=history,
        probing=None,
        last_text_key=key if text_at else None,
        last_text_at=text_at,
    )
    return move_on(q, state, slots, key, records, cleared)


def move_on(
    q: Questionnaire,
    state: State,
    slots: list[Slot],
    after: str,
    records: list[Record],
    cleared: list[str],
) -> Step:
    nxt: Slot | None = None
    if state.return_to_review:
        nxt = first_unanswered(slots, state.answers)
    else:
        keys = [s.key for s in slots]
        if after in keys and keys.index(after) + 1 < len(slots):
            nxt = slots[keys.index(after) + 1]
        if nxt is None:
            nxt = first_unanswered(slots, state.answers)
    if nxt is None:
        state = state.with_(
            status="reviewing",
            cursor=None,
            return_to_review=False,
            resume_cursor=None,
            pending=(),
            fragments=(),
            candidates=(),
            attempts=0,
        )
        return Step(state, [summary(q, state)], records, cleared)
    state = enter(q, state, nxt)
    return Step(state, [Ask(question_view(q, state, slots))], records, cleared)


def back(q: Questionnaire, state: State) -> Step:
    slots = plan.build(q, state.answers)
    target = back_target(state, slots)
    if target is None:
        return Step(state, reask(q, state, q.ui(state.language, "back.nothing")))
    records: list[Record] = []
    key = state.cursor
    if state.fragments and key is not None:
        # A multi-part answer still open: what was typed so far is kept as the answer (shown
        # as "Your earlier answer" when they come back to it), never dropped.
        value = "\n".join(state.fragments).strip()
        if value:
            state = state.with_(answers={**state.answers, key: value}, fragments=())
            records.append(make_record(q, state, key, value))
    idx = max(i for i, h in enumerate(state.history) if h == target)
    slot = find_slot(slots, target)
    assert slot is not None
    state = enter(q, state.with_(history=state.history[:idx], return_to_review=False), slot)
    return Step(state, [Ask(question_view(q, state, slots))], records)


def skip(q: Questionnaire, state: State) -> Step:
    slots = plan.build(q, state.answers)
    slot = find_slot(slots, state.cursor)
    if slot is None:
        return Step(state, reask(q, state))
    if state.probing is not None:
        return move_on(q, state.with_(probing=None), slots, slot.key, [], [])
    if slot.question.optional or state.attempts >= q.max_attempts:
        return answer(q, state, None)
    return invalid(q, state, q.ui(state.language, "skip.not_allowed"), count=False)


def review(q: Questionnaire, state: State) -> Step:
    state = state.with_(status="reviewing", resume_cursor=state.cursor, probing=None)
    return Step(state, [summary(q, state)])


def submit(q: Questionnaire, state: State) -> Step:
    slots = plan.build(q, state.answers)
    missing = first_unanswered(slots, state.answers)
    lang = state.language
    if missing is not None:
        state = enter(q, state.with_(return_to_review=True, resume_cursor=None), missing)
        return Step(state, [Ask(question_view(q, state, slots), q.ui(lang, "review.incomplete"))])
    state = state.with_(
        status="completed",
        cursor=None,
        probing=None,
        pending=(),
        fragments=(),
        candidates=(),
        return_to_review=False,
        resume_cursor=None,
    )
    return Step(state, [Completed(q.ui(lang, "completed"))])


def edit(q: Questionnaire, state: State, key: str) -> Step:
    slots = plan.build(q, state.answers)
    slot = find_slot(slots, key)
    if slot is None or key not in state.answers:
        return Step(state, reask(q, state, q.ui(state.language, "stale.button")))
    state = enter(q, state.with_(return_to_review=True), slot)
    return Step(state, [Ask(question_view(q, state, slots))])
