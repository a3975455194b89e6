"""Run our serve process (bench.botproc) against a serving emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bench.botapi import BenchEmulator, wait_polling
from bench.procs import Child, child, free_port


@asynccontextmanager
async def our_bot(
    emulator: BenchEmulator,
    database_url: str,
    *,
    name: str,
    cpus: set[int] | None,
    limiter: str = "pacer",
    profile: str | None = None,
) -> AsyncIterator[Child]:
    port = free_port()
    args = ["--api", emulator.root or "", "--token", emulator.token, "--db", database_url]
    args += ["--port", str(port), "--limiter", limiter]
    if profile:
        args += ["--profile", profile]
    async with child(name, "bench.botproc", *args, cpus=cpus) as proc:
        try:
            await wait_polling(emulator)
        except TimeoutError as exc:
            raise RuntimeError(f"{name} did not start:\n{proc.tail()}") from exc
        proc.port = port
        await _listening(port, proc)
        yield proc


@asynccontextmanager
async def stock_bot(
    emulator: BenchEmulator,
    *,
    name: str,
    cpus: set[int] | None,
    mode: str = "interview",
    rate_limiter: bool = False,
    concurrent: bool = False,
) -> AsyncIterator[Child]:
    """The stock PTB baseline (bench.stockbot) against the same emulator."""
    args = ["--api", emulator.root or "", "--token", emulator.token, "--mode", mode]
    if rate_limiter:
        args.append("--rate-limiter")
    if concurrent:
        args.append("--concurrent")
    async with child(name, "bench.stockbot", *args, cpus=cpus) as proc:
        try:
            await wait_polling(emulator)
        except TimeoutError as exc:
            raise RuntimeError(f"{name} did not start:\n{proc.tail()}") from exc
        yield proc


async def _listening(port: int, proc: Child, within: float = 30.0) -> None:
    """The web server listens only once startup (migrations, the bot) is done."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{proc.name} is not listening:\n{proc.tail()}") from None
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
