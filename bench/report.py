"""Figures next to their targets: the table printed at the end and the JSON written with it."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

RESULTS = Path(__file__).parent / "results"


@dataclass
class Figure:
    """One measured number; `ok` is None when it has no target (context, ratios to report)."""

    scenario: str
    name: str
    value: float | int | str | None
    unit: str = ""
    target: str = ""
    ok: bool | None = None
    note: str = ""


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
    ) -> Figure:
        figure = Figure(scenario, name, value, unit, target, ok, note)
        self.figures.append(figure)
        return figure

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

    def write(self, path: Path, argv: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "command": "python -m bench " + " ".join(argv),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.started)),
            "seconds": round(time.time() - self.started, 1),
            "environment": environment(),
            "figures": [asdict(f) for f in self.figures],
            "details": self.details,
        }
        path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")


def environment() -> dict[str, Any]:
    import sqlalchemy
    import telegram

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python-telegram-bot": telegram.__version__,
        "sqlalchemy": sqlalchemy.__version__,
    }


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
