"""Server-rendered SVG bar charts that a screen reader can read (role="img", title, desc).

Each chart is drawn from the same rows as the data table printed beside it, so the table is
the accessible equivalent and the SVG only adds the picture. No inline styles (CSP): colours
are presentation attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from itertools import count

from markupsafe import Markup

BAR = 22
GAP = 8
LABEL_WIDTH = 190
WIDTH = 560
COLOURS = ("#1d70b8", "#00703c", "#d4351c", "#6f72af", "#f47738")
_ids = count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def hbar(
    title: str,
    description: str,
    bars: list[Bar],
    colour: str = COLOURS[0],
    empty: str = "No data yet",
) -> Markup:
    """Horizontal bars, one per row; the value is printed at the bar's end."""
    n = next(_ids)
    height = max(1, len(bars)) * (BAR + GAP) + GAP
    top = max((b.value for b in bars), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc">',
        f'<title id="chart-{n}-title">{escape(title)}</title>',
        f'<desc id="chart-{n}-desc">{escape(description)}</desc>',
    ]
    for row, bar in enumerate(bars):
        y = GAP + row * (BAR + GAP)
        width = round(room * bar.value / top)
        label = bar.label if len(bar.label) <= 28 else bar.label[:27] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR * 0.7:.0f}" text-anchor="end" '
            f'font-size="14" fill="#0b0c0c">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR}" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + width + 6}" y="{y + BAR * 0.7:.0f}" font-size="14" '
            f'fill="#0b0c0c">{bar.value}</text>'
        )
    if not bars:
        parts.append(
            f'<text x="{GAP}" y="{BAR}" font-size="14" fill="#0b0c0c">{escape(empty)}</text>'
        )
    parts.append("</svg>")
    svg = "".join(parts)
    return Markup(svg)  # noqa: S704 - all text escaped above  # nosec B704
