"""The Bot API emulator as the benchmark uses it: served on a loopback port, and telling the
respondents the moment the question they wait for is on their screen (sent or edited in)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from bench.report import percentile
from bench.script import Expect
from bot.sandbox.emulator import BotApiEmulator, StoredMessage
from bot.sandbox.flood import COUNTED_METHODS, FloodControl
from bot.sandbox.users import Chat


class BenchEmulator(BotApiEmulator):
    """Resolves a per-chat future when a bot message matching what the user waits for appears."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._waiting: dict[int, tuple[Expect, asyncio.Future[float]]] = {}
        #: tap -> answerCallbackQuery: when each query was made, and how long its answer took
        self.tapped_at: dict[str, float] = {}
        self.tap_answer_delays: list[tuple[float, float]] = []  # (answered at, seconds)

    def register_callback(self, query_id: str, chat_id: int) -> None:
        self.tapped_at[query_id] = time.monotonic()
        super().register_callback(query_id, chat_id)

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        result = super()._m_answerCallbackQuery(params)
        tapped = self.tapped_at.pop(params["callback_query_id"], None)
        if tapped is not None:
            now = time.monotonic()
            self.tap_answer_delays.append((now, now - tapped))
        return result

    def expect(self, chat_id: int, expect: Expect) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = (expect, future)
        return future

    def _seen(self, stored: StoredMessage) -> None:
        waiting = self._waiting.get(stored.chat_id)
        if waiting is None:
            return
        expect, future = waiting
        markup = stored.reply_markup or {}
        data = [
            b.get("callback_data") or "" for row in markup.get("inline_keyboard") or [] for b in row
        ]
        if not future.done() and expect.matches(stored.parsed.text, data):
            future.set_result(time.monotonic())
            del self._waiting[stored.chat_id]

    def _store_bot_message(
        self, chat: Chat, content: dict[str, Any], params: dict[str, Any], parsed: Any, raw: str
    ) -> StoredMessage:
        stored = super()._store_bot_message(chat, content, params, parsed, raw)
        self._seen(stored)
        return stored

    def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        message = super()._m_editMessageText(params)
        stored = self._messages[params["chat_id"]][params["message_id"]]
        self._seen(stored)
        return message

    # -- what happened ------------------------------------------------------------------------
    def counted(self, start: float, end: float) -> int:
        """Messages sent or edited successfully (what Telegram's limits count) in [start, end)."""
        return sum(
            1
            for c in self.calls
            if c.status == 200 and c.method in COUNTED_METHODS and start <= c.time < end
        )

    def tap_answers(self, since: float = 0.0) -> dict[str, float | None]:
        """Tap -> answerCallbackQuery quantiles (seconds) of the taps made since `since`,
        and how many taps were never answered."""
        delays = [d for at, d in self.tap_answer_delays if at - d >= since]
        unanswered = sum(1 for t in self.tapped_at.values() if t >= since)
        return {f"p{p}": percentile(delays, p) for p in (50, 95, 99)} | {
            "n": len(delays),
            "unanswered": unanswered,
        }

    def status_count(self, status: int) -> int:
        return sum(1 for c in self.calls if c.status == status)

    def method_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.calls:
            counts[c.method] = counts.get(c.method, 0) + 1
        return counts


@asynccontextmanager
async def serving(latency: float = 0.0, flood: bool = False) -> AsyncIterator[BenchEmulator]:
    """A fresh emulator on 127.0.0.1; `flood` enforces Telegram's limits (30/s, ~1/s a chat)."""
    emulator = BenchEmulator(latency=latency, flood=FloodControl() if flood else False)
    runner = web.AppRunner(emulator.make_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    emulator.root = f"http://127.0.0.1:{port}"
    try:
        yield emulator
    finally:
        await emulator.close()
        await runner.cleanup()


async def wait_polling(emulator: BotApiEmulator, within: float = 60.0) -> None:
    """Until the bot has started long polling (its first getUpdates)."""
    deadline = time.monotonic() + within
    while not any(c.method == "getUpdates" for c in emulator.calls):
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not start polling")
        await asyncio.sleep(0.05)
