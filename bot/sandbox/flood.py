"""Flood limits like Telegram's: ~30 messages/s overall, 1/s per private chat, 20/min per group.

Telegram allows short bursts, so each limit is a token bucket. A request that finds its bucket
empty is refused with 429 and ``retry_after`` = whole seconds until a token is back, which makes a
bot that ignores RetryAfter (or a per-chat message storm) visible in benchmarks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: methods that post or change a message and therefore count against the limits
COUNTED_METHODS = frozenset(
    {
        "sendMessage", "sendDocument", "sendPhoto", "sendVoice", "sendAudio", "sendVideo",
        "sendSticker", "sendLocation", "sendContact", "sendMediaGroup", "sendPoll",
        "copyMessage", "forwardMessage", "editMessageText", "editMessageReplyMarkup",
        "editMessageCaption",
    }
)  # fmt: skip


@dataclass
class TokenBucket:
    capacity: float
    per_second: float
    tokens: float = -1.0
    stamp: float = 0.0

    def wait_time(self, now: float) -> float:
        """Seconds until a token is available (0 if one is available now); refills first."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


@dataclass
class FloodControl:
    """Per-chat and overall token buckets; ``check`` returns retry_after seconds or None."""

    overall_per_second: float = 30.0
    overall_burst: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: float = 3.0
    group_per_minute: float = 20.0
    clock: Callable[[], float] = time.monotonic
    hits: int = 0
    _overall: TokenBucket | None = None
    _chats: dict[int | str, TokenBucket] = field(default_factory=dict)

    def check(self, method: str, chat_id: int | str | None) -> int | None:
        if method not in COUNTED_METHODS:
            return None
        now = self.clock()
        if self._overall is None:
            self._overall = TokenBucket(self.overall_burst, self.overall_per_second)
        buckets = [self._overall]
        if chat_id is not None:
            if chat_id not in self._chats:
                group = isinstance(chat_id, str) or chat_id < 0
                self._chats[chat_id] = (
                    TokenBucket(self.group_per_minute, self.group_per_minute / 60)
                    if group
                    else TokenBucket(self.chat_burst, self.chat_per_second)
                )
            buckets.append(self._chats[chat_id])
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            self.hits += 1
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1
        return None
