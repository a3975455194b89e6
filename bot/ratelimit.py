"""Pacing outgoing messages under Telegram's flood limits, so the bot does not get 429s.

Telegram allows about 30 messages a second per bot and about one a second per private chat
(short bursts are tolerated), and 20 a minute per group. PTB's AIORateLimiter has no per-chat
limit, and after a 429 it pauses *every* request. `FloodPacer` gives each message a slot, first in
its chat's budget and then in the bot's overall budget. Slots are handed out in request order
(GCRA, a token bucket kept as one timestamp), so under a burst every chat queues fairly and the
bot sends at a steady rate just under the ceiling. Calls that are not messages (answerCallbackQuery,
getUpdates, sendChatAction...) go straight through. A 429 that still arrives (from a second
instance, say) is retried after `retry_after` without stopping the other chats.

Housekeeping messages (taking the buttons off a message that no longer acts on anything: see
handlers/keyboards.py) are sent `yielding()`: they take a slot of the bot's overall budget only
while it has room to spare, so a reply never queues behind one; one that found no room for
`yield_for` seconds (the bot saturated that long) takes its turn like any other message.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

#: Bot API methods that post or change a message, and so count against the flood limits
PACED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage", "stopPoll")
UNPACED = frozenset({"sendChatAction"})

_YIELDING: ContextVar[bool] = ContextVar("flood_yielding", default=False)


@contextmanager
def yielding() -> Iterator[None]:
    """Messages sent inside are housekeeping: they wait for room in the bot's overall budget
    rather than take a slot a reply could have had (see `FloodPacer`)."""
    token = _YIELDING.set(True)
    try:
        yield
    finally:
        _YIELDING.reset(token)


@dataclass
class Pace:
    """One budget: `burst` messages back to back, then one per `interval` seconds (GCRA)."""

    interval: float
    burst: int
    tat: float = 0.0  # theoretical arrival time of the next message at the steady rate

    def reserve(self, now: float) -> float:
        """Take the next free slot; returns when it starts (now, or later)."""
        start = max(now, self.tat - (self.burst - 1) * self.interval)
        self.tat = max(self.tat, start) + self.interval
        return start

    def postpone(self, until: float) -> None:
        self.tat = max(self.tat, until + self.interval)

    def room_at(self, spare: int) -> float:
        """When `spare` messages could start back to back (the budget has that much room)."""
        return self.tat - (self.burst - spare) * self.interval


class FloodPacer(BaseRateLimiter[int]):
    """Per-chat and overall pacing; the defaults stay a little under Telegram's limits.

    `overall_rate` 29/s and a burst of 10 (Telegram: ~30/s), `chat_interval` 1 s with a burst
    of 2 (Telegram: ~1/s with short bursts), groups 20/min. `rate_limit_args` (an int) overrides
    `max_retries` for one call, as with AIORateLimiter. A message sent `yielding()` first waits
    (up to `yield_for` seconds) until the overall budget has `yield_spare` slots free.
    """

    def __init__(
        self,
        *,
        overall_rate: float = 29.0,
        overall_burst: int = 10,
        chat_interval: float = 1.0,
        chat_burst: int = 2,
        group_interval: float = 3.0,
        group_burst: int = 3,
        max_retries: int = 3,
        yield_spare: int = 5,
        yield_for: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._overall = Pace(1.0 / overall_rate, overall_burst)
        self._chat_pace = (chat_interval, chat_burst)
        self._group_pace = (group_interval, group_burst)
        self._chats: dict[int | str, Pace] = {}
        self._max_retries = max_retries
        self._yield_spare = max(1, min(yield_spare, overall_burst))
        self._yield_for = yield_for
        self._clock = clock
        self._sleep = sleep  # with `clock`, tests run the pacer on time they control
        self._new_chats = 0
        self.retries = 0  # 429s received: should stay 0; a benchmark and the logs read it

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        self._chats.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        paced = endpoint.startswith(PACED_PREFIXES) and endpoint not in UNPACED
        max_retries = self._max_retries if rate_limit_args is None else rate_limit_args
        if paced and _YIELDING.get():
            await self.room(chat_id)
        for attempt in range(max_retries + 1):
            if paced:
                await self._wait_turn(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.retries += 1
                seconds = _seconds(exc) + 0.1
                if attempt == max_retries:
                    log.error("%s to %s: flood limit hit; giving up", endpoint, chat_id)
                    raise
                log.warning("%s to %s: flood limit hit; retry in %.1fs", endpoint, chat_id, seconds)
                if chat_id is not None:
                    self._pace_of(chat_id).postpone(self._clock() + seconds)
                await self._sleep(seconds)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _wait_turn(self, chat_id: Any) -> None:
        if chat_id is not None:
            delay = self._pace_of(chat_id).reserve(self._clock()) - self._clock()
            if delay > 0:
                await self._sleep(delay)
        delay = self._overall.reserve(self._clock()) - self._clock()
        if delay > 0:
            await self._sleep(delay)

    async def room(self, chat_id: Any = None) -> None:
        """Until the overall budget has `yield_spare` slots free and the chat's has two (room
        for this message and a reply), or `yield_for` has passed."""
        deadline = self._clock() + self._yield_for
        while True:
            now = self._clock()
            at = self._overall.room_at(self._yield_spare)
            chat = self._chats.get(_key(chat_id)) if chat_id is not None else None
            if chat is not None:
                at = max(at, chat.room_at(min(2, chat.burst)))
            wait = min(at, deadline) - now
            if wait <= 0:
                return
            await self._sleep(wait)

    def _pace_of(self, chat_id: Any) -> Pace:
        key = _key(chat_id)
        pace = self._chats.get(key)
        if pace is None:
            self._new_chats += 1
            if self._new_chats % 1024 == 0:
                self._forget_idle()
            group = isinstance(key, str) or key < 0
            interval, burst = self._group_pace if group else self._chat_pace
            pace = self._chats[key] = Pace(interval, burst)
        return pace

    def _forget_idle(self) -> None:
        """Drop chats whose budget is full again: they would start from scratch anyway."""
        now = self._clock()
        for key in [k for k, p in self._chats.items() if p.tat <= now]:
            del self._chats[key]


async def room(bot: Any, chat_id: Any) -> None:
    """Wait, as a message sent `yielding()` would, until `bot`'s pacer has room for one to
    `chat_id` (at once when the bot has no FloodPacer)."""
    pacer = getattr(bot, "rate_limiter", None)
    if isinstance(pacer, FloodPacer):
        await pacer.room(chat_id)


def _key(chat_id: Any) -> int | str:
    if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
        return int(chat_id)
    return chat_id  # type: ignore[no-any-return]


def _seconds(exc: RetryAfter) -> float:
    value = exc._retry_after  # the timedelta, read without PTB's int deprecation warning
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
