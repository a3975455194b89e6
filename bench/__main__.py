"""`python -m bench [--quick] [--only burst,cpu,...]`: run the scenarios, print the table,
write bench/results/latest.json. See docs/performance.md for what each figure means."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.procs import pin_driver, split_cores
from bench.report import RESULTS, Report
from bench.sizes import Sizes, full, quick

SCENARIOS = ("steady", "burst", "cpu", "memory", "staff", "mentions")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of {','.join(SCENARIOS)}"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--complete-burst",
        action="store_true",
        help="let all 1,000 respondents finish 15 answers (about 12 minutes)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DGU_TEST_POSTGRES_URL"),
        help="PostgreSQL server URL (default: DGU_TEST_POSTGRES_URL, else a private "
        "cluster if PostgreSQL is installed)",
    )
    parser.add_argument("--no-stock", action="store_true", help="skip the stock PTB baselines")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()] or list(SCENARIOS)
    unknown = set(only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    sizes = quick() if args.quick else full()
    if args.complete_burst:
        sizes = sizes.complete_burst()
    report = Report()
    report.details["sizes"] = sizes.as_dict()
    asyncio.run(_run(only, sizes, report, args))
    print(report.table())
    report.write(args.out, argv)
    print(f"\nwritten to {args.out}")
    return 0 if all(f.ok is not False for f in report.figures) else 1


async def _run(only: list[str], sizes: Sizes, report: Report, args: argparse.Namespace) -> None:
    bot_cpus, driver_cpus = split_cores()
    pin_driver(driver_cpus)
    cpus = (bot_cpus, driver_cpus)
    steps: dict[str, Callable[[], Awaitable[None]]] = {}
    if "steady" in only:
        from bench import scenarios

        steps["steady"] = lambda: scenarios.steady(report, sizes, cpus, stock=not args.no_stock)
    if "burst" in only:
        from bench import scenarios

        steps["burst"] = lambda: scenarios.burst(report, sizes, cpus, stock=not args.no_stock)
    if "cpu" in only:
        from bench import cpu

        steps["cpu"] = lambda: cpu.run(report, sizes, cpus, args.postgres)
    if "memory" in only:
        from bench import memory

        steps["memory"] = lambda: memory.run(report, sizes, cpus)
    if "staff" in only:
        from bench import staff

        steps["staff"] = lambda: staff.run(report, sizes, cpus)
    if "mentions" in only:
        from bench import mentions

        steps["mentions"] = lambda: mentions.run(report, sizes)
    for name, step in steps.items():
        began = time.monotonic()
        print(f"[bench] {name} ...", flush=True)
        try:
            await step()
        except Exception as exc:  # one broken scenario must not hide the others' figures
            report.add(name, "error", f"{type(exc).__name__}: {exc}"[:200], ok=False)
            import traceback

            traceback.print_exc()
        print(f"[bench] {name} done in {time.monotonic() - began:.0f} s", flush=True)
        report.details.setdefault("scenario_seconds", {})[name] = round(time.monotonic() - began, 1)


if __name__ == "__main__":
    sys.exit(main())
