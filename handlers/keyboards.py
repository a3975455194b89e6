"""Live buttons: one message per interview carries buttons that act on it, the one on screen.

Every step that shows something records which of the bot's messages now carries the
interview's keyboard (`interview.keyboard_message_id`); the message that carried it before
loses its buttons (editMessageReplyMarkup; a removal that fails is kept in
`interview.stale_keyboards` and retried). Removals are housekeeping: they start once the reply
is out and run in the background (`later`), taking the flood budget only when a reply would
not need it (`bot.ratelimit.yielding`), so neither this reply nor the person's next update
waits for one; until done they are listed in `stale_keyboards`, so a restart retries them.

A multi-select toggle or the acknowledgement of another part of a long answer edits the
message in place instead of sending a copy. A tap on buttons that act on a question the
respondent has left (an old message, a double tap) only gets a short "that question has
moved on" on the tap itself, and loses its buttons.
A prompt beside the interview (/consent, /language, a confirmation) is `aside`: the question
keeps its buttons, the prompt is kept with the stale ones, and the next prompt or step removes
it. /cancel `retire`s them all (a paused interview shows no live buttons).

Nothing here sends a request Telegram would refuse: a keyboard is removed only from a
message that has one, and an edit is skipped when it would change nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import CallbackQuery, InlineKeyboardMarkup, MaybeInaccessibleMessage
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import interview as engine
from bot import ratelimit
from handlers import callbacks, render
from handlers.callbacks import Data
from handlers.turn import Tap, Turn, language_of
from storage.interviews import ACTIVE_STATUSES, InterviewStore

if TYPE_CHECKING:
    from bot.services import Services
    from storage.models import Interview

log = logging.getLogger(__name__)


def has_buttons(message: MaybeInaccessibleMessage | None) -> bool:
    markup = getattr(message, "reply_markup", None)
    return isinstance(markup, InlineKeyboardMarkup) and bool(markup.inline_keyboard)


def stale(interview: Interview | None, data: Data | None) -> bool:
    """Whether an interview button acts on a question the respondent is no longer on."""
    kind = data.kind if data is not None else None
    key = data["key"] if data is not None else ""  # "" for a kind that names no question
    if interview is None or interview.status not in ACTIVE_STATUSES:
        return kind in callbacks.QUESTION or kind in callbacks.REVIEW
    state = engine.State.from_json(interview.state)
    if kind in callbacks.QUESTION and key:
        if state.status != "in_progress":
            return True
        return key not in (state.cursor, state.probing)
    if kind in callbacks.REVIEW or (kind is callbacks.DONE and not key):
        return state.status != "reviewing"
    return False


async def arrival_notice(
    services: Services, query: CallbackQuery, update_id: int | None = None
) -> str | None:
    """What a tap's handler would answer it with, read before the handler runs: "that question
    has moved on" for a tap on a question the respondent has left (`stale`, as `on_button`
    decides it), None for any other tap. bot/telegram.py answers a tap with this on arrival
    when its handler is late and nothing of the person's is ahead of it, so a stale tap's
    note is not lost under load. The state read here is the one the handler decides on
    because `on_button` answers every tap of these kinds BEFORE it changes anything: keep
    that order (an answer after a change could be read here as "moved on"). A tap whose own
    change was stored before (`update_id` delivered again after a crash) has not moved on:
    its handler shows the current question again."""
    data = callbacks.parse(query.data)
    if data is None or (data.kind not in callbacks.QUESTION and data.kind not in callbacks.REVIEW):
        return None
    store = InterviewStore(services.db)
    respondent, interview = await store.respondent_and_interview(query.from_user.id)
    if respondent is None or respondent.id is None or not stale(interview, data):
        return None
    if interview is not None and interview.status == "completed":
        return None  # its handler answers with a message instead (the thank-you)
    if update_id is not None and await store.applied(update_id):
        return None
    q = services.questionnaire
    return q.ui(language_of(q, respondent), "stale.tap")


#: how many removals a process remembers (see `_removed`)
_REMEMBER = 10_000


def _removed(turn: Turn) -> OrderedDict[tuple[int, int], None]:
    """(chat, message) whose buttons this process removed lately: a double tap on a prompt
    arrives with the message as it was (buttons and all) after the first tap removed them, and
    removing them again is "message is not modified" (prompts before consent are nowhere else
    to look up)."""
    return turn.services.removed_keyboards


@dataclass
class _Removal:
    """A removal running in the background; `sending` once its request may be on its way."""

    task: asyncio.Task[bool] | None = None
    sending: bool = False


def _pending(turn: Turn) -> dict[tuple[int, int], _Removal]:
    return turn.services.keyboard_removals


async def drop(turn: Turn, message_id: int) -> bool:
    """Remove one message's buttons (it no longer acts on anything). False when Telegram failed
    and it should be tried again; True when done, or when there is nothing left to do."""
    key = (turn.chat_id, message_id)
    if key in _removed(turn):
        return True
    running = _pending(turn).get(key)
    if running is not None and running.task is not None:  # already under way: its outcome
        return await asyncio.shield(running.task)
    return await _remove(turn, message_id)


def later(turn: Turn, message_ids: Sequence[int]) -> None:
    """Remove these messages' buttons in the background, once the flood budget has room (a
    reply never waits for it, and neither does the person's next update)."""
    pending = _pending(turn)
    for message_id in message_ids:
        key = (turn.chat_id, message_id)
        if key in _removed(turn) or key in pending:
            continue
        removal = _Removal()
        removal.task = asyncio.create_task(_in_background(turn, message_id, removal))
        pending[key] = removal
        removal.task.add_done_callback(functools.partial(_forget, pending, key, removal))


def _forget(
    pending: dict[tuple[int, int], _Removal],
    key: tuple[int, int],
    removal: _Removal,
    _task: object,
) -> None:
    if pending.get(key) is removal:
        del pending[key]


#: a background removal that failed (after the transport's own retries) is tried again after
#: these pauses before it is left to the interview's next step: the last step of an interview
#: has no next step, and its buttons must not stay live
RETRY_PAUSES = (1.0, 2.0, 4.0)


async def _in_background(turn: Turn, message_id: int, removal: _Removal) -> bool:
    try:
        await ratelimit.room(turn.bot, turn.chat_id)
        removal.sending = True  # from here it may reach Telegram: no longer called off
        for pause in (*RETRY_PAUSES, None):
            if await _remove(turn, message_id):
                return True
            if pause is not None:
                removal.sending = False  # between tries it may be called off again
                await asyncio.sleep(pause)
                removal.sending = True
        return False
    except asyncio.CancelledError:
        raise
    except Exception:  # a removal is housekeeping: its failure must not go unseen, nor spread
        log.exception("keyboard removal failed")
        return False


def call_off(turn: Turn, message_id: int) -> None:
    """A message shown with buttons again: a removal of it that has not started is dropped."""
    removal = _pending(turn).get((turn.chat_id, message_id))
    if removal is not None and removal.task is not None and not removal.sending:
        removal.task.cancel()


async def drain(services: Any, within: float = 5.0) -> None:
    """Let the removals under way finish (before the bot's connections close); the rest wait in
    their interview's `stale_keyboards` for the next step."""
    tasks = [r.task for r in services.keyboard_removals.values() if r.task is not None]
    if tasks:
        _done, late = await asyncio.wait(tasks, timeout=within)
        for task in late:
            task.cancel()


async def _remove(turn: Turn, message_id: int) -> bool:
    key = (turn.chat_id, message_id)
    removed = _removed(turn)
    try:
        with ratelimit.yielding():  # housekeeping: never ahead of a reply in the flood budget
            await turn.bot.edit_message_reply_markup(
                chat_id=turn.chat_id, message_id=message_id, reply_markup=None
            )
    except Forbidden:
        await turn.mark_unreachable()
        return True
    except BadRequest as exc:  # too old to edit, or gone: nothing left to tap
        log.debug("keyboard removal skipped: %s", exc)
        return True
    except TelegramError as exc:  # network, timeout, flood: retried at the next handover
        log.info("keyboard removal failed (%s); retried later", type(exc).__name__)
        return False
    turn.cleared.add(message_id)
    removed[key] = None
    while len(removed) > _REMEMBER:
        removed.popitem(last=False)
    return True


def already_answered(turn: Turn, message: MaybeInaccessibleMessage | None) -> bool:
    """Whether this process removed the tapped message's buttons already: the second tap of a
    double tap (or a redelivered tap) arrives with the message as it was, buttons and all, and
    freezing it again would be "message is not modified". A removal still under way in the
    background (`later`) counts: the first tap was taken."""
    if message is None:
        return False
    key = (turn.chat_id, message.message_id)
    return key in _removed(turn) or key in _pending(turn)


async def first_tap(turn: Turn, tap: Tap, lang: str) -> bool:
    """A prompt's button (a reminder's, /delete's): True for its first tap, which is answered
    and takes the prompt's buttons away; False for the second tap of a double tap, answered
    "already noted" and to be left there (nothing else changes)."""
    message = tap.message
    if already_answered(turn, message):
        await tap.answer(turn.ui(lang, "choice.kept"))
        return False
    await tap.answer()
    await answered(turn, message)  # the buttons go, the text stays
    return True


async def answered(turn: Turn, message: MaybeInaccessibleMessage | None) -> None:
    """A prompt that has been answered (language, notice, quote, resume) loses its buttons, in
    the background (`later`): the reply does not wait for it."""
    if message is not None and has_buttons(message):
        later(turn, [message.message_id])


async def moved_on(turn: Turn, tap: Tap, lang: str, interview: Interview | None = None) -> None:
    """A tap on a question the respondent has left: say so on the tap, and nothing else.

    Its message's buttons go too, if they may still be there: kept up to date by `handover`,
    they are gone already unless their removal failed (then it is retried now). A tap that
    crossed the removal, or an edit showing a newer question, leaves the message as it is."""
    await tap.answer(turn.ui(lang, "stale.tap"))
    message = tap.message
    if message is None or not has_buttons(message):
        return
    if interview is None or interview.status not in ACTIVE_STATUSES:
        await drop(turn, message.message_id)  # an interview that has ended: no more buttons
        return
    live, stale_ids = await turn.store.keyboards(interview.id)
    if message.message_id == live or message.message_id not in stale_ids:
        return
    if await drop(turn, message.message_id):
        await turn.store.set_keyboards(
            interview.id, live, [m for m in stale_ids if m != message.message_id]
        )


async def handover(turn: Turn, interview_id: str) -> None:
    """After a step was shown: its last message with buttons carries the interview's keyboard,
    and every message that carried one before loses its buttons, in the background; until
    that is done they are recorded as stale (so a removal that fails, or a restart, is retried
    at the next step). Nothing shown: nothing moves."""
    if not turn.shown:
        return
    removed = _removed(turn)
    for mid, buttons in turn.shown:  # an edit can give a message buttons again (a tap on an
        if buttons:  # old copy of a question it is on again): its removal is no longer done
            removed.pop((turn.chat_id, mid), None)
            call_off(turn, mid)
    live = next((mid for mid, buttons in reversed(turn.shown) if buttons), None)
    known = turn.keyboards.get(interview_id)
    previous, stale_ids = known if known is not None else await turn.store.keyboards(interview_id)
    earlier = [mid for mid, buttons in turn.shown if buttons and mid != live]
    candidates = dict.fromkeys(m for m in (previous, *stale_ids, *earlier) if m is not None)
    doomed = [
        m
        for m in candidates
        if m != live and m not in turn.cleared and (turn.chat_id, m) not in removed
    ]
    record = (live, doomed[-20:])
    if record != known:
        await turn.store.set_keyboards(interview_id, *record)
    turn.keyboards[interview_id] = record
    later(turn, doomed)


async def aside(turn: Turn, interview_id: str) -> None:
    """After a prompt beside the interview (/consent's levels, /language, a confirmation): the
    question on screen keeps its buttons, an earlier such prompt loses its own, and this one
    is kept with the stale keyboards, so the interview's next step (`handover`) or the next
    such prompt removes it. One question and at most one prompt beside it are ever live."""
    prompt = next((mid for mid, buttons in reversed(turn.shown) if buttons), None)
    if prompt is None:
        return
    live, stale_ids = await turn.store.keyboards(interview_id)
    doomed = [m for m in dict.fromkeys(stale_ids) if m not in (live, prompt)]
    done = await asyncio.gather(*(drop(turn, m) for m in doomed))
    still = [m for m, ok in zip(doomed, done, strict=True) if not ok]
    await turn.store.set_keyboards(interview_id, live, [*still[-19:], prompt])
    turn.keyboards[interview_id] = (live, [*still[-19:], prompt])


async def retire(turn: Turn, interview_id: str) -> None:
    """The interview's buttons all go (it is paused): none of its messages keeps any."""
    live, stale_ids = await turn.store.keyboards(interview_id)
    doomed = [m for m in dict.fromkeys((live, *stale_ids)) if m is not None]
    done = await asyncio.gather(*(drop(turn, m) for m in doomed))
    still = [m for m, ok in zip(doomed, done, strict=True) if not ok]
    await turn.store.set_keyboards(interview_id, None, still[-20:])
    turn.keyboards[interview_id] = (None, still[-20:])


async def in_place(
    turn: Turn,
    interview: Interview,
    events: Sequence[object],
    outgoing: Sequence[render.Outgoing],
    tapped: MaybeInaccessibleMessage | None,
) -> bool:
    """Show a step by editing a message rather than sending another: a toggle's new ticks on
    the tapped question, another part of a long answer on its "Got it". False: send."""
    if len(outgoing) != 1 or len(events) != 1 or not outgoing[0].buttons:
        return False
    event, message = events[0], outgoing[0]
    markup = message.markup()
    assert markup is not None
    if isinstance(event, engine.Ask) and event.notice is None and tapped is not None:
        if event.view.kind != "multi" or not _toggles(tapped, event.view.key):
            return False
        current = getattr(tapped, "reply_markup", None)
        unchanged = current is not None and current.to_dict() == markup.to_dict()
        if not unchanged and not await _edit(turn, tapped.message_id, None, markup):
            return False
        turn.shown.append((tapped.message_id, True))
        await handover(turn, interview.id)
        return True
    if isinstance(event, engine.Collecting) and event.merged:
        target = interview.keyboard_message_id
        if target is None or not await _edit(turn, target, message.text, markup):
            return False
        turn.shown.append((target, True))
        await handover(turn, interview.id)
        return True
    return False


def _toggles(message: MaybeInaccessibleMessage, key: str) -> bool:
    """Whether a message's buttons are the toggles of question `key`."""
    markup = getattr(message, "reply_markup", None)
    if not isinstance(markup, InlineKeyboardMarkup):
        return False
    return any(
        tapped is not None and tapped["key"] == key
        for row in markup.inline_keyboard
        for button in row
        if isinstance(button.callback_data, str)
        for tapped in [callbacks.TOGGLE.parse(button.callback_data)]
    )


async def _edit(
    turn: Turn, message_id: int, text: str | None, markup: InlineKeyboardMarkup
) -> bool:
    kwargs: dict[str, Any] = {"chat_id": turn.chat_id, "message_id": message_id}
    try:
        if text is None:
            await turn.bot.edit_message_reply_markup(reply_markup=markup, **kwargs)
        else:
            await turn.bot.edit_message_text(
                text=text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
                **kwargs,
            )
    except Forbidden:
        await turn.mark_unreachable()
        return True  # nobody to show anything to
    except TelegramError as exc:  # too old to edit, say: send it instead
        log.debug("in-place edit failed: %s", exc)
        return False
    return True
