"""Server-rendered SVG bar charts that a screen reader can read (role="img", title, desc),
and the same charts as PNG for documents (the report pack's DOCX needs a raster picture).

Each chart is drawn from the same rows as the data table printed beside it, so the table is
the accessible equivalent and the picture only adds the picture. No inline styles (CSP):
colours are presentation attributes. The PNG is drawn by matplotlib from the same bars (its
wheels bundle the DejaVu fonts, so a fresh machine needs no system fonts or Cairo).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Chart:
    """One bar chart's words and rows, drawn as SVG (pages, the pack) or PNG (documents)."""

    title: str
    description: str
    bars: list[Bar] = field(default_factory=list)
    colour: str = COLOURS[0]
    empty: str = "No data yet"

    def svg(self) -> Markup:
        return hbar(self.title, self.description, self.bars, self.colour, self.empty)

    def png(self) -> bytes:
        return hbar_png(self.title, self.bars, self.colour, self.empty)


#: PNG resolution: twice the SVG's 560 user units across, for print
PNG_DPI = 100
PNG_WIDTH = 2 * WIDTH
PNG_TITLE = 70  # pixels above the bars for the title
PNG_ROW = 2 * (BAR + GAP)


def png_size(bars: int) -> tuple[int, int]:
    """The PNG's (width, height) in pixels for a chart of `bars` rows."""
    return PNG_WIDTH, PNG_TITLE + max(1, bars) * PNG_ROW + 2 * GAP


def _short(label: str) -> str:
    return label if len(label) <= 28 else label[:27] + "…"


def hbar_png(
    title: str, bars: list[Bar], colour: str = COLOURS[0], empty: str = "No data yet"
) -> bytes:
    """The horizontal bar chart as a PNG of `png_size(len(bars))` pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = png_size(len(bars))
    figure = Figure(figsize=(width / PNG_DPI, height / PNG_DPI), dpi=PNG_DPI)
    FigureCanvasAgg(figure)  # attaches itself: Figure.savefig draws through it
    figure.text(GAP / width, 1 - 20 / height, title, fontsize=16, va="top", color="#0b0c0c")
    left = 2 * LABEL_WIDTH / width
    plot_height = (height - PNG_TITLE - 2 * GAP) / height
    axes = figure.add_axes((left, 2 * GAP / height, 1 - left - 100 / width, plot_height))
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_xticks([])
    if bars:
        rows = list(range(len(bars)))
        drawn = axes.barh(rows, [b.value for b in bars], height=BAR / (BAR + GAP), color=colour)
        axes.bar_label(drawn, padding=6, fontsize=13, color="#0b0c0c")
        axes.set_yticks(rows, [_short(b.label) for b in bars], fontsize=13, color="#0b0c0c")
        axes.set_ylim(len(bars) - 0.5, -0.5)  # first row at the top, as in the SVG
        axes.set_xlim(0, max(max(b.value for b in bars), 1))
    else:
        axes.set_yticks([])
        axes.text(0, 0.5, empty, fontsize=13, va="center", color="#0b0c0c")
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return out.getvalue()


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
        label = _short(bar.label)
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
