"""The turn of one update: the typed services, who it is from, their language, and sending.

Every handler starts with `turn = turn_of(update, context)`: the `Turn` is built once per
update and carries everything the reply needs. It sends (HTML, in order, merged to save
Telegram's per-chat budget; what does not get through waits in the outbox), edits an answered
question's message, and records which of its messages carry buttons for `handlers.keyboards`.
A tapped button's query is a `Tap`, answered exactly once; `on_tap` makes the PTB callback
for one kind of button (handlers/callbacks.py): the turn, the tap, the parsed data.

Nothing here knows the interview's steps (`handlers.conversation`) or what a button means.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram import Bot, CallbackQuery, MaybeInaccessibleMessage, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import CallbackContext

from bot import transport
from bot.interview import Questionnaire
from bot.services import Services, services_of
from handlers import callbacks, outbox, render
from handlers.render import Outgoing
from storage.interviews import InterviewStore
from storage.models import Interview, Respondent
from storage.respondents import mark_unreachable

log = logging.getLogger(__name__)

Context = CallbackContext[Any, Any, Any, Any]
"""What PTB passes every handler beside the update (only its bot and services are used)."""


@dataclass
class Turn:
    """What one update is about: who, when, and how to reply."""

    services: Services
    update: Update
    bot: Bot
    #: (message id, has buttons) of what this turn sent or edited, in order; and the messages
    #: whose buttons it removed (handlers.keyboards keeps one live keyboard per interview)
    shown: list[tuple[int, bool]] = field(default_factory=list)
    cleared: set[int] = field(default_factory=set)
    #: interview id -> (message with its live buttons, older ones that may still show some),
    #: as read with the interview at the start of the turn
    keyboards: dict[str, tuple[int | None, list[int]]] = field(default_factory=dict)
    #: a message of the reply did not get through (after the transport's retries)...
    undelivered: bool = False
    #: ...and waits in the outbox (False before consent: nothing may be stored)
    held: bool = False

    @property
    def user(self) -> User:
        user = self.update.effective_user
        assert user is not None
        return user

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        return chat.id if chat is not None else self.user.id

    @property
    def q(self) -> Questionnaire:
        return self.services.questionnaire

    @property
    def store(self) -> InterviewStore:
        return InterviewStore(self.services.db)

    @property
    def now(self) -> datetime:
        return self.services.clock()

    @property
    def update_id(self) -> int:
        return self.update.update_id

    def language(self, respondent: Respondent | None) -> str:
        """The language to answer in: the respondent's, or (before consent, when nothing is
        held) the one their Telegram app suggests, or the questionnaire's default."""
        if respondent is not None:
            return language_of(self.q, respondent)
        return suggested_language(self.q, self.user.language_code) or self.q.default_language

    async def send(
        self, messages: list[Outgoing], *, step: tuple[str, int] | None = None
    ) -> list[Message]:
        """Send a reply, in order. What Telegram still does not take after the transport's
        retries waits in the outbox (handlers/outbox.py), with `step` (interview id, version)
        so it is dropped if the interview moves on first; the update's delivery notes it."""
        sent: list[Message] = []
        pending = render.merged(messages)
        for n, message in enumerate(pending):
            try:
                sent.append(await self.bot.send_message(chat_id=self.chat_id, **message.fields()))
            except Forbidden:
                outbox.note(outbox.GONE)
                await self.mark_unreachable()
                return sent
            except BadRequest:
                raise
            except (NetworkError, RetryAfter) as exc:
                if transport.answered_ok("sendMessage"):
                    _unreadable(exc)  # delivered all the same: go on with the rest
                    continue
                self.held = await outbox.hold(
                    self.services,
                    user_id=self.user.id,
                    chat_id=self.chat_id,
                    messages=pending[n:],
                    update_id=self.update_id,
                    step=step,
                )
                self.undelivered = True
                return sent
            except TelegramError as exc:
                if not transport.answered_ok("sendMessage"):
                    raise
                _unreadable(exc)
                continue
            self.shown.append((sent[-1].message_id, bool(message.buttons)))
        return sent

    async def edit(self, message: MaybeInaccessibleMessage | None, text: str) -> None:
        """Freeze an answered question's message (drop its keyboard, show the answer)."""
        if message is None or not text:
            return
        try:
            await self.bot.edit_message_text(
                chat_id=self.chat_id,
                message_id=message.message_id,
                text=text,
                parse_mode=ParseMode.HTML,
                disable_web_page_preview=True,
            )
            self.cleared.add(message.message_id)
        except BadRequest as exc:  # not modified, or too old to edit: harmless
            log.debug("edit skipped: %s", exc.message)
        except Forbidden:
            await self.mark_unreachable()
        except TelegramError as exc:  # cosmetic: the next question matters more
            log.warning("edit of an answered question failed: %s", type(exc).__name__)

    async def replace(
        self, frozen: tuple[MaybeInaccessibleMessage | None, str], messages: list[Outgoing]
    ) -> bool:
        """After a button answer, one edit shows the answer and the next question in the same
        message (one message against Telegram's ~1 a second per chat, where freezing it and
        sending the next question took two). False when that does not fit: freeze and send."""
        message, text = frozen
        merged = render.merged(messages)
        combined = render.after_answer(text, merged[0]) if len(merged) == 1 else None
        if message is None or combined is None:
            return False
        try:
            await self.bot.edit_message_text(
                chat_id=self.chat_id, message_id=message.message_id, **combined.fields()
            )
        except Forbidden:
            await self.mark_unreachable()
        except TelegramError as exc:
            if transport.answered_ok("editMessageText"):  # done; only its answer unreadable
                log.warning("one-message step done, its answer unreadable: %s", type(exc).__name__)
                return True
            log.debug("one-message step failed: %s", exc)  # too old to edit, say: freeze+send
            return False
        self.shown.append((message.message_id, bool(combined.buttons)))
        return True

    async def mark_unreachable(self) -> None:
        await mark_unreachable(self.services.db, self.user.id)

    def ui(self, lang: str, key: str, **params: Any) -> str:
        return self.q.ui(lang, key, **params)


def turn_of(update: Update, context: Context) -> Turn:
    """The turn of one update, built once at the start of its handler."""
    return Turn(services=services_of(context), update=update, bot=context.bot)


@dataclass
class Tap:
    """One callback query, answered exactly once (with a short text when there is one)."""

    query: CallbackQuery
    answered: bool = False

    @property
    def data(self) -> str | None:
        data = self.query.data
        return data if isinstance(data, str) else None

    @property
    def message(self) -> MaybeInaccessibleMessage | None:
        message = self.query.message
        return message if message is not None and hasattr(message, "message_id") else None

    async def answer(self, text: str | None = None) -> None:
        if self.answered:
            return
        self.answered = True
        try:
            await self.query.answer(text=render.clip(text, 200) if text else None)
        except Exception as exc:  # an expired query id must not stop the update's work
            log.debug("answerCallbackQuery failed: %s", exc)


def tap_of(update: Update) -> Tap:
    """The tapped button's query (handlers registered for callback queries only)."""
    query = update.callback_query
    assert query is not None
    return Tap(query)


TapHandler = Callable[[Turn, Tap, callbacks.Data], Awaitable[None]]
"""What handles one kind of button: the turn, the tap, and what the button carried."""


def on_tap(
    kind: callbacks.Kind, handle: TapHandler
) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """The PTB callback for buttons of `kind` (registered with `kind.pattern`): the turn built,
    the data parsed, and the query answered exactly once whatever `handle` does."""

    async def callback(update: Update, context: Context) -> None:
        turn = turn_of(update, context)
        tap = tap_of(update)
        data = kind.parse(tap.data)
        try:
            if data is not None:  # always, after the pattern matched
                await handle(turn, tap, data)
        finally:
            await tap.answer()

    callback.__qualname__ = callback.__name__ = f"on_tap[{kind.name}]"
    return callback


def questionnaire_for(turn: Turn, interview: Interview) -> Questionnaire:
    """The questionnaire an interview started on: interviews begun on an earlier version
    finish on it (its questions, texts and answer keys), whatever version is current."""
    return turn.q.for_version(interview.questionnaire_version)


def storable(text: str) -> str:
    """Text as we keep it: without NUL characters, which PostgreSQL text cannot hold (one in a
    JSON answer made every staff search fail). Everything else is kept exactly as sent."""
    return text.replace("\x00", "")


async def ensure_respondent(turn: Turn) -> Respondent:
    user = turn.user
    name = storable(" ".join(p for p in (user.first_name, user.last_name) if p)) or None
    username = storable(user.username) if user.username else None
    return await turn.store.upsert_respondent(
        user.id, username=username, name=name, telegram_language=user.language_code
    )


def suggested_language(q: Questionnaire, code: str | None) -> str | None:
    base = (code or "").split("-")[0].lower()
    return base if base in q.languages else None


def language_of(q: Questionnaire, respondent: Respondent) -> str:
    if respondent.language in q.languages:
        return respondent.language
    return suggested_language(q, respondent.telegram_language) or q.default_language


def _unreadable(exc: Exception) -> None:
    # Telegram took the message (HTTP 200) but its answer could not be read: it was
    # delivered, so go on with the rest rather than fail (and apologise for, or queue again)
    # what the person already has.
    log.warning("sendMessage delivered, its answer unreadable: %s", type(exc).__name__)
