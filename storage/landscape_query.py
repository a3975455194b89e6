"""Aggregates for the landscape page, computed in SQL so they stay quick at 10,000 interviews."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from storage.database import Database
from storage.models import Answer, Interview, Respondent
from storage.review_query import Filters, conditions, json_text
from storage.staff import Quote, QuoteTag, Tag


async def coverage(db: Database, filters: Filters) -> list[tuple[str, str, int]]:
    """(country, level, interviews) for interviews that answered the country question."""
    country = aliased(Answer)
    level = aliased(Answer)
    country_text = json_text(country.value, db.backend)
    level_text = func.coalesce(json_text(level.value, db.backend), "")
    query = (
        select(country_text, level_text, func.count())
        .select_from(Interview)
        .join(country, and_(country.interview_id == Interview.id, country.key == "country"))
        .outerjoin(level, and_(level.interview_id == Interview.id, level.key == "level"))
        .where(and_(True, *conditions(filters, db.backend)))
        .group_by(country_text, level_text)
    )
    async with db.reading() as session:
        return [(str(c), str(lv), int(n)) for c, lv, n in await session.execute(query) if c]


async def value_counts(
    db: Database, filters: Filters, keys: Iterable[str]
) -> dict[tuple[str, str], int]:
    """How many interviews gave each (scalar) value to each answer key."""
    keys = list(keys)
    if not keys:
        return {}
    value = json_text(Answer.value, db.backend)
    query = (
        select(Answer.key, value, func.count())
        .join(Interview, Interview.id == Answer.interview_id)  # type: ignore[arg-type]
        .where(Answer.key.in_(keys), *conditions(filters, db.backend))  # type: ignore[attr-defined]
        .group_by(Answer.key, value)
    )
    async with db.reading() as session:
        return {
            (str(k), str(v)): int(n) for k, v, n in await session.execute(query) if v is not None
        }


@dataclass
class Funnel:
    started: int
    consented: int | None  # None until the consent columns exist
    completed: int


def consent_column() -> Any:
    """The column that says an interview got past consent (None on an older schema)."""
    for name in ("consented_at", "consent_level"):
        column = getattr(Interview, name, None)
        if column is not None:
            return column
    return None


async def funnel(db: Database, filters: Filters) -> Funnel:
    where = and_(True, *conditions(filters, db.backend))
    consent = consent_column()
    async with db.reading() as session:
        started = await session.scalar(select(func.count()).select_from(Interview).where(where))
        completed = await session.scalar(
            select(func.count())
            .select_from(Interview)
            .where(where, Interview.status == "completed")  # type: ignore[arg-type]
        )
        consented = None
        if consent is not None:
            consented = await session.scalar(
                select(func.count()).select_from(Interview).where(where, consent.is_not(None))
            )
    return Funnel(started or 0, consented, completed or 0)


@dataclass
class QuoteRow:
    quote: Quote
    tags: list[Tag]
    interview: Interview
    respondent: Respondent | None
    country: str | None
    level: str | None


async def stream_quotes(
    db: Database, filters: Filters, tag_id: int | None = None, batch: int = 500
) -> AsyncIterator[list[QuoteRow]]:
    """Quotes from the filtered interviews (optionally one tag), in batches."""
    query = (
        select(Quote.id)
        .join(Interview, Interview.id == Quote.interview_id)  # type: ignore[arg-type]
        .where(*conditions(filters, db.backend))
        .order_by(Quote.id)
    )
    if tag_id is not None:
        query = query.where(
            Quote.id.in_(select(QuoteTag.quote_id).where(QuoteTag.tag_id == tag_id))  # type: ignore[union-attr]
        )
    async with db.reading() as session:
        ids = list((await session.execute(query)).scalars())
    for offset in range(0, len(ids), batch):
        chunk = ids[offset : offset + batch]
        async with db.reading() as session:
            rows = (
                await session.execute(
                    select(Quote, Interview, Respondent)
                    .join(Interview, Interview.id == Quote.interview_id)  # type: ignore[arg-type]
                    .outerjoin(Respondent, Respondent.id == Interview.respondent_id)  # type: ignore[arg-type]
                    .where(Quote.id.in_(chunk))  # type: ignore[union-attr]
                    .order_by(Quote.id)
                )
            ).all()
            interview_ids = {q.interview_id for q, _, _ in rows}
            fields: dict[tuple[str, str], Any] = {}
            for iid, key, value in await session.execute(
                select(Answer.interview_id, Answer.key, Answer.value).where(
                    Answer.interview_id.in_(interview_ids),  # type: ignore[attr-defined]
                    Answer.key.in_(("country", "level")),  # type: ignore[attr-defined]
                )
            ):
                fields[(iid, key)] = value
            tags: dict[int, list[Tag]] = {}
            for quote_id, tag in await session.execute(
                select(QuoteTag.quote_id, Tag)
                .join(Tag, Tag.id == QuoteTag.tag_id)  # type: ignore[arg-type]
                .where(QuoteTag.quote_id.in_(chunk))  # type: ignore[attr-defined]
                .order_by(Tag.label_en)
            ):
                tags.setdefault(quote_id, []).append(tag)
        yield [
            QuoteRow(
                q,
                tags.get(q.id or 0, []),
                i,
                r,
                fields.get((i.id, "country")),
                fields.get((i.id, "level")),
            )
            for q, i, r in rows
        ]
