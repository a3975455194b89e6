"""Run the real process (`create_app`) against a test emulator, by polling or webhook.

async with running_emulator() as emulator, running_bot(emulator, database_url) as bot:
    chat = emulator.chat(42)
    await chat.send("/start")
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import Overrides, create_app
from bot.sandbox.emulator import BotApiEmulator
from bot.services import SERVICES, Services
from bot.settings import Settings
from tests.integration.chatkit import BotChat

WEBHOOK_SECRET = "test-webhook-secret_123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningBot:
    app: web.Application
    server: TestServer
    client: TestClient
    emulator: BotApiEmulator | None = None

    async def idle(self, seconds: float = 15.0) -> None:
        """Wait until the process has nothing queued, in progress or in flight (3 checks)."""
        from bot.telegram import PTB_APP

        application = self.app[PTB_APP]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        calm = 0
        while calm < 3:
            busy = (
                application.update_queue.qsize() > 0
                or application.update_processor.current_concurrent_updates > 0
                or bool(self.services.keyboard_removals)  # buttons going in the background
            )
            if self.emulator is not None:
                busy = (
                    busy
                    or bool(self.emulator.pending_updates())
                    or any(
                        self.emulator.activity(chat.user_id).in_flight
                        for chat in self.emulator.chats
                    )
                )
            calm = 0 if busy else calm + 1
            if loop.time() > deadline:
                raise TimeoutError("the bot did not become idle")
            await asyncio.sleep(0.01)

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    def chat(self, user_id: int, **profile: Any) -> BotChat:
        """A respondent's chat with this bot (`profile`: first_name, username, language_code)."""
        assert self.emulator is not None
        return BotChat(self, self.emulator.chat(user_id, **profile))

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


def bot_settings(emulator: BotApiEmulator, database_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": emulator.token,
        "telegram_api_url": emulator.root,
        "database_url": database_url,
        "_env_file": None,
    }
    if not database_url.startswith("sqlite"):  # respondents' files: never in the checkout
        values["media_dir"] = Path(tempfile.mkdtemp(prefix="dgu-media-"))
    values.update(extra)
    return Settings(**values)


@asynccontextmanager
async def running_bot(
    emulator: BotApiEmulator,
    database_url: str,
    *,
    webhook: bool = False,
    clock: Callable[[], datetime] | None = None,
    jobs: bool = False,
    pacing: bool = False,
    **settings: Any,
) -> AsyncIterator[RunningBot]:
    """The whole serve process on a real loopback port, talking HTTP to the emulator.

    Flood pacing is off unless asked for: the emulator then imposes no flood limits either,
    and the conversation helpers' "the bot has reacted" rule assumes replies are not held back.
    """
    import bot.telegram

    original_limiter = bot.telegram.rate_limiter
    if not pacing:
        bot.telegram.rate_limiter = lambda: None  # type: ignore[assignment]
    port = free_port()
    if webhook:
        settings.setdefault("telegram_webhook_url", f"http://127.0.0.1:{port}/telegram/webhook")
        settings.setdefault("telegram_webhook_secret", WEBHOOK_SECRET)
    overrides = Overrides(jobs=jobs) if clock is None else Overrides(jobs=jobs, clock=clock)
    app = create_app(bot_settings(emulator, database_url, **settings), overrides)
    server = TestServer(app, host="127.0.0.1", port=port)
    client = TestClient(server)
    await client.start_server()
    running = RunningBot(app, server, client, emulator)
    emulator.settle_hooks.append(running.idle)
    try:
        yield running
    finally:
        emulator.settle_hooks.remove(running.idle)
        await client.close()
        bot.telegram.rate_limiter = original_limiter  # type: ignore[assignment]
