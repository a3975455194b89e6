"""Scenario 4: resident memory of the serve process with 10,000 interviews in progress.

The interviews are written straight into a fresh database (each at its first question); then
every one of them gets an update (the answer to that question), so the process has loaded,
advanced and stored each interview once. RSS is sampled throughout; the figure is the RSS once
all 10,000 are handled (the peak is reported next to it).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import postgres, seed
from bench.botapi import serving
from bench.ours import our_bot
from bench.report import Report
from bench.script import AFTER_LAST, ANSWERS, Expect, personal, question_text
from bench.sizes import Sizes

TARGET_MB = 200
FIRST_USER = 8_000_000
SLOTS = 100


async def run(report: Report, sizes: Sizes, cpus: Any, pg: str | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="dgu-bench-mem-"))
    await measure(report, sizes, cpus, f"sqlite:///{tmp}/memory.sqlite3", "sqlite")
    if pg is not None:
        async with postgres.fresh_database(pg) as url:
            await measure(report, sizes, cpus, url, "postgresql")


async def measure(report: Report, sizes: Sizes, cpus: Any, url: str, backend: str) -> None:
    db = await seed.migrated(url)
    began = time.monotonic()
    await seed.in_progress(db, sizes.memory_interviews, FIRST_USER)
    await seed.analyze(db)
    await db.dispose()
    seeded = time.monotonic() - began
    first_text = ANSWERS[0][2]
    following = question_text(ANSWERS[1][0] if len(ANSWERS) > 1 else AFTER_LAST)
    async with (
        serving(latency=0.0, flood=False) as emulator,
        our_bot(emulator, url, name=f"memory-{backend}", cpus=cpus[0], limiter="none") as proc,
    ):
        await asyncio.sleep(1.0)
        idle = proc.rss()
        peak = idle
        pending = list(range(sizes.memory_interviews))
        handled = 0
        failures: list[str] = []

        async def sampler() -> None:
            nonlocal peak
            while True:
                peak = max(peak, proc.rss())
                await asyncio.sleep(0.25)

        async def worker() -> None:
            nonlocal handled
            while pending:
                uid = FIRST_USER + pending.pop()
                chat = emulator.chat(uid, first_name="M", language_code="en")
                future = emulator.expect(uid, Expect(text=following))
                await chat.send(personal(first_text, uid), wait=False)
                try:
                    await asyncio.wait_for(future, 30)
                except TimeoutError:
                    failures.append(str(uid))
                    continue
                handled += 1

        sampling = asyncio.create_task(sampler())
        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(SLOTS)))
        took = time.monotonic() - started
        await asyncio.sleep(1.0)
        final = proc.rss()
        sampling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampling
        peak = max(peak, final)
    mb = final / 2**20
    report.details.setdefault("memory", {})[backend] = {
        "interviews": sizes.memory_interviews,
        "handled": handled,
        "failures": failures[:5],
        "idle_mb": round(idle / 2**20, 1),
        "final_mb": round(mb, 1),
        "peak_mb": round(peak / 2**20, 1),
        "seed_seconds": round(seeded, 1),
        "updates_seconds": round(took, 1),
    }
    s = "memory"
    report.add(
        s,
        f"RSS, {sizes.memory_interviews:,} interviews in progress ({backend})",
        round(mb, 1),
        "MB",
        target=f"< {TARGET_MB} MB",
        ok=mb < TARGET_MB and handled == sizes.memory_interviews,
        note=f"idle after start {idle / 2**20:.0f} MB, peak {peak / 2**20:.0f} MB; "
        f"{handled} of {sizes.memory_interviews} answered in {took:.0f} s",
    )
