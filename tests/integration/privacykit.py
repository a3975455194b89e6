"""Helpers for the privacy and reminder tests: wait until the bot has really finished.

`Chat.send`/`tap` return once the chat has been quiet for the emulator's quiet period; on a
loaded machine a handler can spend longer than that in the database between two replies.
`Talk.idle()` waits for the process itself: no update waiting at the emulator, none queued
in PTB, none being processed, and no request in flight, several checks in a row.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.users import Chat
from bot.telegram import PTB_APP
from tests.integration.interviewer import CREDIT, answer_current


class Clock:
    """A clock the test moves by hand; the bot reads it for every timestamp."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Talk:
    bot: Any  # tests.integration.botkit.RunningBot
    emulator: Any

    @property
    def services(self) -> Any:
        return self.bot.services

    def ui(self, lang: str, key: str, **params: Any) -> str:
        return str(self.services.questionnaire.ui(lang, key, **params))

    async def idle(self, seconds: float = 15.0) -> None:
        application = self.bot.app[PTB_APP]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        calm = 0
        while calm < 3:
            busy = (
                bool(self.emulator.pending_updates())
                or application.update_queue.qsize() > 0
                or application.update_processor.current_concurrent_updates > 0
                or any(self.emulator.activity(c.user_id).in_flight for c in self.emulator.chats)
            )
            calm = 0 if busy else calm + 1
            if loop.time() > deadline:
                raise TimeoutError("the bot did not become idle")
            await asyncio.sleep(0.01)

    async def send(self, chat: Chat, text: str) -> None:
        await chat.send(text)
        await self.idle()

    async def tap(self, chat: Chat, label: str) -> None:
        await chat.tap(label)
        await self.idle()

    async def consent(
        self, chat: Chat, label: str = "English", quote: int = 0, credit: str = CREDIT
    ) -> None:
        """From /start to the first question: language, notice, quote consent, and the name
        to credit when quoted by name."""
        await self.send(chat, "/start")
        await self.tap(chat, label)
        await self.tap(chat, chat.last_reply.buttons[0][0])  # agree
        await self.tap(chat, chat.last_reply.buttons[quote][0])
        if quote == 0:
            await self.send(chat, credit)

    async def answer(self, chat: Chat, script: dict[str, Any] | None = None) -> str:
        await self.idle()
        answered = await answer_current(chat, self.services, script)
        await self.idle()
        return answered
