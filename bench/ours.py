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
    pacing: bool = True,
    profile: str | None = None,
) -> AsyncIterator[Child]:
    args = [
        "--api", emulator.root or "", "--token", emulator.token, "--db", database_url,
        "--port", str(free_port()),
    ]  # fmt: skip
    if not pacing:
        args.append("--no-pacing")
    if profile:
        args += ["--profile", profile]
    async with child(name, "bench.botproc", *args, cpus=cpus) as proc:
        try:
            await wait_polling(emulator)
        except TimeoutError as exc:
            raise RuntimeError(f"{name} did not start:\n{proc.tail()}") from exc
        yield proc
