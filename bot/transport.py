"""Bot API requests with bounded retries: Telegram's 5xx, timeouts and dropped connections.

python-telegram-bot makes each request once; one 502 or a connection reset while sending the
next question would otherwise leave a respondent without it. `RetryingRequest` retries such
failures a few times with exponential backoff (about 2 s in all by default), then gives up and
lets the caller decide (the conversation marks the interview to re-ask its question). 429s
(flood control, with `retry_after`) are the rate limiter's business (`bot/ratelimit.py`), which
waits as long as Telegram asks; 4xx answers are final and never retried.

A timeout after the request was sent may mean Telegram did deliver the message: retrying can
then show a question twice, which we prefer to showing it not at all. Not so for a callback
query's answer (`AT_MOST_ONCE`): Telegram refuses a second answer to one query, and an answer
is only a spinner stopping, so after a timeout or a lost connection (the request may have
arrived) it is not sent again; it is retried only when it surely did not arrive (a 5xx answer,
or no connection made).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from contextvars import ContextVar
from typing import Any

import aiohttp
from telegram.error import NetworkError, TelegramError, TimedOut

from bot import metrics
from bot.aiorequest import AiohttpRequest

log = logging.getLogger(__name__)

#: seconds to wait for Telegram's answer to one request (PTB's default); tests lower it
READ_TIMEOUT = 5.0


#: methods the bot can do without: a Bot API server other than Telegram's (a self-hosted
#: telegram-bot-api, a test server) may lack them, or fail them
OPTIONAL_METHODS = frozenset(
    {
        "setMyCommands",
        "deleteMyCommands",
        "setChatMenuButton",
        "setMyDescription",
        "setMyShortDescription",
        "sendDocument",
    }
)
#: after an optional method fails with a server error, it is left alone this long
OPTIONAL_COOL_OFF = 600.0


#: the last Bot API answer in this task (one update): (method, HTTP status). A caller whose
#: request raised can tell "refused" from "done, but the answer could not be read".
_LAST_ANSWER: ContextVar[tuple[str, int] | None] = ContextVar("bot_api_last", default=None)


#: methods sent at most once: after a timeout or a dropped connection (it may have arrived)
#: they are not retried, because a second one would be refused ("query is too old")
AT_MOST_ONCE = frozenset({"answerCallbackQuery"})


#: what the person sees: a 200 to one of these means this update has had a reply
REPLY_METHODS = frozenset({"sendMessage", "sendDocument", "editMessageText"})
_REPLIED: ContextVar[bool] = ContextVar("bot_api_replied", default=False)


def replied() -> bool:
    """Has the person had a reply in this task (one update), so an apology would be wrong?"""
    return _REPLIED.get()


def answered_ok(method: str) -> bool:
    """Did the last request of this task, `method`, get HTTP 200 (so it took effect)?"""
    last = _LAST_ANSWER.get()
    return last is not None and last == (method, 200)


class MethodUnavailable(TelegramError):
    """An optional method this Bot API server lacks (404/501) or has been failing (5xx):
    raised without a request, so the caller degrades at once instead of retrying."""


class RetryingRequest(AiohttpRequest):
    """Bot API requests (aiohttp, bot/aiorequest.py) retrying 5xx and network failures.

    Optional methods (OPTIONAL_METHODS) are not retried: a 404 or 501 means the server has no
    such method, and it is not asked again until restart; a 5xx leaves it alone for
    OPTIONAL_COOL_OFF seconds. Each is logged once, when it happens; callers get
    `MethodUnavailable` (a TelegramError) and carry on without it.
    """

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
        #: optional method -> monotonic time until which it is not asked (inf: missing)
        self.unavailable: dict[str, float] = {}

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]  # the method name; the URL holds the token
        _LAST_ANSWER.set(None)
        if endpoint not in OPTIONAL_METHODS:
            code, payload = await self._retrying(endpoint, url, method, *args, **kwargs)
            _LAST_ANSWER.set((endpoint, code))
            if code == 200 and endpoint in REPLY_METHODS:
                _REPLIED.set(True)
            return code, payload
        until = self.unavailable.get(endpoint)
        if until is not None:
            if time.monotonic() < until:
                raise MethodUnavailable(f"{endpoint} is not available on this Bot API server")
            del self.unavailable[endpoint]
        code, payload = await super().do_request(url, method, *args, **kwargs)
        _LAST_ANSWER.set((endpoint, code))
        if code == 200 and endpoint in REPLY_METHODS:
            _REPLIED.set(True)
        if code in (404, 501):
            self.unavailable[endpoint] = math.inf
            log.warning(
                "Bot API server has no %s (HTTP %d): the bot carries on without it", endpoint, code
            )
        elif code >= 500:
            self.unavailable[endpoint] = time.monotonic() + OPTIONAL_COOL_OFF
            log.warning(
                "Bot API %s failed (HTTP %d): not asked again for %.0f s",
                endpoint,
                code,
                OPTIONAL_COOL_OFF,
            )
        return code, payload

    async def _retrying(
        self, endpoint: str, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                code, payload = await super().do_request(url, method, *args, **kwargs)
            except NetworkError as exc:  # TimedOut too
                reason = "timeout" if isinstance(exc, TimedOut) else "network"
                at_most_once = endpoint in AT_MOST_ONCE and _may_have_arrived(exc)
                if attempt == self.attempts or at_most_once:
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


def _may_have_arrived(exc: NetworkError) -> bool:
    """Whether a failed request may have reached the server: anything but a connection that
    was never made (refused, unresolvable, timed out connecting) may have been sent, then lost
    its answer."""
    cause = exc.__cause__
    return not isinstance(cause, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError))
