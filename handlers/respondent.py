"""Telegram callbacks for respondents: commands, buttons, text, edits and other input.

Before consent nothing is stored about a person: the chosen language and the deep-link
source travel in the buttons' callback_data until they agree to the privacy notice.
"""

from __future__ import annotations

import logging
import re

from telegram import Update

from bot import interview as engine
from bot import logs
from handlers import callbacks, consent, credit, keyboards, media, quoting, render
from handlers.callbacks import Data
from handlers.conversation import completed_again, keep_addendum, reask, start_again, step
from handlers.turn import (
    Context,
    Tap,
    Turn,
    ensure_respondent,
    language_of,
    questionnaire_for,
    storable,
    suggested_language,
    tap_of,
    turn_of,
)
from storage import privacy
from storage.interviews import ACTIVE_STATUSES, InterviewStore
from storage.models import Interview, Respondent
from storage.respondents import mark_reachable

log = logging.getLogger(__name__)

PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def _known(turn: Turn) -> tuple[Respondent | None, Interview | None]:
    """The respondent (if they consented before) and their newest interview."""
    store = InterviewStore(turn.services.db)
    respondent, interview = await store.respondent_and_interview(turn.user.id)
    if respondent is None or respondent.id is None:
        return None, None
    if respondent.unreachable:  # they wrote, so they unblocked the bot
        await mark_reachable(turn.services.db, turn.user.id)
        respondent.unreachable = False
    if interview is not None:
        logs.bind(interview=interview.id)
    return respondent, interview


def _language_prompt(turn: Turn, source: str | None = None) -> render.Outgoing:
    """Before consent: which language, the one their Telegram app suggests first."""
    return render.language_prompt(
        turn.q, suggested_language(turn.q, turn.user.language_code), source
    )


def _payload(args: list[str] | None) -> str | None:
    if not args:
        return None
    payload = args[0]
    return payload if PAYLOAD.match(payload) else None


async def on_start(update: Update, context: Context) -> None:
    turn = turn_of(update, context)
    source = _payload(context.args)
    respondent, interview = await _known(turn)
    if respondent is None or interview is None:
        # no interview, so no agreement on record (a respondent row outlived its interview: a
        # crash between the two writes, or retention): the notice is asked for again
        await turn.send([_language_prompt(turn, source)])
        return
    await ensure_respondent(turn)
    lang = language_of(turn.q, respondent)
    if interview is not None and interview.status in ACTIVE_STATUSES:
        await _offer_resume(turn, lang, interview)
        return
    if interview is not None and interview.status == "completed":
        await turn.send(
            [
                render.simple(
                    turn.ui(lang, "already_completed"),
                    [[(turn.ui(lang, "restart.button"), callbacks.RESTART.pack())]],
                )
            ]
        )
        return
    await start_again(turn, respondent, source, interview)


async def _offer_resume(turn: Turn, lang: str, interview: Interview) -> None:
    """Carry on or start again: the offer takes over the interview's live buttons (the
    question on screen loses its own), so "Carry on" shows the question once."""
    where = _where(turn, interview)
    await turn.send(
        [
            render.simple(
                turn.ui(lang, "resume.offer", where=where),
                [
                    [
                        (turn.ui(lang, "resume.button"), callbacks.RESUME.pack()),
                        (turn.ui(lang, "restart.button"), callbacks.RESTART.pack()),
                    ]
                ],
            )
        ]
    )
    await keyboards.handover(turn, interview.id)


def _where(turn: Turn, interview: Interview) -> str:
    state = engine.State.from_json(interview.state)
    result = engine.current(questionnaire_for(turn, interview), state)
    for event in result.events:
        view = getattr(event, "view", None)
        if view is not None:
            return str(view.text)
    return "…"


async def on_help(update: Update, context: Context) -> None:
    turn = turn_of(update, context)
    respondent, _ = await _known(turn)
    lang = turn.language(respondent)
    await turn.send([*consent.introduction(turn, lang), render.simple(turn.ui(lang, "help"))])


async def on_cancel(update: Update, context: Context) -> None:
    """Pause: nothing is lost, /start picks up at the same question. The question's buttons
    go, and until they carry on, what they send gets the carry-on offer (not taken as an
    answer)."""
    turn = turn_of(update, context)
    respondent, interview = await _known(turn)
    if interview is not None and interview.status in ACTIVE_STATUSES:
        await turn.store.pause(interview.id, turn.now)
        await keyboards.retire(turn, interview.id)
    await turn.send([render.simple(turn.ui(turn.language(respondent), "cancel.done"))])


async def _say(turn: Turn, key: str) -> None:
    """One line in their language (or the one their app suggests, before consent)."""
    respondent, _ = await _known(turn)
    await turn.send([render.simple(turn.ui(turn.language(respondent), key))])


async def on_language(update: Update, context: Context) -> None:
    turn = turn_of(update, context)
    _, interview = await _known(turn)
    await turn.send([render.language_prompt(turn.q, None)])
    if interview is not None:  # beside the question; an earlier prompt loses its buttons
        await keyboards.aside(turn, interview.id)


async def _with_interview(turn: Turn, move: engine.Input, *, message_id: int | None = None) -> None:
    respondent, interview = await _known(turn)
    if respondent is None:
        await turn.send([_language_prompt(turn)])
        return
    if interview is not None and interview.credit_pending and respondent.id is not None:
        if isinstance(move, engine.Text):  # the name and job title the bot asked for
            await credit.take(turn, respondent, interview, move.text)
            return
        await privacy.stop_waiting_for_credit(turn.services.db, respondent.id)
    if interview is not None and interview.status == "completed":
        if isinstance(move, engine.Text):  # something more to say: kept for the team
            await keep_addendum(turn, interview, move.text)
            return
        await completed_again(turn, interview, review=isinstance(move, engine.Review))
        return
    if interview is None or interview.status not in ACTIVE_STATUSES:
        lang = language_of(turn.q, respondent)
        await turn.send([render.simple(turn.ui(lang, "no_interview"))])
        return
    if interview.paused:  # after /cancel: carry on (or start again) first
        await _offer_resume(turn, language_of(turn.q, respondent), interview)
        return
    if interview.reask:  # they never saw the question: this message can't be its answer
        await step(turn, interview, lambda q, state: engine.current(q, state))
        return
    await step(turn, interview, move, message_id=message_id)


async def on_back(update: Update, context: Context) -> None:
    await _with_interview(turn_of(update, context), engine.Back())


async def on_skip(update: Update, context: Context) -> None:
    await _with_interview(turn_of(update, context), engine.Skip())


async def on_review(update: Update, context: Context) -> None:
    await _with_interview(turn_of(update, context), engine.Review())


async def on_done(update: Update, context: Context) -> None:
    await _with_interview(turn_of(update, context), engine.Done(None))


async def on_text(update: Update, context: Context) -> None:
    turn = turn_of(update, context)
    message = update.effective_message
    assert message is not None and message.text is not None
    at = message.date or turn.now
    text = storable(message.text)
    await _with_interview(turn, engine.Text(text, at), message_id=message.message_id)


async def on_edited(update: Update, context: Context) -> None:
    """An edited message that carried a free-text answer updates the stored answer. Any other
    edit (a command, a message that is no answer) changes nothing, and says so."""
    turn = turn_of(update, context)
    message = update.edited_message
    if message is None or message.text is None:
        return
    respondent, interview = await _known(turn)
    answer = None
    if respondent is not None and interview is not None and interview.status != "withdrawn":
        answer = await InterviewStore(turn.services.db).answer_for_message(
            interview.id, message.message_id
        )
    if respondent is None or interview is None or answer is None:
        await turn.send([render.simple(turn.ui(turn.language(respondent), "edited.ignored"))])
        return
    await step(
        turn,
        interview,
        engine.Amend(answer.key, storable(message.text)),
        message_id=message.message_id,
    )


async def on_other(update: Update, context: Context) -> None:
    """Stickers, photos, voice notes, locations…: say what we can read, re-ask the question."""
    turn = turn_of(update, context)
    respondent, interview = await _known(turn)
    if respondent is None:
        lang = turn.language(None)
        await turn.send([render.simple(turn.ui(lang, "input.unsupported"))])
        return
    lang = language_of(turn.q, respondent)
    if interview is None or interview.status not in ACTIVE_STATUSES:
        await turn.send([render.simple(turn.ui(lang, "input.unsupported"))])
        return
    if media.carries_media(update.effective_message):  # a voice note, file or photo
        await media.on_media(turn, interview)
        return
    state = engine.State.from_json(interview.state)
    q = questionnaire_for(turn, interview)
    result = engine.current(q, state)
    await turn.send(
        [
            render.simple(turn.ui(lang, "input.unsupported")),
            *render.events(q, state.language, result.events),
        ]
    )
    await keyboards.handover(turn, interview.id)


async def on_unknown_command(update: Update, context: Context) -> None:
    await _say(turn_of(update, context), "command.unknown")


async def on_unknown_button(update: Update, context: Context) -> None:
    """A tap whose data no kind of ours packs (no pattern of `handlers.BUTTONS` matched): it
    re-asks the question the respondent is on, as an interview button it cannot read."""
    turn = turn_of(update, context)
    tap = tap_of(update)
    try:
        await _on_question_tap(turn, tap, None)
    finally:
        await tap.answer()


async def on_question_button(turn: Turn, tap: Tap, data: Data) -> None:
    """The buttons of a question and of the review summary: checked against where the
    interview is, answered once.

    A button that acts on a question the respondent has left gets only a short "that
    question has moved on" on the tap, and loses its buttons; nothing else changes. A tap
    delivered again after its own change moved the interview on (its reply was lost in a
    crash) is no such button: the current question is shown again.
    """
    await _on_question_tap(turn, tap, data)


async def _respondent(turn: Turn, tap: Tap) -> tuple[Respondent | None, Interview | None]:
    """Who tapped and their interview; before consent, the language prompt instead."""
    respondent, interview = await _known(turn)
    if respondent is None:
        await tap.answer()
        await turn.send([_language_prompt(turn)])
    return respondent, interview


async def on_resume_button(turn: Turn, tap: Tap, data: Data) -> None:
    """/start's "carry on" and "start again"."""
    respondent, interview = await _respondent(turn, tap)
    if respondent is None:
        return
    await tap.answer()
    await keyboards.answered(turn, tap.message)
    if interview is None:  # erased since the offer: nothing agreed on record, ask again
        await turn.send([_language_prompt(turn)])
        return
    await _resume_or_restart(turn, respondent, interview, restart=data.kind is callbacks.RESTART)


async def _on_question_tap(turn: Turn, tap: Tap, data: Data | None) -> None:
    message = tap.message
    respondent, interview = await _respondent(turn, tap)
    if respondent is None:
        return
    lang = language_of(turn.q, respondent)
    if keyboards.stale(interview, data):
        if (
            interview is not None
            and interview.status in ACTIVE_STATUSES
            and await turn.store.applied(turn.update_id)
        ):
            # Not a question left behind: this very tap moved the interview on, and Telegram
            # delivers it again because its reply never went out (the process died after
            # storing it, or the reply failed). Show where it led: otherwise they have nothing
            # to answer, and what they write next would be taken as the answer to a question
            # they never saw. (A tap that completed it gets the thank-you below.)
            await tap.answer()
            await reask(turn, interview.id)
            return
        if interview is not None and interview.status == "completed":
            # a button of the finished interview (its removal failed, or the tap crossed it):
            # the buttons go, and the thank-you says where to go from here
            await tap.answer()
            await keyboards.answered(turn, message)
            await completed_again(turn, interview)
            return
        await keyboards.moved_on(turn, tap, lang, interview)
        return
    await tap.answer()
    if interview is not None and interview.status == "completed":
        await completed_again(turn, interview)
        return
    if interview is not None and interview.status in ACTIVE_STATUSES and interview.paused:
        await keyboards.answered(turn, message)
        await _offer_resume(turn, lang, interview)
        return
    if interview is None or interview.status not in ACTIVE_STATUSES:
        await turn.send([render.simple(turn.ui(lang, "no_interview"))])
        return
    made = _button_input(data)
    if data is None or made is None:
        await step(turn, interview, lambda q, state: engine.current(q, state))
        return
    frozen = None
    if data.kind in (callbacks.CHOICE, callbacks.DONE) and message is not None:
        text = _frozen_text(turn, interview, data, getattr(message, "text", None) or "")
        frozen = (message, text) if text else None
    tapped = message if data.kind is callbacks.TOGGLE else None
    await step(turn, interview, made, frozen=frozen, tapped=tapped)


def _button_input(data: Data | None) -> engine.Input | None:
    """The engine input a question's or the review's button stands for."""
    if data is None:
        return None
    kind = data.kind
    if kind is callbacks.CHOICE:
        return engine.Choice(data["key"], data["choice"])
    if kind is callbacks.TOGGLE:
        return engine.Toggle(data["key"], data["choice"])
    if kind is callbacks.DONE:
        return engine.Done(data["key"] or None)
    if kind is callbacks.SKIP:
        return engine.Skip()
    if kind is callbacks.BACK:
        return engine.Back()
    if kind is callbacks.CHANGE:
        return engine.Edit(data["key"])
    if kind is callbacks.SUBMIT:
        return engine.Submit()
    return None


def _frozen_text(turn: Turn, interview: Interview, data: Data, shown: str = "") -> str:
    """The question's message once answered: its text and the answer, no buttons ("" if the
    tap is not an answer to the question on screen: then the message is left as it is).
    A message that did not show the question's text (the countries matching a typed name)
    shows only the answer: the question stays once on screen."""
    state = engine.State.from_json(interview.state)
    key = data["key"]
    if not key or state.cursor != key or state.probing is not None:
        return ""
    result = engine.current(questionnaire_for(turn, interview), state)
    for event in result.events:
        view = getattr(event, "view", None)
        if view is None or view.key != key:
            continue
        title = view.text if view.text in shown else None
        if data.kind is callbacks.CHOICE:
            label = next((c.label for c in view.choices if c.id == data["choice"]), data["choice"])
            return render.answered(title, label)
        if data.kind is callbacks.DONE and view.kind == "multi":
            labels = [c.label for c in view.choices if c.selected]
            return render.answered(title, ", ".join(labels)) if labels else ""
    return ""


async def on_language_button(turn: Turn, tap: Tap, data: Data) -> None:
    """A language prompt's button: before consent, the privacy notice in that language;
    after, the interview goes on in it."""
    lang = data["lang"]
    if lang not in turn.q.languages:
        lang = turn.q.default_language
    source = data.get("source")
    source = source if source is not None and PAYLOAD.match(source) else None
    respondent, interview = await _known(turn)
    message = tap.message
    if respondent is None or respondent.id is None or interview is None:
        # before consent, or with no agreement on record (see on_start)
        await tap.answer()
        await keyboards.answered(turn, message)
        await consent.show_privacy_notice(turn, lang, source)
        return
    if respondent.language == lang:
        # an older prompt, or the language they already have: nothing changes
        await tap.answer(turn.ui(lang, "choice.kept"))
        await keyboards.answered(turn, message)
        return
    await tap.answer()
    await keyboards.answered(turn, message)
    store = InterviewStore(turn.services.db)
    await store.set_language(respondent.id, lang)
    if interview.status in ACTIVE_STATUSES:
        await turn.send([render.simple(turn.ui(lang, "language.changed"))])
        await step(turn, interview, lambda q, state: engine.set_language(q, state, lang))
        return
    await turn.send([render.simple(turn.ui(lang, "language.changed"))])


async def _resume_or_restart(
    turn: Turn, respondent: Respondent, interview: Interview, *, restart: bool
) -> None:
    if restart or interview.status not in ACTIVE_STATUSES:
        await start_again(turn, respondent, interview.source, interview)
        return
    if interview.quote_consent is None:  # how they may be quoted comes before any question
        await turn.send([quoting.question(turn, language_of(turn.q, respondent))])
        return
    if interview.credit_pending:  # and whom to credit, when they asked to be named
        await turn.send([credit.ask_message(turn, language_of(turn.q, respondent))])
        return
    await step(turn, interview, lambda q, state: engine.welcome_back(q, state))
