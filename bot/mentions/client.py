"""The X API seen through tweepy's AsyncClient, routed to X_API_URL, with our own retries.

tweepy 4.17 hard-codes https://api.twitter.com and cannot be told another host; it does,
however, let us supply the aiohttp session it sends through. `RoutedSession` rewrites the
host (and prefixes any path of X_API_URL) before aiohttp builds the request, so the Host
header, TLS and proxies all see the configured server; tweepy itself is not patched.

tweepy's own rate-limit waiting is off: in the async client it crashes for user-context calls
and loops without bound when the reset header is missing (research/tweepy.md §6). `XApi`
waits for `x-rate-limit-reset` itself (bounded), backs off on 5xx, network errors and
unreadable bodies (exponential with jitter, bounded attempts), and turns every failure into
an `XError` subclass so callers need only one except clause.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import tweepy
import tweepy.asynchronous
import yarl

from bot.settings import Settings

log = logging.getLogger(__name__)

TWEEPY_HOSTS = ("api.twitter.com", "api.x.com")

MENTION_TWEET_FIELDS = ["lang", "created_at", "conversation_id", "referenced_tweets", "author_id"]
MENTION_USER_FIELDS = ["username", "name", "description", "location", "verified"]


class XError(Exception):
    """Any failure talking to X; the message never contains credentials."""


class XRateLimited(XError):
    """429 whose reset is further away than we are willing to wait (or a usage cap)."""

    def __init__(self, message: str, reset_at: float | None = None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class XUnavailable(XError):
    """5xx, network errors or unreadable bodies that outlasted the retries."""


class XRequestError(XError):
    """A 4xx other than 429: retrying will not help (bad credentials, bad request...)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RoutedSession:
    """The part of aiohttp.ClientSession that tweepy uses, sending tweepy's URLs to `base_url`.

    tweepy calls `session.request(method, url, params=, json=, headers=)` as an async context
    manager; for user-context calls `url` is a pre-signed, already-encoded yarl.URL. We keep
    its path and query byte for byte and only swap scheme, host and port.
    """

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base = yarl.URL(base_url.rstrip("/"))
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))

    def route(self, url: str | yarl.URL) -> yarl.URL:
        u = url if isinstance(url, yarl.URL) else yarl.URL(url, encoded=True)
        if u.host not in TWEEPY_HOSTS:
            return u
        prefix = self.base.raw_path.rstrip("/")
        return yarl.URL.build(
            scheme=self.base.scheme,
            host=self.base.raw_host or "",
            port=self.base.explicit_port,
            path=prefix + u.raw_path,
            query_string=u.raw_query_string,
            encoded=True,
        )

    def request(self, method: str, url: str | yarl.URL, **kwargs: Any) -> Any:
        return self._session.request(method, self.route(url), **kwargs)

    @property
    def closed(self) -> bool:
        return self._session.closed

    async def close(self) -> None:
        await self._session.close()


@dataclass
class RetryPolicy:
    """Bounds on waiting; tests shrink them so a 429 or a 503 costs milliseconds."""

    attempts: int = 5
    backoff_base: float = 2.0
    backoff_max: float = 60.0
    rate_limit_max_wait: float = 15 * 60.0
    rate_limit_default_wait: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    now: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff: uniform in [0, min(max, base * 2**attempt)]."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return self.rng.uniform(ceiling / 2, ceiling)


def build_client(settings: Settings) -> tweepy.asynchronous.AsyncClient:
    """tweepy AsyncClient with user context when all four keys are set, else app-only bearer."""
    # tweepy logs request headers (the bearer token) and oauthlib the OAuth parameters at
    # DEBUG; whatever LOG_LEVEL says, those two never log below INFO.
    for name in ("tweepy", "oauthlib"):
        logger = logging.getLogger(name)
        logger.setLevel(max(logging.INFO, logger.level))

    def secret(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    return tweepy.asynchronous.AsyncClient(
        bearer_token=secret(settings.x_bearer_token),
        consumer_key=secret(settings.x_api_key),
        consumer_secret=secret(settings.x_api_secret),
        access_token=secret(settings.x_access_token),
        access_token_secret=secret(settings.x_access_token_secret),
        return_type=aiohttp.ClientResponse,
        wait_on_rate_limit=False,
    )


async def _usage_capped(response: Any) -> bool:
    """A 429 whose Problem type is usage-capped: waiting for the 15-minute reset won't help."""
    try:
        return "usage-capped" in await response.text()
    except Exception:
        return False


class XApi:
    """The three X calls we make, each retried within `RetryPolicy`, returning parsed JSON."""

    def __init__(
        self,
        settings: Settings,
        *,
        policy: RetryPolicy | None = None,
        client: tweepy.asynchronous.AsyncClient | None = None,
    ) -> None:
        self.settings = settings
        self.policy = policy or RetryPolicy()
        self.user_auth = settings.x_user_context
        self.client = client or build_client(settings)
        self._session: RoutedSession | None = None
        self.last_rate: dict[str, str] = {}

    async def __aenter__(self) -> XApi:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _ensure_session(self) -> None:
        # Created lazily inside the running loop, as aiohttp requires; tweepy never closes it.
        if self._session is None or self._session.closed:
            self._session = RoutedSession(self.settings.x_api_url)
            self.client.session = self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(
        self, what: str, make: Callable[[], Awaitable[Any]], *, attempts: int | None = None
    ) -> dict[str, Any]:
        """Run one API call with our rate-limit waits and backoff; return the JSON body."""
        p = self.policy
        limit = attempts or p.attempts
        attempt = 0
        while True:
            self._ensure_session()
            delay: float
            try:
                response = await make()
                self.last_rate = {
                    k: v for k, v in response.headers.items() if k.lower().startswith("x-rate-")
                }
                try:
                    body = json.loads(await response.text())
                except (ValueError, UnicodeDecodeError) as exc:
                    raise _Unreadable(f"{what}: unreadable body ({type(exc).__name__})") from None
                if not isinstance(body, dict):
                    raise _Unreadable(f"{what}: body is not a JSON object")
                return body
            except tweepy.TooManyRequests as exc:
                if await _usage_capped(exc.response):
                    raise XRateLimited(f"{what}: X usage cap reached") from None
                reset = exc.reset_time
                now = p.now()
                wait = (reset - now + 1) if reset is not None else p.rate_limit_default_wait
                wait = max(0.0, wait)
                if wait > p.rate_limit_max_wait or attempt + 1 >= limit:
                    raise XRateLimited(f"{what}: rate limited until {reset}", reset) from None
                log.warning("X rate limit on %s; waiting %.1f s for the reset", what, wait)
                delay = wait
            except tweepy.TwitterServerError as exc:
                status = exc.response.status if exc.response is not None else 0
                if attempt + 1 >= limit:
                    raise XUnavailable(f"{what}: X server error {status}") from None
                delay = p.backoff(attempt)
                log.warning("X server error %s on %s; retry in %.1f s", status, what, delay)
            except tweepy.HTTPException as exc:
                status = exc.response.status if exc.response is not None else 0
                detail = "; ".join(str(m) for m in exc.api_messages)[:200]
                raise XRequestError(f"{what}: HTTP {status} {detail}".strip(), status) from None
            except (aiohttp.ClientError, TimeoutError, _Unreadable, ValueError) as exc:
                # ContentTypeError (an HTML error page) is a ClientError; ValueError covers a
                # JSON error body tweepy could not decode.
                if attempt + 1 >= limit:
                    raise XUnavailable(f"{what}: {type(exc).__name__} {exc}"[:300]) from None
                delay = p.backoff(attempt)
                name = type(exc).__name__
                log.warning("X call %s failed (%s); retry in %.1f s", what, name, delay)
            attempt += 1
            await p.sleep(delay)

    async def account_id(self, handle: str) -> str:
        """The numeric id of `handle`: /2/users/me in user context (if it is us), else by name."""
        if self.user_auth:
            me = await self._call("users/me", lambda: self.client.get_me(user_auth=True))
            data = me.get("data") or {}
            if str(data.get("username", "")).lower() == handle.lower() and data.get("id"):
                return str(data["id"])
            log.warning("X credentials belong to another account; looking up %s by name", handle)
        body = await self._call(
            "users/by/username",
            lambda: self.client.get_user(username=handle, user_auth=self.user_auth),
        )
        data = body.get("data") or {}
        if not data.get("id"):
            raise XRequestError(f"users/by/username: no user {handle!r}", 404)
        return str(data["id"])

    async def mentions(
        self,
        user_id: str,
        *,
        max_results: int = 100,
        since_id: str | None = None,
        until_id: str | None = None,
        start_time: Any = None,
        pagination_token: str | None = None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "max_results": max_results,
            "expansions": ["author_id"],
            "tweet_fields": MENTION_TWEET_FIELDS,
            "user_fields": MENTION_USER_FIELDS,
        }
        if since_id:
            params["since_id"] = since_id
        elif start_time is not None:
            params["start_time"] = start_time
        if until_id:
            params["until_id"] = until_id
        if pagination_token:
            params["pagination_token"] = pagination_token
        return await self._call(
            "users/mentions",
            lambda: self.client.get_users_mentions(user_id, user_auth=self.user_auth, **params),
        )

    async def reply(self, text: str, in_reply_to_tweet_id: str) -> str:
        """Post `text` as a reply; returns the new tweet's id. Needs user context."""
        if not self.user_auth:
            raise XRequestError("replies need user-context credentials (X_API_KEY...)", 403)
        # A create is not idempotent: no retries once the request may have reached X.
        body = await self._call(
            "tweets",
            lambda: self.client.create_tweet(
                text=text, in_reply_to_tweet_id=in_reply_to_tweet_id, user_auth=True
            ),
            attempts=1,
        )
        data = body.get("data") or {}
        if not data.get("id"):
            raise XUnavailable("tweets: created tweet has no id")
        return str(data["id"])


class _Unreadable(Exception):
    """A 2xx body that is not JSON (truncated, HTML from a proxy...)."""
