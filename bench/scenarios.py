"""Scenarios 1-2 as the command line runs them (figures in bench.burst).

Each crowd runs against our bot on SQLite, on PostgreSQL (what production runs) when a server
can be had, and against the two stock baselines: the same load, seed and window for all.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any

from bench import postgres
from bench.burst import CUTOFF_AFTER, STOCK, Load, crowd_run, report_burst, report_steady
from bench.report import Report
from bench.sizes import Sizes

Cpus = tuple[set[int] | None, set[int] | None]


async def _ours(
    load: Load, sizes: Sizes, cpus: Cpus, pg: str | None, **kwargs: Any
) -> list[dict[str, Any]]:
    runs = [await crowd_run("ours", load, latency=sizes.rtt, cpus=cpus, **kwargs)]
    if pg is not None:
        async with AsyncExitStack() as stack:
            url = await stack.enter_async_context(postgres.fresh_database(pg))
            runs.append(
                await crowd_run(
                    "ours", load, latency=sizes.rtt, cpus=cpus, database_url=url, **kwargs
                )
            )
    return runs


async def _stock(load: Load, sizes: Sizes, cpus: Cpus, flood: bool) -> list[dict[str, Any]]:
    # the stock bots store nothing to check, and a backlog left at the cut-off is outside the
    # window either way: a short drain
    short = replace(load, drain=min(load.drain, CUTOFF_AFTER))
    return [await crowd_run(bot, short, latency=sizes.rtt, flood=flood, cpus=cpus) for bot in STOCK]


async def steady(
    report: Report, sizes: Sizes, cpus: Cpus, *, stock: bool, pg: str | None = None
) -> None:
    runs = await _ours(sizes.steady, sizes, cpus, pg, flood=True)
    if stock:
        runs += await _stock(sizes.steady, sizes, cpus, flood=True)
    report.details["steady"] = runs
    report_steady(report, runs)


async def burst(
    report: Report, sizes: Sizes, cpus: Cpus, *, stock: bool, pg: str | None = None
) -> None:
    runs = await _ours(sizes.burst, sizes, cpus, pg, flood=True, limiter="pacer")
    if stock:
        runs += await _stock(sizes.burst, sizes, cpus, flood=True)
    report.details["burst"] = runs
    report_burst(report, runs, flood=True)
    if sizes.noflood is None:
        return
    # without flood limits production is not the question: SQLite only, against both baselines
    runs = [
        await crowd_run(
            "ours", sizes.noflood, latency=sizes.rtt, flood=False, cpus=cpus, limiter="none"
        )
    ]
    if stock:
        runs += await _stock(sizes.noflood, sizes, cpus, flood=False)
    report.details["burst_noflood"] = runs
    report_burst(report, runs, flood=False)
