"""Scenarios 1-2 as the command line runs them (figures in bench.burst)."""

from __future__ import annotations

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
    for flood, load, limiter in ((True, sizes.burst, "pacer"), (False, sizes.noflood, "none")):
        ours = await crowd_run(
            "ours", load, latency=sizes.rtt, flood=flood, cpus=cpus, limiter=limiter
        )
        theirs = None
        if stock:
            theirs = await crowd_run("stock", load, latency=sizes.rtt, flood=flood, cpus=cpus)
        report.details["burst" if flood else "burst_noflood"] = {"ours": ours, "stock": theirs}
        report_burst(report, ours, theirs, flood=flood)
