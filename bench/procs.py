"""The processes under test: spawned with `python -m`, pinned to a core, measured with psutil."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
LOGS = Path(__file__).parent / "results" / "logs"


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def split_cores() -> tuple[set[int] | None, set[int] | None]:
    """(bot's cores, driver's cores): one each on two or more cores, else no pinning."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    mine = sorted(os.sched_getaffinity(0))
    if len(mine) < 2:
        return None, None
    return {mine[0]}, {mine[1]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process
    ps: psutil.Process
    log: Path
    port: int | None = None

    def rss(self) -> int:
        return int(self.ps.memory_info().rss)

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def alive(self) -> bool:
        return self.process.returncode is None

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@asynccontextmanager
async def child(name: str, module: str, *args: str, cpus: set[int] | None) -> AsyncIterator[Child]:
    """Run `python -m module args` (pinned to `cpus`); stopped with SIGINT, then SIGKILL."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    env = {**os.environ, "PTB_TIMEDELTA": "1", "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, *args, cwd=ROOT, env=env, stdout=out, stderr=out
        )
    ps = psutil.Process(process.pid)
    if cpus:
        ps.cpu_affinity(sorted(cpus))
    running = Child(name, process, ps, log)
    try:
        yield running
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                with suppress(ProcessLookupError):
                    process.kill()
                await process.wait()


def pin_driver(cpus: set[int] | None) -> None:
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)
