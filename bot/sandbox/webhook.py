"""Webhook delivery as Telegram does it: POST each update as JSON, retry non-2xx with backoff.

Telegram delivers one user's updates in order and retries failures for a while; the attempts are
recorded (``emulator.webhook_attempts``) so a test can assert, say, that a wrong secret got a 403.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from bot.sandbox.emulator import BotApiEmulator


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class WebhookAttempt:
    update_id: int
    url: str
    status: int | None  # None when the connection failed
    error: str | None
    at: float


class WebhookDelivery:
    """Worker tasks that push pending updates to the webhook URL while one is set."""

    def __init__(self, emulator: BotApiEmulator, concurrency: int, retries: int, backoff: float):
        self.emulator = emulator
        self.concurrency = max(1, concurrency)
        self.retries = retries
        self.backoff = backoff
        self.request_timeout = 10.0
        self._tasks: list[asyncio.Task[None]] = []
        self._in_flight: set[int] = set()
        self._busy_users: set[int | None] = set()
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        if self._tasks:
            return
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.concurrency)]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._in_flight.clear()
        self._busy_users.clear()

    def _next(self) -> dict[str, Any] | None:
        """The oldest pending update whose user has nothing in flight (keeps per-user order)."""
        seen_users: set[int | None] = set()
        for update in self.emulator.pending_updates():
            user = self.emulator.update_user(update["update_id"])
            if update["update_id"] in self._in_flight or user in self._busy_users:
                seen_users.add(user)
                continue
            if user in seen_users:
                continue
            return update
        return None

    async def _worker(self) -> None:
        while True:
            config = self.emulator.webhook
            update = self._next() if config else None
            if config is None or update is None:
                await self.emulator.wait_change(1.0)
                continue
            update_id = update["update_id"]
            user = self.emulator.update_user(update_id)
            self._in_flight.add(update_id)
            self._busy_users.add(user)
            try:
                await self._deliver(config, update)
            finally:
                self._in_flight.discard(update_id)
                self._busy_users.discard(user)
                self.emulator.notify()

    async def _deliver(self, config: WebhookConfig, update: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.request_timeout)
            )
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret_token
        update_id = update["update_id"]
        delay = self.backoff
        for attempt in range(self.retries + 1):
            self.emulator.mark_handed(update_id)
            status, error = None, None
            try:
                async with self._session.post(config.url, json=update, headers=headers) as resp:
                    status = resp.status
                    await resp.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            self.emulator.webhook_attempts.append(
                WebhookAttempt(update_id, config.url, status, error, time.monotonic())
            )
            if status is not None and 200 <= status < 300:
                self.emulator.confirm_update(update_id)
                return
            config.last_error_date = int(time.time())
            config.last_error_message = error or f"Wrong response from the webhook: {status}"
            if attempt < self.retries:
                await asyncio.sleep(delay)
                delay *= 2
        self.emulator.confirm_update(update_id)  # Telegram gives up on it eventually
