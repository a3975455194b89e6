"""The framework matrix: interviews as rows, chosen answers or tags as columns.

A cell shows the staff summary when one is written, else the answer (or the tagged passages).
Summaries are `matrix_cell` rows, kept apart from the answers they summarise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import col

from storage.database import Database
from storage.models import Answer, Interview
from storage.review_query import Filters, filtered
from storage.staff import MatrixCell, Quote, QuoteTag

PAGE_SIZE = 50
CONTEXT_KEYS = ("country", "level", "role", "relationship")
MAX_SUMMARY = 4000


@dataclass
class MatrixRow:
    interview: Interview
    fields: dict[str, Any]
    answers: dict[str, Any]
    summaries: dict[str, MatrixCell]
    quotes: dict[int, list[Quote]] = field(default_factory=dict)


def _base(filters: Filters, backend: str) -> Any:
    return filtered(filters, backend).where(col(Interview.status) != "withdrawn")


async def _rows(
    session: Any,
    interviews: Sequence[Interview],
    answer_keys: Sequence[str],
    tag_ids: Sequence[int],
) -> list[MatrixRow]:
    ids = [i.id for i in interviews]
    rows = {i.id: MatrixRow(i, {}, {}, {}) for i in interviews}
    for interview_id, key, value in await session.execute(
        select(col(Answer.interview_id), col(Answer.key), col(Answer.value)).where(
            col(Answer.interview_id).in_(ids),
            col(Answer.key).in_([*CONTEXT_KEYS, *answer_keys]),
        )
    ):
        if key in answer_keys:
            rows[interview_id].answers[key] = value
        if key in CONTEXT_KEYS:
            rows[interview_id].fields[key] = value
    for cell in (
        await session.execute(select(MatrixCell).where(col(MatrixCell.interview_id).in_(ids)))
    ).scalars():
        rows[cell.interview_id].summaries[cell.column_key] = cell
    if tag_ids:
        for quote, tag_id in await session.execute(
            select(Quote, col(QuoteTag.tag_id))
            .join(QuoteTag, col(QuoteTag.quote_id) == col(Quote.id))
            .where(col(Quote.interview_id).in_(ids), col(QuoteTag.tag_id).in_(list(tag_ids)))
            .order_by(col(Quote.id))
        ):
            rows[quote.interview_id].quotes.setdefault(tag_id, []).append(quote)
    return [rows[i] for i in ids]


async def matrix_page(
    db: Database,
    filters: Filters,
    answer_keys: Sequence[str],
    tag_ids: Sequence[int],
    page: int,
    per_page: int = PAGE_SIZE,
) -> tuple[list[MatrixRow], int]:
    base = _base(filters, db.backend)
    async with db.reading() as session:
        total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        interviews = (
            (
                await session.execute(
                    base.order_by(col(Interview.started_at).desc(), col(Interview.id))
                    .limit(per_page)
                    .offset((page - 1) * per_page)
                )
            )
            .scalars()
            .all()
        )
        return await _rows(session, interviews, answer_keys, tag_ids), int(total)


async def stream_matrix(
    db: Database,
    filters: Filters,
    answer_keys: Sequence[str],
    tag_ids: Sequence[int],
    batch: int = 500,
) -> AsyncIterator[list[MatrixRow]]:
    """Every row of the matrix, in batches, for the exports (oldest first, like the others)."""
    query = (
        _base(filters, db.backend)
        .with_only_columns(col(Interview.id))
        .order_by(col(Interview.started_at), col(Interview.id))
    )
    async with db.reading() as session:
        ids = [row[0] for row in await session.execute(query)]
    for offset in range(0, len(ids), batch):
        chunk = ids[offset : offset + batch]
        async with db.reading() as session:
            found = {
                i.id: i
                for i in (
                    await session.execute(select(Interview).where(col(Interview.id).in_(chunk)))
                ).scalars()
            }
            interviews = [found[i] for i in chunk if i in found]
            yield await _rows(session, interviews, answer_keys, tag_ids)


async def cell(db: Database, interview_id: str, column_key: str) -> MatrixCell | None:
    async with db.reading() as session:
        return (
            await session.execute(
                select(MatrixCell).where(
                    col(MatrixCell.interview_id) == interview_id,
                    col(MatrixCell.column_key) == column_key,
                )
            )
        ).scalar_one_or_none()


async def save_cell(
    db: Database, interview_id: str, column_key: str, summary: str, by: str, now: datetime
) -> str:
    """Write, change or (when empty) remove a summary; returns "saved", "removed" or "unchanged"."""
    summary = summary.strip()[:MAX_SUMMARY]
    async with db.transaction() as session:
        existing = (
            await session.execute(
                select(MatrixCell).where(
                    col(MatrixCell.interview_id) == interview_id,
                    col(MatrixCell.column_key) == column_key,
                )
            )
        ).scalar_one_or_none()
        if not summary:
            if existing is None:
                return "unchanged"
            await session.execute(delete(MatrixCell).where(col(MatrixCell.id) == existing.id))
            return "removed"
        if existing is not None and existing.summary == summary:
            return "unchanged"
        if existing is None:
            session.add(
                MatrixCell(
                    interview_id=interview_id,
                    column_key=column_key,
                    summary=summary,
                    updated_by=by,
                    updated_at=now,
                )
            )
        else:
            existing.summary, existing.updated_by, existing.updated_at = summary, by, now
        return "saved"
