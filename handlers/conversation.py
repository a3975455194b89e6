"""The respondent's side of the interview: an engine input in, engine step, store, reply.

Every step follows the same order, which is what makes a crash or a restart harmless:
load the interview row, run the pure engine, write the answers and the new position in
one transaction (claiming the update id), and only then send the reply. `start_interview`
is the one place an interview is created (after consent, and when starting again).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime

from telegram import MaybeInaccessibleMessage

from bot import interview as engine
from bot.interview import Questionnaire, State
from handlers import hooks, keyboards, quoting, render
from handlers.render import Outgoing
from handlers.turn import Turn, language_of, questionnaire_for
from storage import privacy
from storage.interviews import AnswerWrite, Change, DuplicateUpdate, StaleVersion
from storage.models import Interview, Respondent

log = logging.getLogger(__name__)

MAX_RETRIES = 5

Move = engine.Input | Callable[[Questionnaire, State], engine.Step]
"""What moves an interview one step: an engine input, or a function of the questionnaire and
state that re-asks (`engine.current`, `engine.welcome_back`, `engine.set_language`)."""


async def start_interview(
    turn: Turn,
    respondent: Respondent,
    lang: str,
    source: str | None,
    *,
    previous: Interview | None = None,
    consent_version: str | None = None,
) -> tuple[Interview, engine.Step] | None:
    """Create an interview at its first question, and run the started hooks.

    After consent (`consent_version` is the notice agreed) or to start again after `previous`:
    then its consent, how their words may be quoted and whom to credit carry over, and it is
    set aside. None when this update created one already (a redelivery)."""
    assert respondent.id is not None
    first = engine.begin(turn.q, lang, turn.now)
    try:
        interview = await turn.store.create(
            respondent_id=respondent.id,
            questionnaire_id=turn.q.id,
            questionnaire_version=turn.q.version,
            language=lang,
            source=source,
            change=_change(turn.q, first, lang, None, turn.now),
            update_id=turn.update_id,
            now=turn.now,
            consented_at=previous.consented_at if previous else turn.now,
            consent_version=previous.consent_version if previous else consent_version,
            supersede=previous.id if previous is not None else None,
        )
    except DuplicateUpdate:
        return None
    if previous is not None and previous.quote_consent:
        await turn.store.set_quote_consent(interview.id, previous.quote_consent, turn.now)
        if previous.quote_consent == "attributable" and previous.credit:  # and whom to credit
            await privacy.set_credit(
                turn.services.db, respondent.id, previous.credit, pending=False, now=turn.now
            )
    await hooks.interview_started(turn.services, interview)
    return interview, first


async def start_again(
    turn: Turn, respondent: Respondent, source: str | None, previous: Interview
) -> None:
    """Start again after an earlier interview: consent carries over, the old one is set aside.
    (With no earlier interview there is no agreement on record: the notice comes first.)"""
    assert respondent.id is not None
    lang = language_of(turn.q, respondent)
    started = await start_interview(turn, respondent, lang, source, previous=previous)
    if started is None:  # a redelivered restart tap: its reply may never have gone out
        current = await turn.store.current_interview(respondent.id)
        if current is not None:
            await reask(turn, current.id)
        return
    interview, first = started
    await send_or_mark(
        turn, interview.id, interview.version, render.events(turn.q, lang, first.events)
    )


async def step(
    turn: Turn,
    interview: Interview,
    move: Move,
    *,
    message_id: int | None = None,
    frozen: tuple[MaybeInaccessibleMessage | None, str] | None = None,
    tapped: MaybeInaccessibleMessage | None = None,
    received: str | None = None,
) -> None:
    """Advance an interview by one input, with optimistic retries on a concurrent change.

    `move` is an engine input, or a function (q, state) -> Step that re-asks (see `Move`).
    `frozen` is an answered question's message and its new text, edited after the write;
    `tapped` is the message of a tapped toggle, whose keyboard is edited in place.
    `received` is a line saying what arrived (a file): it heads the one reply, and another
    part of a long answer edits the last "Got it" as a quick typed part does.
    """
    q = questionnaire_for(turn, interview)
    for _attempt in range(MAX_RETRIES):
        turn.keyboards[interview.id] = (
            interview.keyboard_message_id,
            list(interview.stale_keyboards or []),
        )
        state = State.from_json(interview.state)
        result = move(q, state) if callable(move) else engine.advance(q, state, move, turn.now)
        lang = result.state.language
        change = _change(q, result, lang, message_id, turn.now)
        try:
            version = await turn.store.apply(
                interview.id, interview.version, change, update_id=turn.update_id, now=turn.now
            )
        except DuplicateUpdate:
            # Telegram redelivers an update when we did not answer 200 in time (a crash, a slow
            # reply), so its reply may never have gone out: ask the current question again.
            log.info("update %s already applied; re-asking", turn.update_id)
            await reask(turn, interview.id)
            return
        except StaleVersion:
            fresh = await turn.store.get(interview.id)
            if fresh is None:
                return
            interview = fresh
            continue
        if change.status == "completed" and interview.status != "completed":
            await hooks.interview_completed(turn.services, interview)
        events = result.events
        outgoing = render.events(q, lang, events)
        if received is not None:
            events = [
                dataclasses.replace(e, merged=True)
                if isinstance(e, engine.Collecting) and e.parts > 1
                else e
                for e in events
            ]
            outgoing = render.headed(received, outgoing)
        if await keyboards.in_place(turn, interview, events, outgoing, tapped):
            return
        if frozen is not None and await turn.replace(frozen, outgoing):
            await keyboards.handover(turn, interview.id)
            return
        if frozen is not None:
            await turn.edit(*frozen)
        await send_or_mark(turn, interview.id, version, outgoing)
        return
    log.warning("interview %s: gave up after %d concurrent changes", interview.id, MAX_RETRIES)
    await turn.send([render.simple(turn.ui(interview.language, "error.generic"))])


async def send_or_mark(
    turn: Turn, interview_id: str, version: int, messages: list[Outgoing]
) -> None:
    """Send a step's reply, then move the interview's live keyboard to what went out
    (handlers/keyboards.py). What Telegram does not take waits in the outbox, and the interview
    is marked so a message the respondent sends before it arrives re-asks rather than answers
    (delivering it clears the mark and moves the keyboard record: handlers/outbox.py)."""
    await turn.send(messages, step=(interview_id, version))
    await keyboards.handover(turn, interview_id)
    if turn.undelivered:
        await turn.store.mark_reask(interview_id, version)


async def reask(turn: Turn, interview_id: str) -> None:
    """This update's change was stored before, but its reply did not go out (it failed, or the
    process died): ask the current question again."""
    fresh = await turn.store.get(interview_id)
    if fresh is None or fresh.status not in ("in_progress", "abandoned"):
        return
    if fresh.quote_consent is None:  # how they may be quoted comes before any question
        await turn.send([quoting.question(turn, fresh.language)])
        return
    q = questionnaire_for(turn, fresh)
    result = engine.current(q, State.from_json(fresh.state))
    await send_or_mark(
        turn, fresh.id, fresh.version, render.events(q, result.state.language, result.events)
    )


async def completed_again(turn: Turn, interview: Interview, *, review: bool = False) -> None:
    """A completed respondent writes again: a short thank-you with where to go from here (never
    "no interview in progress" right after "Thank you!"); /review shows what they sent."""
    state = State.from_json(interview.state)
    lang = state.language if state.language in turn.q.languages else interview.language
    if not review:
        await turn.send([render.simple(turn.ui(lang, "completed.again"))])
        return
    q = turn.q
    blocks = [f"<b>{render.esc(q.ui(lang, 'completed.review'))}</b>"]
    keys = sorted(state.answers, key=q.position)
    for n, key in enumerate(keys, start=1):
        shown = q.display(key, state.answers[key], lang)
        blocks.append(
            f"{n}. <b>{render.esc(render.clip(q.question_text(key, lang), 300))}</b>\n"
            f"{render.esc(render.clip(shown, 300))}"
        )
    blocks.append(render.esc(q.ui(lang, "completed.again")))
    await turn.send([render.Outgoing(text) for text in render.chunks(blocks)])


async def keep_addendum(turn: Turn, interview: Interview, text: str) -> None:
    """A message after the thank-you is not lost: it is kept with the interview as an addendum
    (staff see it under the transcript and in exports; /mydata lists it), and the respondent
    is told so in their language. A redelivered update is acknowledged, not kept twice."""
    state = State.from_json(interview.state)
    lang = state.language if state.language in turn.q.languages else interview.language
    if text.strip() and await turn.store.claim_update(turn.update_id, turn.now):
        await turn.store.add_addendum(interview.id, text.strip(), turn.now)
    await turn.send([render.simple(turn.ui(lang, "completed.addendum"))])


def _change(
    q: Questionnaire, result: engine.Step, lang: str, message_id: int | None, now: datetime
) -> Change:
    state = result.state
    status = "completed" if state.status == "completed" else "in_progress"
    records = [
        AnswerWrite(
            key=r.key,
            question_id=r.question_id,
            repeat_item=r.repeat_item,
            value=r.value,
            language=r.language,
            question_text=r.question_text,
            position=q.position(r.key),
            message_id=message_id if isinstance(r.value, str) else None,
        )
        for r in result.records
    ]
    completed_at = now if status == "completed" else None
    return Change(
        state=state.to_json(),
        status=status,
        language=lang,
        records=records,
        cleared=list(result.cleared),
        completed_at=completed_at,
    )
