"""`python -m bench [--quick] [--only burst,cpu,...]`: run the scenarios, print the table,
write the results as JSON and, for the full run (`make bench`), docs/performance.md from them.

The exit status is 1 when any target is missed, a respondent met an error, an answer is
missing, doubled or different, or a scenario failed; the files are written either way."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench import postgres
from bench.procs import pin_driver, split_cores
from bench.report import DOCUMENT, RESULTS, Report, render
from bench.sizes import Sizes, full, quick

SCENARIOS = ("steady", "burst", "cpu", "memory", "staff", "mentions")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (about two minutes)")
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of {','.join(SCENARIOS)}"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results file (default: bench/results/latest.json for the full run, "
        "bench/results/partial.json otherwise)",
    )
    parser.add_argument(
        "--doc",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write docs/performance.md (default: only for the full run, every scenario)",
    )
    parser.add_argument(
        "--complete-burst",
        action="store_true",
        help="let all 1,000 respondents finish 15 answers (about 12 minutes)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DGU_BENCH_POSTGRES_URL"),
        help="PostgreSQL server URL (default: DGU_BENCH_POSTGRES_URL, else a private "
        "cluster started for the run if PostgreSQL is installed)",
    )
    parser.add_argument(
        "--no-postgres", action="store_true", help="SQLite only (no PostgreSQL variants)"
    )
    parser.add_argument("--no-stock", action="store_true", help="skip the stock PTB baselines")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()] or list(SCENARIOS)
    unknown = set(only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    complete = (
        not args.quick and not args.complete_burst and not args.no_stock and not args.no_postgres
    ) and set(only) == set(SCENARIOS)
    out = args.out or RESULTS / ("latest.json" if complete else "partial.json")
    doc = complete if args.doc is None else args.doc
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    sizes = quick() if args.quick else full()
    if args.complete_burst:
        sizes = sizes.complete_burst()
    report = Report()
    report.details["sizes"] = sizes.as_dict()
    asyncio.run(_run(only, sizes, report, args))
    print(report.table())
    data = report.write(out, argv)
    print(f"\nwritten to {out}")
    if doc:
        DOCUMENT.write_text(render(data), encoding="utf-8")
        print(f"written to {DOCUMENT}")
    failed = report.failed
    if failed:
        print(f"\n{len(failed)} figure(s) missed their target or failed:", file=sys.stderr)
        for f in failed:
            print(f"  {f.scenario} / {f.name}: {f.value} (target {f.target})", file=sys.stderr)
    return 1 if failed else 0


async def _run(only: list[str], sizes: Sizes, report: Report, args: argparse.Namespace) -> None:
    bot_cpus, driver_cpus = split_cores()
    pin_driver(driver_cpus)
    cpus = (bot_cpus, driver_cpus)
    start_pg = sizes.postgres and not args.no_postgres
    async with postgres.server(None if args.no_postgres else args.postgres, start=start_pg) as pg:
        report.details["postgresql"] = await postgres.version(pg) if pg else None
        if pg is None and start_pg:
            # the full run measures what production runs: a missing server fails it loudly
            report.add(
                "postgresql",
                "server for the PostgreSQL variants",
                None,
                target="a server",
                ok=False,
                note="none given (--postgres, DGU_BENCH_POSTGRES_URL) and no PostgreSQL "
                "installed to start one; --no-postgres runs SQLite only",
            )
        stock = not args.no_stock
        steps: dict[str, Callable[[], Awaitable[None]]] = {}
        if "steady" in only:
            from bench import scenarios

            steps["steady"] = lambda: scenarios.steady(report, sizes, cpus, stock=stock, pg=pg)
        if "burst" in only:
            from bench import scenarios

            steps["burst"] = lambda: scenarios.burst(report, sizes, cpus, stock=stock, pg=pg)
        if "cpu" in only:
            from bench import cpu

            steps["cpu"] = lambda: cpu.run(report, sizes, cpus, pg)
        if "memory" in only:
            from bench import memory

            steps["memory"] = lambda: memory.run(report, sizes, cpus, pg)
        if "staff" in only:
            from bench import staff

            steps["staff"] = lambda: staff.run(report, sizes, cpus, pg)
        if "mentions" in only:
            from bench import mentions

            steps["mentions"] = lambda: mentions.run(report, sizes, pg)
        for name, step in steps.items():
            began = time.monotonic()
            print(f"[bench] {name} ...", flush=True)
            try:
                await step()
            except Exception as exc:  # one broken scenario must not hide the others' figures
                report.add(name, "error", f"{type(exc).__name__}: {exc}"[:200], ok=False)
                import traceback

                traceback.print_exc()
            took = round(time.monotonic() - began, 1)
            print(f"[bench] {name} done in {took:.0f} s", flush=True)
            report.details.setdefault("scenario_seconds", {})[name] = took


if __name__ == "__main__":
    sys.exit(main())
