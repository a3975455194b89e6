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
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy import and_

from bot import exports
from bot.interview import split_key
from bot.services import SERVICES
from bot.web import contributions
from bot.web import filters as filtering
from bot.web.auth import current, requires
from bot.web.language import CATALOGUE, language_of
from bot.web.questions import QuestionnaireView
from storage import coding_repo, staff_repo
from storage.landscape_query import QuoteRow, stream_quotes
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


def _selection(
    request: web.Request, chosen: Filters, *, full: bool = False
) -> exports.ExportFilter:
    services = request.app[SERVICES]
    return exports.ExportFilter(
        status=chosen.status or "all",
        where=and_(True, *conditions(chosen, services.db.backend)),
        personal=exports.personal_ids(services.questionnaire),
        full=full,
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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: format -> (Content-Type, how the body is made)
INTERVIEW_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": XLSX,
    "files.csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}


async def _interviews(request: web.Request, fmt: str, *, full: bool) -> web.StreamResponse:
    """The interviews as CSV, JSON, XLSX, the list of their files (files.csv), or a ZIP of
    the JSON, that list and the files themselves. `full`: the team's own follow-up data
    (admins only: every interview with who gave it, whatever their quote consent), audited as
    `export` of `interviews_full`; otherwise withheld answers, and their files, stay out."""
    services = request.app[SERVICES]
    chosen = filtering.chosen(request)
    suffix = "-full" if full else ""
    name = f"files{suffix}.csv" if fmt == "files.csv" else f"interviews{suffix}.{fmt}"
    what = "interviews_full" if full else "interviews"
    response = await _start(request, INTERVIEW_FORMATS[fmt], name, what, chosen)
    selection = _selection(request, chosen, full=full)
    if fmt in ("csv", "files.csv"):
        await response.write("\ufeff".encode())  # Excel reads UTF-8 (ŵ, ŷ) only with a BOM
        chunks = exports.csv_chunks if fmt == "csv" else exports.files_csv_chunks
        await _send_text(response, chunks(services.db, selection))
    elif fmt == "json":
        await _send_text(response, exports.json_chunks(services.db, selection))
    else:  # xlsx, zip: written to a temporary file, then streamed out in chunks
        with tempfile.TemporaryFile() as spool:
            if fmt == "xlsx":
                await exports.write_xlsx(services.db, selection, spool, _labels(request))
            else:
                await exports.write_zip(services.db, selection, services.settings.media_path, spool)
            spool.seek(0)
            while chunk := await asyncio.to_thread(spool.read, CHUNK):
                await response.write(chunk)
    await response.write_eof()
    return response


def _labels(request: web.Request) -> exports.Labels | None:
    """A Welsh reader's workbook has Welsh headers (with a sheet of their keys); otherwise the
    headers are the keys `dgu-bot export` writes. CSV and JSON always keep the keys."""
    lang = language_of(request)
    if lang == "en":
        return None
    return exports.Labels(lang, request.app[CATALOGUE], request.app[SERVICES].questionnaire)


@requires("viewer")
async def interviews_csv(request: web.Request) -> web.StreamResponse:
    return await _interviews(request, "csv", full=False)


@requires("viewer")
async def interviews_json(request: web.Request) -> web.StreamResponse:
    return await _interviews(request, "json", full=False)


@requires("viewer")
async def interviews_xlsx(request: web.Request) -> web.StreamResponse:
    return await _interviews(request, "xlsx", full=False)


@requires("viewer")
async def files_csv(request: web.Request) -> web.StreamResponse:
    """Each file sent as an answer with its metadata and transcript (withheld ones say so)."""
    return await _interviews(request, "files.csv", full=False)


@requires("viewer")
async def interviews_zip(request: web.Request) -> web.StreamResponse:
    """interviews.json, files.csv and the files themselves (never a withheld answer's)."""
    return await _interviews(request, "zip", full=False)


def interviews_full(fmt: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The handler of /exports/interviews-full.<fmt>: the team's follow-up data (admins)."""

    @requires("admin")
    async def handler(request: web.Request) -> web.StreamResponse:
        return await _interviews(request, fmt, full=True)

    handler.__name__ = handler.__qualname__ = f"interviews_full_{fmt.replace('.', '_')}"
    return handler


def attribution(row: QuoteRow, view: QuestionnaireView) -> str | None:
    """Who a quote may be credited to, by the respondent's consent; None: leave it out.

    Someone who never answered the quote question has not agreed to be quoted at all, so
    their words are treated as background only. Attributable quotes carry the name and job
    title the respondent typed; until they give one, the quote is credited like an
    anonymised one (never with their Telegram name).
    """
    consent = getattr(row.interview, "quote_consent", None) or "background"
    if consent == "background":
        return None
    credit = getattr(row.interview, "credit", None)
    if consent == "attributable" and credit:
        return str(credit)  # the name and job title they typed, never their Telegram name
    place = view.choice_label("country", row.country) if isinstance(row.country, str) else ""
    level = view.choice_label("level", row.level) if isinstance(row.level, str) else ""
    unit = f"{level.lower()} digital government unit" if level else "digital government unit"
    return f"A {unit}, {place}" if place else f"A {unit}"


def _withheld(row: QuoteRow, personal: frozenset[str]) -> bool:
    """A passage from a personal answer (their role, organisation, contact) would say who
    they are: only quoted with attributable consent, like the answer itself."""
    question_id = split_key(row.quote.answer_key)[0]
    return question_id in personal and not exports.attributable(row.interview)


@requires("viewer")
async def quotes_csv(request: web.Request) -> web.StreamResponse:
    """Quotes with tags, question and place; attribution as consent allows, background never."""
    chosen = filtering.chosen(request)
    view = QuestionnaireView(request.app[SERVICES].questionnaire)
    response = await _start(request, "text/csv; charset=utf-8", "quotes.csv", "quotes", chosen)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(QUOTE_COLUMNS)
    personal = exports.personal_ids(request.app[SERVICES].questionnaire)
    async for batch in stream_quotes(request.app[SERVICES].db, chosen, tag_id=chosen.tag):
        for row in batch:
            credit = attribution(row, view)
            if credit is None or _withheld(row, personal):
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
