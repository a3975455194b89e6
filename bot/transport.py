"""Bot API requests with bounded retries: Telegram's 5xx, timeouts and dropped connections.

python-telegram-bot makes each request once; one 502 or a connection reset while sending the
next question would otherwise leave a respondent without it. `RetryingRequest` retries such
failures a few times with exponential backoff (about 2 s in all by default), then gives up and
lets the caller decide (the conversation marks the interview to re-ask its question). 429s
(flood control, with `retry_after`) are the rate limiter's business (`bot/ratelimit.py`), which
waits as long as Telegram asks; 4xx answers are final and never retried.

A timeout after the request was sent may mean Telegram did deliver the message: retrying can
then show a question twice, which we prefer to showing it not at all.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from telegram.error import NetworkError, TimedOut

from bot import metrics
from bot.aiorequest import AiohttpRequest

log = logging.getLogger(__name__)

#: seconds to wait for Telegram's answer to one request (PTB's default); tests lower it
READ_TIMEOUT = 5.0


class RetryingRequest(AiohttpRequest):
    """Bot API requests (aiohttp, bot/aiorequest.py) retrying 5xx and network failures."""

    def __init__(
        self,
        *,
        attempts: int = 4,
        backoff: float = 0.25,
        max_backoff: float = 2.0,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("read_timeout", READ_TIMEOUT)
        super().__init__(**kwargs)
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]  # the method name; the URL holds the token
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                code, payload = await super().do_request(url, method, *args, **kwargs)
            except TimedOut:
                reason = "timeout"
                if attempt == self.attempts:
                    raise
            except NetworkError:
                reason = "network"
                if attempt == self.attempts:
                    raise
            else:
                if code < 500 or attempt == self.attempts:
                    return code, payload
                reason = "server_error"
            metrics.TELEGRAM_RETRIES.labels(reason).inc()
            jitter = 0.5 + random.random() / 2  # nosec B311
            wait = min(delay, self.max_backoff) * jitter
            log.warning(
                "Bot API %s: %s; retry %d of %d in %.2f s",
                endpoint,
                reason,
                attempt,
                self.attempts - 1,
                wait,
            )
            await asyncio.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover
