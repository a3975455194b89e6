"""`dgu-bot serve` as a real subprocess, pointed at an emulator served by the test process.

The process is the production one: same command, same settings from the environment, same
flood pacing; only the Bot API is local. Its stderr (every log line) goes to a file the test
can read afterwards.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.integration.chatkit import WEBHOOK_SECRET, free_port

ROOT = Path(__file__).resolve().parents[2]
DGU_BOT = Path(sys.executable).parent / "dgu-bot"


def serve_env(
    emulator: Any, database_url: str, port: int, *, webhook: bool = True, **extra: str
) -> dict[str, str]:
    """The environment of one instance (nothing inherited that could change its settings)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "X_", "DATABASE_", "STAFF_", "LOG_", "QUESTIONNAIRE"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_API_URL=emulator.root,
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(port),
        QUESTIONNAIRE=str(ROOT / "prompts" / "dgu_landscape.yaml"),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    if webhook:
        env["TELEGRAM_WEBHOOK_URL"] = f"http://127.0.0.1:{port}/telegram/webhook"
        env["TELEGRAM_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    env.update(extra)
    return env


@dataclass
class ServeProcess:
    """One `dgu-bot serve`; start() waits for /healthz, kill() is SIGKILL, stop() SIGTERM."""

    env: dict[str, str]
    workdir: Path
    name: str = "bot"
    proc: asyncio.subprocess.Process | None = None
    starts: int = 0
    logs: list[Path] = field(default_factory=list)

    @classmethod
    def for_emulator(
        cls, emulator: Any, database_url: str, workdir: Path, name: str = "bot", **extra: Any
    ) -> ServeProcess:
        port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        return cls(serve_env(emulator, database_url, port, **extra), workdir, name)

    @property
    def port(self) -> int:
        return int(self.env["PORT"])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        self.starts += 1
        log = self.workdir / f"{self.name}-{self.starts}.log"
        self.logs.append(log)
        with log.open("wb") as stderr:
            self.proc = await asyncio.create_subprocess_exec(
                str(DGU_BOT),
                "serve",
                cwd=self.workdir,
                env=self.env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=stderr,
            )
        await self.wait_healthy(timeout)

    async def wait_healthy(self, timeout: float) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                assert self.proc is not None
                if self.proc.returncode is not None:
                    raise AssertionError(f"{self.name} exited: {self.log_text()[-2000:]}")
                try:
                    async with session.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.name} not healthy: {self.log_text()[-2000:]}")
                await asyncio.sleep(0.1)

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the host dies."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                await self.kill()

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    async def post_update(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> int:
        """POST an update to this instance's webhook, as Telegram does; the HTTP status."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        async with session.post(
            f"{self.url}/telegram/webhook", json=update, headers=headers
        ) as response:
            await response.read()
            return response.status
