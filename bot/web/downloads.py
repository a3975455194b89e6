"""Downloads from the staff app: interviews (CSV, XLSX, JSON), quotes, the codebook, and
the tweets marked as contributions (CSV, JSON; source "x", apart from the interview schema).

Interview rows come from `bot.exports` (the same code as `dgu-bot export`), so the web and
the command line honour consent identically. Everything is streamed: rows are read in
batches and written in chunks, so memory stays flat at 10,000 interviews. Every download is
written to the audit log.
"""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from sqlalchemy import and_, select
from sqlmodel import col

from bot import exports
from bot.services import SERVICES
from bot.web import contributions
from bot.web import filters as filtering
from bot.web.auth import current, requires
from bot.web.questions import QuestionnaireView
from storage import coding_repo, staff_repo
from storage.landscape_query import QuoteRow, stream_quotes
from storage.models import Answer
from storage.review_query import Filters, conditions

CHUNK = 64 * 1024
QUOTE_COLUMNS = [
    "quote_id",
    "interview_id",
    "passage",
    "tags_en",
    "tags_cy",
    "question_key",
    "question",
    "language",
    "country",
    "level",
    "attribution",
    "consent",
]
CODEBOOK_COLUMNS = ["label_en", "label_cy", "description", "uses"]


def _selection(request: web.Request, chosen: Filters) -> exports.ExportFilter:
    services = request.app[SERVICES]
    return exports.ExportFilter(
        status=chosen.status or "all",
        where=and_(True, *conditions(chosen, services.db.backend)),
        personal=services.questionnaire.personal_ids,
    )


async def _start(
    request: web.Request, content_type: str, filename: str, what: str, chosen: object | None
) -> web.StreamResponse:
    services = request.app[SERVICES]
    detail: dict[str, Any] = {"format": filename.rsplit(".", 1)[-1]}
    if chosen is not None:
        detail["filters"] = filtering.as_params(request.query)
    await staff_repo.audit(
        services.db, current(request).username, "export", what, services.clock(), detail
    )
    stem, extension = filename.rsplit(".", 1)
    stamped = f"{stem}-{services.clock().strftime('%Y%m%d-%H%M')}.{extension}"
    response = web.StreamResponse(
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{stamped}"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    return response


async def _send_text(response: web.StreamResponse, chunks: AsyncIterator[str]) -> None:
    async for chunk in chunks:
        if chunk:
            await response.write(chunk.encode("utf-8"))


@requires("viewer")
async def interviews_csv(request: web.Request) -> web.StreamResponse:
    chosen = filtering.parse(request.query)
    response = await _start(
        request, "text/csv; charset=utf-8", "interviews.csv", "interviews", chosen
    )
    await response.write("\ufeff".encode())  # Excel reads UTF-8 (Welsh ŵ, ŷ) only with a BOM
    await _send_text(
        response, exports.csv_chunks(request.app[SERVICES].db, _selection(request, chosen))
    )
    await response.write_eof()
    return response


@requires("viewer")
async def interviews_json(request: web.Request) -> web.StreamResponse:
    chosen = filtering.parse(request.query)
    response = await _start(
        request, "application/json; charset=utf-8", "interviews.json", "interviews", chosen
    )
    await _send_text(
        response, exports.json_chunks(request.app[SERVICES].db, _selection(request, chosen))
    )
    await response.write_eof()
    return response


@requires("viewer")
async def interviews_xlsx(request: web.Request) -> web.StreamResponse:
    """openpyxl write-only into a temporary file, then streamed out in chunks."""
    chosen = filtering.parse(request.query)
    response = await _start(
        request,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "interviews.xlsx",
        "interviews",
        chosen,
    )
    with tempfile.TemporaryFile() as spool:
        await exports.write_xlsx(request.app[SERVICES].db, _selection(request, chosen), spool)
        spool.seek(0)
        while chunk := await asyncio.to_thread(spool.read, CHUNK):
            await response.write(chunk)
    await response.write_eof()
    return response


def attribution(row: QuoteRow, view: QuestionnaireView, organisation: str | None) -> str | None:
    """Who a quote may be credited to, by the respondent's consent; None: leave it out.

    Someone who never answered the quote question has not agreed to be quoted at all, so
    their words are treated as background only.
    """
    consent = getattr(row.interview, "quote_consent", None) or "background"
    if consent == "background":
        return None
    if consent == "attributable" and row.respondent is not None:
        name = row.respondent.name or row.respondent.username or "Respondent"
        return f"{name}, {organisation}" if organisation else name
    place = view.choice_label("country", row.country) if isinstance(row.country, str) else ""
    level = view.choice_label("level", row.level) if isinstance(row.level, str) else ""
    unit = f"{level.lower()} digital government unit" if level else "digital government unit"
    return f"A {unit}, {place}" if place else f"A {unit}"


async def _organisations(request: web.Request, interview_ids: set[str]) -> dict[str, str]:
    async with request.app[SERVICES].db.reading() as session:
        rows = await session.execute(
            select(col(Answer.interview_id), col(Answer.value)).where(
                col(Answer.interview_id).in_(interview_ids),
                col(Answer.key) == "organisation",
            )
        )
        return {i: v for i, v in rows if isinstance(v, str)}


@requires("viewer")
async def quotes_csv(request: web.Request) -> web.StreamResponse:
    """Quotes with tags, question and place; attribution as consent allows, background never."""
    chosen = filtering.parse(request.query)
    view = QuestionnaireView(request.app[SERVICES].questionnaire)
    response = await _start(request, "text/csv; charset=utf-8", "quotes.csv", "quotes", chosen)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(QUOTE_COLUMNS)
    async for batch in stream_quotes(request.app[SERVICES].db, chosen, tag_id=chosen.tag):
        organisations = await _organisations(request, {r.interview.id for r in batch})
        for row in batch:
            credit = attribution(row, view, organisations.get(row.interview.id))
            if credit is None:
                continue
            writer.writerow(
                exports.safe_cell(v)
                for v in (
                    row.quote.id,
                    row.interview.id,
                    row.quote.text,
                    "; ".join(t.label_en for t in row.tags),
                    "; ".join(t.label_cy for t in row.tags),
                    row.quote.answer_key,
                    view.question_text(row.quote.answer_key),
                    row.interview.language,
                    row.country or "",
                    row.level or "",
                    credit,
                    getattr(row.interview, "quote_consent", None) or "background",
                )
            )
        await response.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
    await response.write(buffer.getvalue().encode("utf-8"))
    await response.write_eof()
    return response


@requires("viewer")
async def codebook_csv(request: web.Request) -> web.StreamResponse:
    """The codebook in the same columns the import reads (round-trips)."""
    db = request.app[SERVICES].db
    tags = await coding_repo.list_tags(db)
    usage = await coding_repo.tag_usage(db)
    response = await _start(request, "text/csv; charset=utf-8", "codebook.csv", "codebook", None)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CODEBOOK_COLUMNS)
    for tag in tags:
        writer.writerow(
            exports.safe_cell(v)
            for v in (tag.label_en, tag.label_cy, tag.description, usage.get(tag.id or 0, 0))
        )
    await response.write(buffer.getvalue().encode("utf-8"))
    await response.write_eof()
    return response


@requires("viewer")
async def contributions_csv(request: web.Request) -> web.StreamResponse:
    """Contributions as the list shows them (search, tag, language, dates); formula-safe."""
    chosen = contributions.parse(request.query)
    response = await _start(
        request, "text/csv; charset=utf-8", "contributions.csv", "contributions", chosen
    )
    await response.write("\ufeff".encode())
    await _send_text(response, exports.contributions_csv_chunks(request.app[SERVICES].db, chosen))
    await response.write_eof()
    return response


@requires("viewer")
async def contributions_json(request: web.Request) -> web.StreamResponse:
    chosen = contributions.parse(request.query)
    response = await _start(
        request, "application/json; charset=utf-8", "contributions.json", "contributions", chosen
    )
    await _send_text(response, exports.contributions_json_chunks(request.app[SERVICES].db, chosen))
    await response.write_eof()
    return response
