"""Aggregates for the landscape page, computed in SQL so they stay quick at 10,000 interviews."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.database import Database
from storage.models import Answer, Interview, Respondent
from storage.review_query import Filters, conditions, json_text
from storage.staff import Quote, QuoteTag, Tag


async def coverage(db: Database, filters: Filters) -> list[tuple[str, str, str, int]]:
    """(country, level, version, interviews) for interviews that answered the country
    question; `version` is the questionnaire version of those with no level answer ("" for
    the others), so a view can tell "not answered" from "not asked in that version"."""
    country = aliased(Answer)
    level = aliased(Answer)
    country_text = json_text(col(country.value), db.backend)
    level_text = func.coalesce(json_text(col(level.value), db.backend), "")
    version = case((col(level.id).is_(None), col(Interview.questionnaire_version)), else_="")
    query = (
        select(country_text, level_text, version, func.count())
        .select_from(Interview)
        .join(
            country,
            and_(col(country.interview_id) == col(Interview.id), col(country.key) == "country"),
        )
        .outerjoin(
            level, and_(col(level.interview_id) == col(Interview.id), col(level.key) == "level")
        )
        .where(and_(True, *conditions(filters, db.backend)))
        .group_by(country_text, level_text, version)
    )
    async with db.reading() as session:
        return [
            (str(c), str(lv), str(v or ""), int(n))
            for c, lv, v, n in await session.execute(query)
            if c
        ]


async def value_counts(
    db: Database, filters: Filters, keys: Iterable[str]
) -> dict[tuple[str, str], int]:
    """How many interviews gave each (scalar) value to each answer key."""
    keys = list(keys)
    if not keys:
        return {}
    value = json_text(col(Answer.value), db.backend)
    query = (
        select(col(Answer.key), value, func.count())
        .join(Interview, col(Interview.id) == col(Answer.interview_id))
        .where(col(Answer.key).in_(keys), *conditions(filters, db.backend))
        .group_by(col(Answer.key), value)
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
            .where(where, col(Interview.status) == "completed")
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
        select(col(Quote.id))
        .join(Interview, col(Interview.id) == col(Quote.interview_id))
        .where(*conditions(filters, db.backend))
        .order_by(col(Quote.id))
    )
    if tag_id is not None:
        tagged = select(col(QuoteTag.quote_id)).where(col(QuoteTag.tag_id) == tag_id)
        query = query.where(col(Quote.id).in_(tagged))
    async with db.reading() as session:
        ids = list(await session.scalars(query))
    for offset in range(0, len(ids), batch):
        chunk = ids[offset : offset + batch]
        async with db.reading() as session:
            rows = (
                await session.execute(
                    select(Quote, Interview, Respondent)
                    .join(Interview, col(Interview.id) == col(Quote.interview_id))
                    .outerjoin(Respondent, col(Respondent.id) == col(Interview.respondent_id))
                    .where(col(Quote.id).in_(chunk))
                    .order_by(col(Quote.id))
                )
            ).all()
            interview_ids = {q.interview_id for q, _, _ in rows}
            fields: dict[tuple[str, str], Any] = {}
            for iid, key, value in await session.execute(
                select(col(Answer.interview_id), col(Answer.key), col(Answer.value)).where(
                    col(Answer.interview_id).in_(interview_ids),
                    col(Answer.key).in_(("country", "level")),
                )
            ):
                fields[(iid, key)] = value
            tags: dict[int, list[Tag]] = {}
            for quote_id, tag in await session.execute(
                select(col(QuoteTag.quote_id), Tag)
                .join(Tag, col(Tag.id) == col(QuoteTag.tag_id))
                .where(col(QuoteTag.quote_id).in_(chunk))
                .order_by(col(Tag.label_en))
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
