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
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp.test_utils import TestServer
from telegram.ext import Application, ApplicationBuilder

from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.users import BotMessage, Button, Chat

__all__ = [
    "BotApiEmulator",
    "BotMessage",
    "Button",
    "Chat",
    "polling",
    "ptb_builder",
    "running_emulator",
]


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
