"""Figures next to their targets: the table printed at the end, the JSON written with it, and
docs/performance.md generated from that JSON (`python -m bench.report [results.json]`)."""

from __future__ import annotations

import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
TEMPLATE = Path(__file__).parent / "performance.template.md"
DOCUMENT = ROOT / "docs" / "performance.md"
#: options that make a run partial (bench.__main__ writes the document only without them)
PARTIAL_FLAGS = ("--quick", "--only", "--no-stock", "--no-postgres", "--complete-burst")


@dataclass
class Figure:
    """One measured number; `ok` is None when it has no target (context, ratios to report).
    `profile`: where the time or the gap goes (text), shown when the target is missed."""

    scenario: str
    name: str
    value: float | int | str | None
    unit: str = ""
    target: str = ""
    ok: bool | None = None
    note: str = ""
    profile: str = ""


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    def add(
        self,
        scenario: str,
        name: str,
        value: float | int | str | None,
        unit: str = "",
        *,
        target: str = "",
        ok: bool | None = None,
        note: str = "",
        profile: str = "",
    ) -> Figure:
        figure = Figure(scenario, name, value, unit, target, ok, note, profile)
        self.figures.append(figure)
        return figure

    @property
    def failed(self) -> list[Figure]:
        return [f for f in self.figures if f.ok is False]

    def table(self) -> str:
        rows = [("scenario", "figure", "value", "target", "")]
        for f in self.figures:
            mark = "" if f.ok is None else ("PASS" if f.ok else "MISS")
            rows.append((f.scenario, f.name, _fmt(f.value, f.unit), f.target, mark))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = []
        for n, row in enumerate(rows):
            lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        notes = [f"  * {f.scenario} / {f.name}: {f.note}" for f in self.figures if f.note]
        return "\n".join([*lines, "", *notes] if notes else lines)

    def data(self, argv: list[str]) -> dict[str, Any]:
        return {
            "command": redact(" ".join(["python -m bench", *argv]).strip()),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "seconds": round(time.time() - self.started, 1),
            "environment": environment(),
            "figures": [asdict(f) for f in self.figures],
            "details": self.details,
        }

    def write(self, path: Path, argv: list[str]) -> dict[str, Any]:
        data = self.data(argv)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        return data


def redact(text: str) -> str:
    """A database URL's password never reaches the results or the document."""
    return re.sub(r"(://[^:/@\s]+):[^@\s]+@", r"\1:***@", text)


# ------------------------------------------------------------------------- the machine


def environment() -> dict[str, Any]:
    import sqlalchemy
    import telegram

    return {
        "commit": _git("rev-parse", "HEAD"),
        # the run's own outputs do not count as changes to what was measured
        "commit_dirty": bool(
            _git(
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":!docs/performance.md",
                ":!bench/results",
            )
        ),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python-telegram-bot": telegram.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


# ------------------------------------------------------------------------- the document


def gap(figure: dict[str, Any]) -> str:
    """How far a missed figure is from its target, in words ("68 ms over (34%)")."""
    value = figure.get("value")
    found = re.search(r"(<=|>=|<|>|=)?\s*(-?[\d,.]+)", figure.get("target") or "")
    if not isinstance(value, int | float) or found is None:
        return "target missed"
    op, number = found.group(1) or "=", float(found.group(2).replace(",", ""))
    unit = f" {figure['unit']}" if figure.get("unit") and figure["unit"] != "x" else ""
    diff = value - number
    if op in ("<", "<=", "=") and diff >= 0:
        side = "over"
    elif op in (">", ">=") and diff <= 0:
        side, diff = "short", -diff
    else:
        return "target missed"
    share = f" ({diff / abs(number):.0%})" if number else ""
    shown = _number(diff)
    if figure.get("unit") == "x":
        shown += "x"
    return f"{shown}{unit} {side}{share}"


def render(data: dict[str, Any], template: str | None = None) -> str:
    """docs/performance.md from the results of one run (nothing else goes in)."""
    text = template if template is not None else TEMPLATE.read_text(encoding="utf-8")
    figures = data["figures"]
    targeted = [f for f in figures if f.get("ok") is not None]
    missed = [f for f in targeted if f["ok"] is False]
    summary = _summary(targeted, missed)
    partial = [f for f in PARTIAL_FLAGS if f in data.get("command", "").split()]
    if partial:
        summary = (
            f"**A partial run ({', '.join(partial)}): not the sizes the targets are set for. "
            "`make bench` gives the figures that count.**\n\n" + summary
        )
    parts = {
        "<!-- RUN -->": _run(data),
        "<!-- SUMMARY -->": summary,
        "<!-- RESULTS -->": _results(figures),
        "<!-- MISSED -->": _missed(missed),
    }
    for marker, body in parts.items():
        text = text.replace(marker, body)
    return text


def _run(data: dict[str, Any]) -> str:
    env = data.get("environment", {})
    commit = env.get("commit") or "unknown"
    if env.get("commit_dirty"):
        commit += " (with uncommitted changes)"
    pg = (data.get("details") or {}).get("postgresql") or "none"
    minutes = data.get("seconds", 0) / 60
    return "\n".join(
        [
            f"- **Command:** `{data.get('command', 'python -m bench')}`, {minutes:.1f} minutes",
            f"- **Date:** {data.get('started', 'unknown')} (UTC)",
            f"- **Commit:** `{commit}`",
            f"- **Machine:** {env.get('cores', '?')} cores, {env.get('cpu_model', '?')}, "
            f"{env.get('memory_gb', '?')} GB memory; {env.get('platform', '?')}; load average "
            f"at the end {env.get('load_average')}",
            f"- **Software:** Python {env.get('python', '?')}, python-telegram-bot "
            f"{env.get('python-telegram-bot', '?')}, SQLAlchemy {env.get('sqlalchemy', '?')}, "
            f"SQLite {env.get('sqlite', '?')}, PostgreSQL: {pg}",
        ]
    )


def _summary(targeted: list[dict[str, Any]], missed: list[dict[str, Any]]) -> str:
    met = len(targeted) - len(missed)
    lines = [f"**{met} of {len(targeted)} targets met.**"]
    if missed:
        lines.append("")
        lines.append("Missed:")
        lines.append("")
        for f in missed:
            lines.append(
                f"- {f['scenario']} / {f['name']}: {_fmt(f['value'], f['unit'])} against "
                f"{f['target']} ({gap(f)})"
            )
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _results(figures: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    scenario = None
    for f in figures:
        if f["scenario"] != scenario:
            scenario = f["scenario"]
            lines += ["", f"### {scenario}", "", "| figure | value | target | | note |"]
            lines.append("|---|---|---|---|---|")
        mark = "" if f["ok"] is None else ("met" if f["ok"] else "**MISSED**")
        lines.append(
            f"| {_cell(f['name'])} | {_cell(_fmt(f['value'], f['unit']))} | "
            f"{_cell(f['target'])} | {mark} | {_cell(f['note'])} |"
        )
    return "\n".join(lines).strip()


def _missed(missed: list[dict[str, Any]]) -> str:
    if not missed:
        return "Every target was met in this run."
    out: list[str] = []
    for f in missed:
        out += [
            f"### {f['scenario']} / {f['name']}",
            "",
            f"{_fmt(f['value'], f['unit'])} against {f['target']}: {gap(f)}."
            + (f" {f['note']}" if f["note"] else ""),
            "",
        ]
        if f.get("profile"):
            out += ["```", f["profile"].rstrip(), "```", ""]
        else:
            out += ["(no profile was captured for this figure)", ""]
    return "\n".join(out).rstrip()


def trim_profile(text: str, lines: int = 60) -> str:
    """A pyinstrument text report without its banner: the summary line, then the call tree."""
    rows = text.splitlines()
    summary = next((r.strip() for r in rows if "Duration:" in r), "")
    summary = re.sub(r"^.*?(Duration:)", r"\1", summary)
    start = next((i + 1 for i, r in enumerate(rows) if r.startswith("Profile at")), 0)
    tree = [r for r in rows[start:] if r.strip()]
    return "\n".join([summary, *tree[:lines]] if summary else tree[:lines])


def _number(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return f"{value:,.0f}"


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.report [results.json [out.md]]`: regenerate the document."""
    argv = sys.argv[1:] if argv is None else argv
    source = Path(argv[0]) if argv else RESULTS / "latest.json"
    target = Path(argv[1]) if len(argv) > 1 else DOCUMENT
    target.write_text(render(json.loads(source.read_text(encoding="utf-8"))), encoding="utf-8")
    print(f"{target} written from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
