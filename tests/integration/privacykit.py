"""Helpers for the privacy and reminder tests: wait until the bot has really finished.

`Chat.send`/`tap` return once the chat has been quiet for the emulator's quiet period; on a
loaded machine a handler can spend longer than that in the database between two replies.
`Talk.idle()` waits for the process itself: no update waiting at the emulator, none queued
in PTB, none being processed, and no request in flight, several checks in a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.sandbox.users import Chat
from tests.integration.chatkit import Clock as Clock  # moved to the one chat kit
from tests.integration.interviewer import CREDIT, answer_current


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
        await self.bot.idle(seconds)

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
