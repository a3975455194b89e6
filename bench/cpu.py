"""Scenario 3: CPU cost. No simulated RTT, no flood limits, the bot pinned to one core and the
emulator on the other; a closed loop of people who answer the moment the question arrives.

The figure is updates per CPU-second of the bot process (what one core can serve), next to a
bare PTB echo bot measured the same way in the same run; our bot writes every answer to the
database (SQLite, and PostgreSQL when a server can be had).
"""

from __future__ import annotations

import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil

from bench import postgres
from bench.botapi import serving
from bench.crowd import closed_loop
from bench.ours import our_bot, stock_bot
from bench.report import Report, trim_profile
from bench.script import actions
from bench.sizes import Sizes

TARGET = 0.40
PROFILE_LINES = 70


async def measure(
    kind: str,
    sizes: Sizes,
    cpus: Any,
    database_url: str | None = None,
    *,
    profile: str | None = None,
) -> dict[str, Any]:
    driver = psutil.Process()
    async with serving(latency=0.0, flood=False) as emulator, AsyncExitStack() as stack:
        if kind == "echo":
            proc = await stack.enter_async_context(
                stock_bot(emulator, name="cpu-echo", cpus=cpus[0], mode="echo")
            )
            script = None
        else:
            assert database_url is not None
            proc = await stack.enter_async_context(
                our_bot(
                    emulator,
                    database_url,
                    name=f"cpu-{kind}" + ("-profiled" if profile else ""),
                    cpus=cpus[0],
                    limiter="none",
                    profile=profile,
                )
            )
            script = actions()
        warm = max(0.5, sizes.cpu_seconds / 4)
        await closed_loop(
            emulator, slots=sizes.cpu_users, seconds=warm, script=script, first_user=10_000_000
        )
        bot_cpu, driver_cpu, began = proc.cpu_seconds(), driver.cpu_times(), time.monotonic()
        result = await closed_loop(
            emulator,
            slots=sizes.cpu_users,
            seconds=sizes.cpu_seconds,
            script=script,
            first_user=30_000_000,
        )
        wall = time.monotonic() - began
        used = proc.cpu_seconds() - bot_cpu
        after = driver.cpu_times()
        driver_used = (after.user + after.system) - (driver_cpu.user + driver_cpu.system)
    return {
        "kind": kind,
        "updates": result.steps,
        "updates_per_s": round(result.steps / wall, 1),
        "bot_cpu_share": round(used / wall, 2),
        "updates_per_cpu_s": round(result.steps / used, 1) if used else None,
        "driver_cpu_share": round(driver_used / wall, 2),
        "error_count": len(result.errors),
        "errors": result.errors[:5],
    }


async def profiled(kind: str, sizes: Sizes, cpus: Any, database_url: str) -> str:
    """A separate, shorter run of our bot under pyinstrument (its figures are not used: the
    sampler costs CPU); the top of the call tree, for a missed target."""
    tmp = Path(tempfile.mkdtemp(prefix="dgu-bench-prof-"))
    out = tmp / "profile.txt"
    short = replace(sizes, cpu_seconds=max(2.0, sizes.cpu_seconds / 2))
    await measure(kind, short, cpus, database_url, profile=str(out))
    try:
        return trim_profile(out.read_text(encoding="utf-8"), PROFILE_LINES)
    except OSError:
        return "(the profiled run wrote no profile)"


async def run(report: Report, sizes: Sizes, cpus: Any, pg: str | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="dgu-bench-cpu-"))
    echo = await measure("echo", sizes, cpus)
    results = {"echo": echo}
    results["sqlite"] = await measure("sqlite", sizes, cpus, f"sqlite:///{tmp}/cpu.sqlite3")
    if pg is not None:
        async with postgres.fresh_database(pg) as url:
            results["postgresql"] = await measure("postgresql", sizes, cpus, url)
    report.details["cpu"] = results
    s = "cpu (one core, no RTT)"
    for name, result in results.items():
        label = "echo bot" if name == "echo" else f"ours + {name}"
        report.add(
            s,
            f"{label}: respondent errors",
            result["error_count"],
            target="0",
            ok=result["error_count"] == 0,
            note="; ".join(result["errors"]),
        )
    report.add(
        s,
        "echo bot updates/CPU-s",
        echo["updates_per_cpu_s"],
        "/s",
        note=f"wall {echo['updates_per_s']}/s at {echo['bot_cpu_share']:.0%} of a core; "
        f"emulator at {echo['driver_cpu_share']:.0%}",
    )
    for backend in ("sqlite", "postgresql"):
        if backend not in results:
            report.add(
                s,
                f"ours + {backend}",
                None,
                note="no PostgreSQL server (--quick starts none; give --postgres URL)",
            )
            continue
        ours = results[backend]
        report.add(
            s,
            f"ours + {backend} updates/CPU-s",
            ours["updates_per_cpu_s"],
            "/s",
            note=f"wall {ours['updates_per_s']}/s at {ours['bot_cpu_share']:.0%} of a core; "
            f"emulator at {ours['driver_cpu_share']:.0%}",
        )
        ratio = (ours["updates_per_cpu_s"] or 0) / (echo["updates_per_cpu_s"] or 1)
        profile = ""
        if ratio < TARGET:
            url = f"sqlite:///{tmp}/profiled.sqlite3"
            if backend == "postgresql":
                assert pg is not None
                async with postgres.fresh_database(pg) as url:
                    profile = await profiled(backend, sizes, cpus, url)
            else:
                profile = await profiled(backend, sizes, cpus, url)
        report.add(
            s,
            f"ours + {backend} / echo",
            round(ratio, 2),
            "x",
            target=">= 0.40",
            ok=ratio >= TARGET,
            note="updates per CPU-second, ours / echo (higher is better): ours spends "
            f"{1 / ratio:.1f}x the echo bot's CPU on an update (the target: at most 2.5x)"
            if ratio
            else "",
            profile=profile,
        )
