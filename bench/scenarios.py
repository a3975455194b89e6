"""Scenarios 1-2 as the command line runs them (figures in bench.burst)."""

from __future__ import annotations

from dataclasses import replace

from bench.burst import crowd_run, report_burst, report_steady
from bench.report import Report
from bench.sizes import Sizes

Cpus = tuple[set[int] | None, set[int] | None]


async def steady(report: Report, sizes: Sizes, cpus: Cpus, *, stock: bool) -> None:
    ours = await crowd_run("ours", sizes.steady, latency=sizes.rtt, flood=True, cpus=cpus)
    theirs = None
    if stock:
        theirs = await crowd_run("stock", sizes.steady, latency=sizes.rtt, flood=True, cpus=cpus)
    report.details["steady"] = {"ours": ours, "stock": theirs}
    report_steady(report, ours, theirs)


async def burst(report: Report, sizes: Sizes, cpus: Cpus, *, stock: bool) -> None:
    runs = [(True, sizes.burst, "pacer"), (False, sizes.noflood, "none")]
    for flood, load, limiter in runs:
        if load is None:
            continue
        ours = await crowd_run(
            "ours", load, latency=sizes.rtt, flood=flood, cpus=cpus, limiter=limiter
        )
        theirs = None
        if stock:
            # the stock bot's backlog is not drained: nothing of it is stored to check
            quick = replace(load, drain=min(load.drain, 15))
            theirs = await crowd_run("stock", quick, latency=sizes.rtt, flood=flood, cpus=cpus)
        report.details["burst" if flood else "burst_noflood"] = {"ours": ours, "stock": theirs}
        steady_stock = (report.details.get("steady") or {}).get("stock")
        rate = steady_stock["steps_per_s"] if steady_stock else None
        report_burst(report, ours, theirs, flood=flood, interview_rate=rate if flood else None)
