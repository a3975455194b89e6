"""Conversation-test helpers: a Bot API emulator on a real port, and the real PTB bot against it.

A conversation test reads like the chat it checks::

    async def test_language_choice(bot_app, emulator):
        chat = emulator.chat(1001, first_name="Ann", language_code="cy")
        await chat.send("/start")                     # returns once the bot has reacted
        assert chat.last_reply.buttons == [["English", "Cymraeg"]]
        assert chat.last_reply.button_labels == ["English", "Cymraeg"]
        await chat.tap("Cymraeg")                     # presses the inline button
        assert chat.answered_callbacks                # the bot answered the callback query
        assert emulator.violations == []             # Telegram would have accepted every request

``running_emulator(...)`` starts ``BotApiEmulator`` on 127.0.0.1 (a real TCP port) and sets
``emulator.root``; ``ptb_builder(emulator)`` returns an ``ApplicationBuilder`` pointed at it;
``polling(application)`` runs that Application with long polling the way production does.
What "the bot has reacted" means is documented in ``bot.sandbox.users``.

Tests of the whole process use the fixtures of ``tests/integration/conftest.py`` instead:
``clock`` (a ``Clock`` the test moves), ``emulator``, ``bot`` (``create_app`` against the
emulator, reading ``clock``) and ``chat``, a ``BotChat``: one respondent whose every action
returns once the process is idle, and who can consent, answer and complete the interview::

    async def test_reminder(bot, chat, clock):
        await chat.consent("English")
        await chat.answer()
        clock.advance(hours=49)
        assert await send_due_reminders(bot.services) == 1
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp.test_utils import TestServer
from telegram.ext import Application, ApplicationBuilder

from bot.interview import State
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.users import BotMessage, Button, Chat
from bot.services import Services
from tests.integration import interviewer

if TYPE_CHECKING:
    from tests.integration.botkit import RunningBot

__all__ = [
    "BotApiEmulator",
    "BotChat",
    "BotMessage",
    "Button",
    "Chat",
    "Clock",
    "polling",
    "ptb_builder",
    "running_emulator",
]

LANGUAGE_LABELS = {"en": "English", "cy": "Cymraeg"}
"""The language buttons' labels by Telegram language code."""


class Clock:
    """A clock the test moves by hand; the bot reads it for every timestamp."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class BotChat:
    """One respondent's chat with a running bot: every action returns once the process is
    idle (nothing waiting, queued, processed or in flight), not only once the chat is quiet."""

    def __init__(self, bot: RunningBot, chat: Chat) -> None:
        self.bot = bot
        self.raw = chat

    @property
    def user_id(self) -> int:
        return self.raw.user_id

    @property
    def services(self) -> Services:
        return self.bot.services

    @property
    def messages(self) -> list[BotMessage]:
        return self.raw.messages

    @property
    def last_reply(self) -> BotMessage:
        return self.raw.last_reply

    def ui(self, lang: str, key: str, **params: Any) -> str:
        """A UI string as the bot says it (prompts/ui.<lang>.yaml)."""
        return str(self.services.questionnaire.ui(lang, key, **params))

    async def send(self, text: str) -> None:
        await self.raw.send(text)
        await self.bot.idle()

    async def tap(self, label: str) -> None:
        """Press the inline button with this label (or callback data)."""
        await self.raw.tap(label)
        await self.bot.idle()

    async def consent(
        self, label: str | None = None, quote: int = 0, credit: str = interviewer.CREDIT
    ) -> None:
        """From /start to the first question: language (by default the chat's own), the
        privacy notice's agree, the quote-consent level numbered `quote` (and, when quoted by
        name, the name and job title to credit)."""
        language = label or LANGUAGE_LABELS[self.raw.language_code or "en"]
        await interviewer.consent(self.raw, language, quote, credit)

    async def answer(self, script: dict[str, Any] | None = None) -> str:
        """Answer the current question (scripted per question id); returns its id."""
        await self.bot.idle()
        answered = await interviewer.answer_current(self.raw, self.services, script)
        await self.bot.idle()
        return answered

    async def complete(self, script: dict[str, Any] | None = None) -> list[str]:
        """Answer until the review, then submit; returns the question ids answered."""
        return await interviewer.complete(self.raw, self.services, script)

    async def state(self) -> State | None:
        """The current interview's engine state, from the database."""
        return await interviewer.state_of(self.services, self.user_id)


@asynccontextmanager
async def running_emulator(**kwargs: Any) -> AsyncIterator[BotApiEmulator]:
    """Serve a fresh emulator (kwargs go to ``BotApiEmulator``) on a free loopback port."""
    emulator = BotApiEmulator(**kwargs)
    server = TestServer(emulator.make_app(), host="127.0.0.1")
    await server.start_server()
    emulator.root = str(server.make_url("")).rstrip("/")
    try:
        yield emulator
    finally:
        await emulator.close()
        await server.close()


def ptb_builder(emulator: BotApiEmulator) -> ApplicationBuilder:  # type: ignore[type-arg]
    """An ApplicationBuilder with token and URLs of the emulator (add handlers, then build)."""
    return (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
    )


@asynccontextmanager
async def polling(application: Application, **kwargs: Any) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Run an Application with long polling (short timeouts so tests stop quickly)."""
    kwargs.setdefault("poll_interval", 0.0)
    kwargs.setdefault("timeout", 1)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(**kwargs)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
