"""Telegram callbacks for respondents: commands, buttons, text, edits and other input.

Before consent nothing is stored about a person: the chosen language and the deep-link
source travel in the buttons' callback_data until they agree to the privacy notice.
"""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.ext import ContextTypes

from bot import interview as engine
from bot import logs
from bot.services import Services
from handlers import consent, credit, keyboards, media, render
from handlers.conversation import (
    Turn,
    completed_again,
    ensure_respondent,
    language_of,
    questionnaire_for,
    start_interview,
    step,
    storable,
    suggested_language,
)
from storage import privacy
from storage.interviews import ACTIVE_STATUSES, InterviewStore
from storage.models import Interview, Respondent

log = logging.getLogger(__name__)

PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _turn(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Turn:
    services: Services = context.bot_data["services"]
    return Turn(services=services, update=update, bot=context.bot)


async def _known(turn: Turn) -> tuple[Respondent | None, Interview | None]:
    """The respondent (if they consented before) and their newest interview."""
    store = InterviewStore(turn.services.db)
    respondent, interview = await store.respondent_and_interview(turn.user.id)
    if respondent is None or respondent.id is None:
        return None, None
    if respondent.unreachable:  # they wrote, so they unblocked the bot
        from storage.respondents import mark_reachable

        await mark_reachable(turn.services.db, turn.user.id)
        respondent.unreachable = False
    if interview is not None:
        logs.bind(interview=interview.id)
    return respondent, interview


def _payload(args: list[str] | None) -> str | None:
    if not args:
        return None
    payload = args[0]
    return payload if PAYLOAD.match(payload) else None


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = _turn(update, context)
    source = _payload(context.args)
    respondent, interview = await _known(turn)
    if respondent is None:
        await turn.send(
            [
                render.language_prompt(
                    turn.q, suggested_language(turn.q, turn.user.language_code), source
                )
            ]
        )
        return
    await ensure_respondent(turn)
    lang = language_of(turn.q, respondent)
    if interview is not None and interview.status in ACTIVE_STATUSES:
        where = _where(turn, interview)
        await turn.send(
            [
                render.simple(
                    turn.ui(lang, "resume.offer", where=where),
                    [
                        [
                            (turn.ui(lang, "resume.button"), render.pack("R", "resume")),
                            (turn.ui(lang, "restart.button"), render.pack("R", "restart")),
                        ]
                    ],
                )
            ]
        )
        return
    if interview is not None and interview.status == "completed":
        await turn.send(
            [
                render.simple(
                    turn.ui(lang, "already_completed"),
                    [[(turn.ui(lang, "restart.button"), render.pack("R", "restart"))]],
                )
            ]
        )
        return
    await start_interview(turn, respondent, source, interview)


def _where(turn: Turn, interview: Interview) -> str:
    state = engine.State.from_json(interview.state)
    result = engine.current(questionnaire_for(turn, interview), state)
    for event in result.events:
        view = getattr(event, "view", None)
        if view is not None:
            return str(view.text)
    return "…"


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = _turn(update, context)
    respondent, _ = await _known(turn)
    lang = language_of(turn.q, respondent) if respondent else _guess(turn)
    await turn.send([*consent.introduction(turn, lang), render.simple(turn.ui(lang, "help"))])


def _guess(turn: Turn) -> str:
    return suggested_language(turn.q, turn.user.language_code) or turn.q.default_language


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pause: nothing is lost, /start picks up at the same question."""
    turn = _turn(update, context)
    respondent, _ = await _known(turn)
    lang = language_of(turn.q, respondent) if respondent else _guess(turn)
    await turn.send([render.simple(turn.ui(lang, "cancel.done"))])


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = _turn(update, context)
    await turn.send([render.language_prompt(turn.q, None)])


async def _with_interview(turn: Turn, make_input: object, **kwargs: object) -> None:
    respondent, interview = await _known(turn)
    if respondent is None:
        await turn.send(
            [render.language_prompt(turn.q, suggested_language(turn.q, turn.user.language_code))]
        )
        return
    if interview is not None and interview.credit_pending and respondent.id is not None:
        if isinstance(make_input, engine.Text):  # the name and job title the bot asked for
            await credit.take(turn, respondent, interview, make_input.text)
            return
        await privacy.stop_waiting_for_credit(turn.services.db, respondent.id)
    if interview is not None and interview.status == "completed":
        await completed_again(turn, interview, review=isinstance(make_input, engine.Review))
        return
    if interview is None or interview.status not in ACTIVE_STATUSES:
        lang = language_of(turn.q, respondent)
        await turn.send([render.simple(turn.ui(lang, "no_interview"))])
        return
    if interview.reask:  # they never saw the question: this message can't be its answer
        await step(turn, interview, lambda q, state: engine.current(q, state))
        return
    await step(turn, interview, make_input, **kwargs)  # type: ignore[arg-type]


async def on_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _with_interview(_turn(update, context), engine.Back())


async def on_skip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _with_interview(_turn(update, context), engine.Skip())


async def on_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _with_interview(_turn(update, context), engine.Review())


async def on_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _with_interview(_turn(update, context), engine.Done(None))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = _turn(update, context)
    message = update.effective_message
    assert message is not None and message.text is not None
    at = message.date or turn.now
    text = storable(message.text)
    await _with_interview(turn, engine.Text(text, at), message_id=message.message_id)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message that carried a free-text answer updates the stored answer. Any other
    edit (a command, a message that is no answer) changes nothing, and says so."""
    turn = _turn(update, context)
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
        lang = language_of(turn.q, respondent) if respondent else _guess(turn)
        await turn.send([render.simple(turn.ui(lang, "edited.ignored"))])
        return
    await step(
        turn,
        interview,
        engine.Amend(answer.key, storable(message.text)),
        message_id=message.message_id,
    )


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes, locations…: say what we can read, re-ask the question."""
    turn = _turn(update, context)
    respondent, interview = await _known(turn)
    if respondent is None:
        lang = _guess(turn)
        await turn.send([render.simple(turn.ui(lang, "input.unsupported"))])
        return
    lang = language_of(turn.q, respondent)
    if interview is None or interview.status not in ACTIVE_STATUSES:
        await turn.send([render.simple(turn.ui(lang, "input.unsupported"))])
        return
    if media.carries_media(update.effective_message):  # a voice note, file or photo
        await media.on_media(update, context, interview)
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


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = _turn(update, context)
    respondent, _ = await _known(turn)
    lang = language_of(turn.q, respondent) if respondent else _guess(turn)
    await turn.send([render.simple(turn.ui(lang, "command.unknown"))])


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every inline button: checked against where the interview is, answered once.

    A button that acts on a question the respondent has left gets only a short "that
    question has moved on" on the tap, and loses its buttons; nothing else changes.
    """
    turn = _turn(update, context)
    query = update.callback_query
    assert query is not None
    tap = keyboards.Tap(query)
    try:
        await _on_tap(turn, tap, render.unpack(query.data))
    finally:
        await tap.answer()


async def _on_tap(turn: Turn, tap: keyboards.Tap, parts: list[str]) -> None:
    kind = parts[0]
    message = tap.message
    if kind == "L":
        await _chose_language(turn, parts, tap)
        return
    if kind == "C":
        await consent.on_privacy_choice(turn, parts, tap)
        return
    if kind == "Q":
        await consent.on_quote_choice(turn, parts, tap)
        return
    respondent, interview = await _known(turn)
    if respondent is None:
        await tap.answer()
        await turn.send(
            [render.language_prompt(turn.q, suggested_language(turn.q, turn.user.language_code))]
        )
        return
    lang = language_of(turn.q, respondent)
    if kind == "R":
        await tap.answer()
        await keyboards.answered(turn, message)
        await _resume_or_restart(turn, respondent, interview, parts[1] if len(parts) > 1 else "")
        return
    if keyboards.stale(interview, parts):
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
    if interview is None or interview.status not in ACTIVE_STATUSES:
        await turn.send([render.simple(turn.ui(lang, "no_interview"))])
        return
    made = _button_input(parts)
    if made is None:
        await step(turn, interview, lambda q, state: engine.current(q, state))
        return
    frozen = None
    if kind in ("a", "d") and message is not None:
        text = _frozen_text(turn, interview, parts, getattr(message, "text", None) or "")
        frozen = (message, text) if text else None
    await step(turn, interview, made, frozen=frozen, tapped=message if kind == "t" else None)


def _button_input(parts: list[str]) -> object | None:
    kind = parts[0]
    arg = parts[1] if len(parts) > 1 else ""
    if kind == "a" and len(parts) == 3:
        return engine.Choice(arg, parts[2])
    if kind == "t" and len(parts) == 3:
        return engine.Toggle(arg, parts[2])
    if kind == "d":
        return engine.Done(arg or None)
    if kind == "s":
        return engine.Skip()
    if kind == "b":
        return engine.Back()
    if kind == "e":
        return engine.Edit(arg)
    if kind == "S":
        return engine.Submit()
    if kind == "v":
        return engine.Review()
    return None


def _frozen_text(turn: Turn, interview: Interview, parts: list[str], shown: str = "") -> str:
    """The question's message once answered: its text and the answer, no buttons ("" if the
    tap is not an answer to the question on screen: then the message is left as it is).
    A message that did not show the question's text (the countries matching a typed name)
    shows only the answer: the question stays once on screen."""
    state = engine.State.from_json(interview.state)
    key = parts[1] if len(parts) > 1 else ""
    if not key or state.cursor != key or state.probing is not None:
        return ""
    result = engine.current(questionnaire_for(turn, interview), state)
    for event in result.events:
        view = getattr(event, "view", None)
        if view is None or view.key != key:
            continue
        title = view.text if view.text in shown else None
        if parts[0] == "a" and len(parts) == 3:
            label = next((c.label for c in view.choices if c.id == parts[2]), parts[2])
            return render.answered(title, label)
        if parts[0] == "d" and view.kind == "multi":
            labels = [c.label for c in view.choices if c.selected]
            return render.answered(title, ", ".join(labels)) if labels else ""
    return ""


async def _chose_language(turn: Turn, parts: list[str], tap: keyboards.Tap) -> None:
    lang = parts[1] if len(parts) > 1 else ""
    if lang not in turn.q.languages:
        lang = turn.q.default_language
    source = parts[2] if len(parts) > 2 and PAYLOAD.match(parts[2]) else None
    respondent, interview = await _known(turn)
    message = tap.message
    if respondent is not None and respondent.language == lang:
        # an older prompt, or the language they already have: nothing changes
        await tap.answer(turn.ui(lang, "choice.kept"))
        await keyboards.answered(turn, message)
        return
    await tap.answer()
    await keyboards.answered(turn, message)
    if respondent is None or respondent.id is None:
        await consent.show_privacy_notice(turn, lang, source)
        return
    store = InterviewStore(turn.services.db)
    await store.set_language(respondent.id, lang)
    if interview is not None and interview.status in ACTIVE_STATUSES:
        await turn.send([render.simple(turn.ui(lang, "language.changed"))])
        await step(turn, interview, lambda q, state: engine.set_language(q, state, lang))
        return
    await turn.send([render.simple(turn.ui(lang, "language.changed"))])


async def _resume_or_restart(
    turn: Turn, respondent: Respondent, interview: Interview | None, choice: str
) -> None:
    if choice == "restart" or interview is None or interview.status not in ACTIVE_STATUSES:
        await start_interview(turn, respondent, interview.source if interview else None, interview)
        return
    if interview.quote_consent is None:  # how they may be quoted comes before any question
        await turn.send([consent.quote_question(turn, language_of(turn.q, respondent))])
        return
    if interview.credit_pending:  # and whom to credit, when they asked to be named
        await turn.send([credit.ask_message(turn, language_of(turn.q, respondent))])
        return
    await step(turn, interview, lambda q, state: engine.welcome_back(q, state))
