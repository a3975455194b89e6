"""Run our serve process (bench.botproc) against a serving emulator."""

from __future__ import annotations

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
        yield proc


@asynccontextmanager
async def stock_bot(
    emulator: BenchEmulator,
    *,
    name: str,
    cpus: set[int] | None,
    mode: str = "interview",
    rate_limiter: bool = False,
) -> AsyncIterator[Child]:
    """The stock PTB baseline (bench.stockbot) against the same emulator."""
    args = ["--api", emulator.root or "", "--token", emulator.token, "--mode", mode]
    if rate_limiter:
        args.append("--rate-limiter")
    async with child(name, "bench.stockbot", *args, cpus=cpus) as proc:
        try:
            await wait_polling(emulator)
        except TimeoutError as exc:
            raise RuntimeError(f"{name} did not start:\n{proc.tail()}") from exc
        yield proc
