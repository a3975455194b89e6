"""Pacing outgoing messages under Telegram's flood limits, so the bot does not get 429s.

Telegram allows about 30 messages a second per bot and about one a second per private chat
(short bursts are tolerated), and 20 a minute per group. PTB's AIORateLimiter has no per-chat
limit, and after a 429 it pauses *every* request. `FloodPacer` gives each message a slot, first in
its chat's budget and then in the bot's overall budget. Slots are handed out in request order
(GCRA, a token bucket kept as one timestamp), so under a burst every chat queues fairly and the
bot sends at a steady rate just under the ceiling. Calls that are not messages (answerCallbackQuery,
getUpdates, sendChatAction...) go straight through. A 429 that still arrives (from a second
instance, say) is retried after `retry_after` without stopping the other chats.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

#: Bot API methods that post or change a message, and so count against the flood limits
PACED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage", "stopPoll")
UNPACED = frozenset({"sendChatAction"})


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


class FloodPacer(BaseRateLimiter[int]):
    """Per-chat and overall pacing; the defaults stay a little under Telegram's limits.

    `overall_rate` 29/s and a burst of 10 (Telegram: ~30/s), `chat_interval` 1 s with a burst
    of 2 (Telegram: ~1/s with short bursts), groups 20/min. `rate_limit_args` (an int) overrides
    `max_retries` for one call, as with AIORateLimiter.
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
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._overall = Pace(1.0 / overall_rate, overall_burst)
        self._chat_pace = (chat_interval, chat_burst)
        self._group_pace = (group_interval, group_burst)
        self._chats: dict[int | str, Pace] = {}
        self._max_retries = max_retries
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

    def _pace_of(self, chat_id: Any) -> Pace:
        key: int | str = chat_id
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            key = int(chat_id)
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


def _seconds(exc: RetryAfter) -> float:
    value = exc._retry_after  # the timedelta, read without PTB's int deprecation warning
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
