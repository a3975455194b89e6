"""The framework matrix: interviews as rows, chosen questions or tags as columns, and the
staff's cell summaries; exported as CSV (one table) and XLSX (one sheet per theme).

A column is `q:<answer key>` (a question, or a question of the repeat group for one longlist
area) or `tag:<tag id>` (the passages tagged with it). Its theme is the questionnaire section of
the question, or the tag itself. Consent holds as in the other exports: a personal answer only
with attributable consent, a background-only interview's passages never, and no names.
"""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from openpyxl import Workbook

from bot import exports
from bot.services import SERVICES
from bot.web import downloads
from bot.web import filters as filtering
from bot.web.auth import current, requires
from bot.web.interviews import status_labels
from bot.web.language import Translate, language_of, local_path, translator
from bot.web.questions import QuestionnaireView
from bot.web.templating import render
from storage import coding_repo, matrix_query, review_query, staff_repo
from storage.matrix_query import MatrixRow
from storage.staff import Tag

DEFAULT_COLUMNS = ("q:mattered_most", "q:not_as_hoped", "q:conditions")
MAX_COLUMNS = 40


@dataclass(frozen=True)
class Column:
    key: str  # q:<answer key> | tag:<id>
    label: str
    theme: str
    answer_key: str = ""
    tag_id: int | None = None


def available(view: QuestionnaireView, tags: Sequence[Tag], lang: str) -> list[Column]:
    """Every column a researcher may choose, in questionnaire order, then the codebook."""
    found: list[Column] = []
    for version, question in view.all_questions():
        theme = _section_title(version, question.section_id, lang)
        if getattr(question, "repeat_over", None):
            for area, _ in view.areas():
                key = f"{question.id}@{area}"
                found.append(Column(f"q:{key}", view.question_text(key), theme, answer_key=key))
        else:
            text = view.question_text(question.id)
            found.append(Column(f"q:{question.id}", text, theme, answer_key=question.id))
    for tag in tags:
        label = tag.label_cy if lang == "cy" and tag.label_cy else tag.label_en
        found.append(Column(f"tag:{tag.id}", label, label, tag_id=tag.id))
    return found


def _section_title(q: Any, section_id: str, lang: str) -> str:
    try:
        return str(q.section_title(section_id, lang))
    except Exception:
        return section_id


def chosen_columns(request: web.Request, choices: list[Column]) -> list[Column]:
    by_key = {c.key: c for c in choices}
    asked = request.query.getall("col", []) or list(DEFAULT_COLUMNS)
    seen: list[Column] = []
    for key in asked:
        if key in by_key and by_key[key] not in seen:
            seen.append(by_key[key])
    return seen[:MAX_COLUMNS]


@dataclass
class Cell:
    column: Column
    summary: Any  # MatrixCell | None
    text: str  # the answer as read, or the tagged passages, joined
    passages: list[str]
    note: str  # why nothing is shown (withheld, background only)


def cells(
    row: MatrixRow,
    columns: Sequence[Column],
    view: QuestionnaireView,
    personal: frozenset[str],
    t: Translate,
) -> list[Cell]:
    consent = row.interview.quote_consent or "background"
    out = []
    for column in columns:
        summary = row.summaries.get(column.key)
        if column.tag_id is not None:
            quotes = row.quotes.get(column.tag_id, [])
            if quotes and consent == "background":
                note = t("matrix.background_passages", count=len(quotes))
                out.append(Cell(column, summary, "", [], note))
                continue
            passages = [
                q.text
                for q in quotes
                if not (q.answer_key.split("@", 1)[0] in personal and consent != "attributable")
            ]
            out.append(Cell(column, summary, "\n".join(f"“{p}”" for p in passages), passages, ""))
            continue
        question_id = column.answer_key.split("@", 1)[0]
        if column.answer_key not in row.answers:
            out.append(Cell(column, summary, "", [], ""))
        elif question_id in personal and consent != "attributable":
            out.append(Cell(column, summary, "", [], t("consent.withheld")))
        else:
            value = row.answers[column.answer_key]
            out.append(Cell(column, summary, view.display(column.answer_key, value), [], ""))
    return out


def _context(request: web.Request) -> tuple[Any, Translate, QuestionnaireView, str]:
    services = request.app[SERVICES]
    lang, t = language_of(request), translator(request)
    return services, t, QuestionnaireView(services.questionnaire, lang, t), lang


@requires("viewer")
async def index(request: web.Request) -> web.StreamResponse:
    services, t, view, lang = _context(request)
    tags = await coding_repo.list_tags(services.db)
    choices = available(view, tags, lang)
    columns = chosen_columns(request, choices)
    chosen = filtering.chosen(request)
    page = filtering.page_number(request.query)
    rows, total = await matrix_query.matrix_page(
        services.db,
        chosen,
        [c.answer_key for c in columns if c.answer_key],
        [c.tag_id for c in columns if c.tag_id is not None],
        page,
    )
    personal = exports.personal_ids(services.questionnaire)
    params: dict[str, Any] = {**filtering.as_params(request.query), "col": [c.key for c in columns]}
    groups: dict[str, list[Column]] = {}
    for choice in choices:
        groups.setdefault(t("matrix.tags") if choice.tag_id else choice.theme, []).append(choice)
    return render(
        request,
        "matrix.html",
        {
            "title": t("matrix.title"),
            "columns": columns,
            "groups": groups,
            "chosen_keys": {c.key for c in columns},
            "rows": [
                {
                    "row": row,
                    "name": view.name(row.interview.id, row.fields),
                    "cells": cells(row, columns, view, personal, t),
                }
                for row in rows
            ],
            "total": total,
            "page": page,
            "pages": max(1, -(-total // matrix_query.PAGE_SIZE)),
            "params": params,
            "form": {k: request.query.get(k, "") for k in filtering.FILTER_KEYS},
            "choices": await review_query.distinct_values(services.db),
            "levels": view.levels(),
            "tags": tags,
            "review_statuses": status_labels(t),
            "view": view,
        },
    )


async def _column_of(request: web.Request, key: str) -> Column:
    services, _, view, lang = _context(request)
    tags = await coding_repo.list_tags(services.db)
    for column in available(view, tags, lang):
        if column.key == key:
            return column
    raise web.HTTPNotFound(text="No such column.")


async def _interview(request: web.Request, interview_id: str) -> Any:
    found = await review_query.interview_detail(request.app[SERVICES].db, interview_id)
    if found is None:
        raise web.HTTPNotFound(text="No such interview.")
    return found


def _back(target: str) -> str:
    path = local_path(target)
    return path if path == "/matrix" or path.startswith("/matrix?") else "/matrix"


@requires("editor")
async def edit_cell(request: web.Request) -> web.StreamResponse:
    services, t, view, _ = _context(request)
    interview_id = request.query.get("interview", "")
    interview, _, _ = await _interview(request, interview_id)
    column = await _column_of(request, request.query.get("column", ""))
    rows, _ = await matrix_query.matrix_page(
        services.db,
        review_query.Filters(ids=(interview.id,)),
        [column.answer_key] if column.answer_key else [],
        [column.tag_id] if column.tag_id is not None else [],
        1,
    )
    if not rows:
        raise web.HTTPNotFound(text="No such interview.")
    personal = exports.personal_ids(services.questionnaire)
    cell = cells(rows[0], [column], view, personal, t)[0]
    return render(
        request,
        "matrix_cell.html",
        {
            "title": t("matrix.edit_title"),
            "name": view.name(interview.id, rows[0].fields),
            "interview": interview,
            "column": column,
            "cell": cell,
            "back": _back(request.query.get("next", "")),
        },
    )


@requires("editor")
async def save_cell(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = await request.post()
    interview, _, _ = await _interview(request, str(form.get("interview", "")))
    column = await _column_of(request, str(form.get("column", "")))
    summary = str(form.get("summary", ""))
    staff = current(request)
    outcome = await matrix_query.save_cell(
        services.db, interview.id, column.key, summary, staff.username, services.clock()
    )
    if outcome != "unchanged":
        await staff_repo.audit(
            services.db,
            staff.username,
            "save_cell_summary" if outcome == "saved" else "remove_cell_summary",
            interview.id,
            services.clock(),
            {"column": column.key},
        )
    raise web.HTTPSeeOther(_back(str(form.get("next", ""))) + f"#row-{interview.id}")


# --- exports -------------------------------------------------------------------------------------
def _header(t: Translate) -> list[str]:
    return [t("col.interview"), t("col.country"), t("col.level"), t("col.relationship")]


def _fixed(row: MatrixRow, view: QuestionnaireView) -> list[str]:
    country, level = row.fields.get("country"), row.fields.get("level")
    return [
        row.interview.id,
        view.choice_label("country", country) if isinstance(country, str) else "",
        view.level(level, row.interview.questionnaire_version),
        view.relationship(row.fields),
    ]


def _values(cell: Cell) -> list[str]:
    return [cell.summary.summary if cell.summary else "", cell.text or cell.note]


def _column_header(column: Column, t: Translate) -> list[str]:
    return [f"{column.label} – {t('matrix.summary')}", column.label]


async def _export_rows(
    request: web.Request,
) -> tuple[Any, Translate, QuestionnaireView, list[Column]]:
    services, t, view, lang = _context(request)
    tags = await coding_repo.list_tags(services.db)
    return services, t, view, chosen_columns(request, available(view, tags, lang))


@requires("viewer")
async def export_csv(request: web.Request) -> web.StreamResponse:
    services, t, view, columns = await _export_rows(request)
    chosen = filtering.chosen(request)
    response = await downloads._start(
        request, "text/csv; charset=utf-8", "matrix.csv", "matrix", chosen
    )
    await response.write("\ufeff".encode())
    personal = exports.personal_ids(services.questionnaire)
    header = _header(t) + [h for c in columns for h in _column_header(c, t)]
    async for batch in matrix_query.stream_matrix(
        services.db,
        chosen,
        [c.answer_key for c in columns if c.answer_key],
        [c.tag_id for c in columns if c.tag_id is not None],
    ):
        out = io.StringIO()
        writer = csv.writer(out)
        if header:
            writer.writerow(header)
            header = []
        for row in batch:
            found = cells(row, columns, view, personal, t)
            line = _fixed(row, view) + [v for cell in found for v in _values(cell)]
            writer.writerow([exports.safe_cell(v) for v in line])
        await response.write(out.getvalue().encode("utf-8"))
    if header:  # no rows at all: still say what the columns are
        out = io.StringIO()
        csv.writer(out).writerow(header)
        await response.write(out.getvalue().encode("utf-8"))
    await response.write_eof()
    return response


def _sheet_title(theme: str, used: set[str]) -> str:
    base = "".join(ch for ch in theme if ch not in "[]:*?/\\").strip()[:28] or "Theme"
    title, n = base, 2
    while title.lower() in used:
        title, n = f"{base[:25]} {n}", n + 1
    used.add(title.lower())
    return title


@requires("viewer")
async def export_xlsx(request: web.Request) -> web.StreamResponse:
    """One sheet per theme (a questionnaire section, or a tag), rows the same interviews."""
    services, t, view, columns = await _export_rows(request)
    chosen = filtering.chosen(request)
    personal = exports.personal_ids(services.questionnaire)
    themes: dict[str, list[Column]] = {}
    for column in columns:
        themes.setdefault(column.theme, []).append(column)
    book = Workbook(write_only=True)
    used: set[str] = set()
    sheets = []
    for theme, in_theme in themes.items():
        sheet = book.create_sheet(_sheet_title(theme, used))
        sheet.append(_header(t) + [h for c in in_theme for h in _column_header(c, t)])
        sheets.append((sheet, in_theme))
    async for batch in matrix_query.stream_matrix(
        services.db,
        chosen,
        [c.answer_key for c in columns if c.answer_key],
        [c.tag_id for c in columns if c.tag_id is not None],
    ):
        for row in batch:
            fixed = _fixed(row, view)
            for sheet, in_theme in sheets:
                found = cells(row, in_theme, view, personal, t)
                line = fixed + [v for cell in found for v in _values(cell)]
                sheet.append([exports.safe_cell(v) for v in line])
    response = await downloads._start(
        request,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "matrix.xlsx",
        "matrix",
        chosen,
    )
    with tempfile.TemporaryFile() as spool:
        await asyncio.to_thread(book.save, spool)
        spool.seek(0)
        while chunk := await asyncio.to_thread(spool.read, downloads.CHUNK):
            await response.write(chunk)
    await response.write_eof()
    return response
