"""The report pack: one ZIP with a DOCX draft (python-docx) and the charts as SVG and PNG.

The DOCX holds the landscape figures (funnel, coverage by country and level, what was
attempted and how it went), each chart as a picture with its description as alt text, and, per
theme, the quotes credited as each respondent allowed
(the theme board's rules: background-only never, anonymised by unit and country, attributable
by the credit they typed). It is a draft the team edits, in the reader's language.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import zipfile
from collections import Counter
from typing import Any

from aiohttp import web
from docx import Document
from docx.shared import Inches

from bot.services import SERVICES
from bot.web import downloads, themes
from bot.web import filters as filtering
from bot.web.auth import requires
from bot.web.charts import COLOURS, Bar, Chart
from bot.web.language import Translate, language_of, translator
from bot.web.questions import OUTCOMES, QuestionnaireView
from storage import landscape_query


def _table(document: Any, header: list[str], rows: list[list[Any]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)


def _picture(document: Any, chart: Chart, png: bytes) -> None:
    """The chart's PNG across the page, its title and description as the alt text."""
    document.add_picture(io.BytesIO(png), width=Inches(6.0))
    properties = document.inline_shapes[-1]._inline.docPr
    properties.set("title", chart.title)
    properties.set("descr", chart.description)


def build(
    t: Translate,
    figures: dict[str, Any],
    board: list[themes.Theme],
    left_out: int,
    lang: str,
) -> bytes:
    """The ZIP: report.docx and charts/*.svg, charts/*.png."""
    charts: dict[str, Chart] = figures["charts"]
    pngs = {name: chart.png() for name, chart in charts.items()}
    document = Document()
    document.core_properties.language = "cy-GB" if lang == "cy" else "en-GB"
    document.add_heading(t("pack.title"), level=0)
    document.add_paragraph(t("pack.draft"))
    document.add_heading(t("pack.figures"), level=1)
    document.add_heading(t("landscape.funnel"), level=2)
    _picture(document, charts["funnel"], pngs["funnel"])
    _table(document, [t("landscape.stage"), t("nav.interviews")], figures["stages"])
    document.add_heading(t("chart.by_country"), level=2)
    _picture(document, charts["countries"], pngs["countries"])
    _table(document, [t("col.country"), t("nav.interviews")], figures["countries"])
    document.add_heading(t("chart.by_level"), level=2)
    _picture(document, charts["levels"], pngs["levels"])
    _table(document, [t("col.level"), t("nav.interviews")], figures["levels"])
    document.add_heading(t("landscape.outcomes"), level=2)
    _table(
        document,
        [t("col.area"), *(label for _, label in figures["outcomes"])],
        [[label, *cells] for label, cells in figures["matrix"]],
    )
    document.add_paragraph(t("pack.charts_note"))
    document.add_heading(t("pack.themes"), level=1)
    if left_out:
        document.add_paragraph(t("themes.left_out", count=left_out))
    for theme in board:
        document.add_heading(theme.label, level=2)
        document.add_paragraph(t("quotes.count", count=len(theme.quotes)))
        for item in theme.quotes:
            document.add_paragraph(f"“{item['row'].quote.text}”", style="Quote")
            document.add_paragraph(f"— {item['credit']} ({item['question']})")
    docx = io.BytesIO()
    document.save(docx)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("report.docx", docx.getvalue())
        for name, chart in charts.items():
            pack.writestr(f"charts/{name}.svg", str(chart.svg()))
            pack.writestr(f"charts/{name}.png", pngs[name])
    return archive.getvalue()


async def _figures(request: web.Request, view: QuestionnaireView, t: Translate) -> dict[str, Any]:
    services = request.app[SERVICES]
    chosen = filtering.chosen(request)
    cells = await landscape_query.coverage(services.db, chosen)
    by_country: Counter[str] = Counter()
    by_level: Counter[str] = Counter()
    for country, level, version, n in cells:
        by_country[view.choice_label("country", country) if country else "—"] += n
        by_level[view.level(level, version or None, t("chart.not_answered"))] += n
    areas = view.areas()
    counts = await landscape_query.value_counts(
        services.db, chosen, [f"outcome@{a}" for a, _ in areas]
    )
    outcomes = [(key, t(f"outcome.{key}")) for key, _ in OUTCOMES]
    matrix = [
        (label, [counts.get((f"outcome@{area}", o), 0) for o, _ in outcomes])
        for area, label in areas
    ]
    funnel = await landscape_query.funnel(services.db, chosen)
    stages: list[tuple[str, int]] = [(t("funnel.started"), funnel.started)]
    if funnel.consented is not None:
        stages.append((t("funnel.consented"), funnel.consented))
    stages.append((t("funnel.completed"), funnel.completed))
    countries = sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0]))
    empty = t("chart.empty")
    return {
        "stages": [list(stage) for stage in stages],
        "countries": [list(kv) for kv in countries],
        "levels": [list(kv) for kv in by_level.most_common()],
        "outcomes": outcomes,
        "matrix": matrix,
        "charts": {
            "funnel": Chart(
                t("chart.funnel"),
                t("chart.funnel_desc"),
                [Bar(k, n) for k, n in stages],
                COLOURS[3],
                empty,
            ),
            "countries": Chart(
                t("chart.by_country"),
                t("chart.by_country_desc"),
                [Bar(k, n) for k, n in countries[:25]],
                empty=empty,
            ),
            "levels": Chart(
                t("chart.by_level"),
                t("chart.by_level_desc"),
                [Bar(k, n) for k, n in by_level.most_common()],
                COLOURS[1],
                empty,
            ),
        },
    }


@requires("viewer")
async def download(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    t = translator(request)
    lang = language_of(request)
    view = QuestionnaireView(services.questionnaire, lang, t)
    chosen = filtering.chosen(request)
    figures = await _figures(request, view, t)
    board, left_out = await themes.board(request, chosen, view, t, for_pack=True)
    body = await asyncio.to_thread(build, t, figures, board, left_out, lang)
    response = await downloads._start(
        request, "application/zip", "report-pack.zip", "report_pack", chosen
    )
    with tempfile.SpooledTemporaryFile() as spool:
        spool.write(body)
        spool.seek(0)
        while chunk := spool.read(downloads.CHUNK):
            await response.write(chunk)
    await response.write_eof()
    return response
