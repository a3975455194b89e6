"""Queries behind the staff views: filtered interview lists, full-text search, aggregates.

Country, level and outcomes are answers (rows of `answer`), so filters are EXISTS subqueries
on the (interview_id, key) unique index. Search uses the SQLite FTS5 trigram index kept by
triggers (see migration 0003), and ILIKE over the answer text on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, exists, func, literal_column, or_, select, text
from sqlalchemy.sql import Select

from storage.database import Database
from storage.models import Answer, Interview, Respondent
from storage.staff import InterviewReview, InterviewTag, Quote, QuoteTag

PAGE_SIZE = 50
SORTS: dict[str, tuple[Any, ...]] = {
    "newest": (Interview.started_at.desc(), Interview.id.desc()),  # type: ignore[attr-defined]
    "oldest": (Interview.started_at.asc(), Interview.id.asc()),  # type: ignore[attr-defined]
    "updated": (Interview.updated_at.desc(), Interview.id.desc()),  # type: ignore[attr-defined]
    "completed": (
        Interview.completed_at.is_(None),  # type: ignore[union-attr]
        Interview.completed_at.desc(),  # type: ignore[union-attr]
        Interview.id.desc(),  # type: ignore[attr-defined]
    ),
}


@dataclass(frozen=True)
class Filters:
    """What a researcher narrowed the interviews down to; shared by list, exports and charts."""

    status: str = ""
    review: str = ""
    country: str = ""
    level: str = ""
    language: str = ""
    source: str = ""
    tag: int | None = None
    since: date | None = None
    until: date | None = None
    q: str = ""
    outcome: tuple[str, str] | None = None  # (area, outcome), from the landscape matrix
    ids: tuple[str, ...] = field(default_factory=tuple)


def json_text(column: Any, backend: str) -> ColumnElement[Any]:
    """A JSON string value as plain text (SQLAlchemy stores JSON with \\u escapes)."""
    if backend == "sqlite":
        return func.json_extract(column, "$")
    # typed as text: as JSON, `== value` compared with '"value"' and ILIKE was not allowed
    return column.op("#>>", return_type=Text())(literal_column("'{}'"))


def _answer_is(backend: str, key: str, value: str) -> ColumnElement[bool]:
    return exists().where(
        Answer.interview_id == Interview.id,
        Answer.key == key,
        json_text(Answer.value, backend) == value,
    )


def _search(backend: str, q: str) -> ColumnElement[bool]:
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if backend == "sqlite" and len(q) >= 3:
        matching = text(
            "SELECT rowid FROM answer_fts WHERE body LIKE :pattern ESCAPE '\\'"
        ).bindparams(pattern=pattern)
        return exists().where(
            Answer.interview_id == Interview.id,
            Answer.id.in_(matching.columns(literal_column("rowid"))),  # type: ignore[union-attr]
        )
    body = json_text(Answer.value, backend)
    condition = (
        body.ilike(pattern, escape="\\") if backend != "sqlite" else body.like(pattern, escape="\\")
    )
    return exists().where(Answer.interview_id == Interview.id, condition)


def conditions(filters: Filters, backend: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.status:
        where.append(Interview.status == filters.status)  # type: ignore[arg-type]
    if filters.review == "new":
        where.append(
            ~exists().where(
                InterviewReview.interview_id == Interview.id, InterviewReview.status != "new"
            )
        )
    elif filters.review:
        where.append(
            exists().where(
                InterviewReview.interview_id == Interview.id,
                InterviewReview.status == filters.review,
            )
        )
    if filters.country:
        where.append(_answer_is(backend, "country", filters.country.upper()))
    if filters.level:
        where.append(_answer_is(backend, "level", filters.level))
    if filters.language:
        where.append(Interview.language == filters.language)  # type: ignore[arg-type]
    if filters.source:
        where.append(Interview.source == filters.source)  # type: ignore[arg-type]
    if filters.tag is not None:
        where.append(
            or_(
                exists().where(
                    InterviewTag.interview_id == Interview.id, InterviewTag.tag_id == filters.tag
                ),
                exists().where(
                    Quote.interview_id == Interview.id,
                    QuoteTag.quote_id == Quote.id,
                    QuoteTag.tag_id == filters.tag,
                ),
            )
        )
    if filters.since is not None:
        where.append(Interview.started_at >= datetime.combine(filters.since, time.min, tzinfo=UTC))  # type: ignore[arg-type]
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=UTC)
        where.append(Interview.started_at < end)  # type: ignore[arg-type]
    if filters.q.strip():
        where.append(_search(backend, filters.q.strip()))
    if filters.outcome is not None:
        area, outcome = filters.outcome
        where.append(_answer_is(backend, f"outcome@{area}", outcome))
    if filters.ids:
        where.append(Interview.id.in_(filters.ids))  # type: ignore[attr-defined]
    return where


def filtered(filters: Filters, backend: str) -> Select[tuple[Interview]]:
    return select(Interview).where(and_(True, *conditions(filters, backend)))


async def count(db: Database, filters: Filters) -> int:
    """How many interviews match (the tab beside contributions shows it)."""
    query = select(func.count()).select_from(filtered(filters, db.backend).subquery())
    async with db.reading() as session:
        return int(await session.scalar(query) or 0)


@dataclass
class ListRow:
    interview: Interview
    fields: dict[str, Any]
    review_status: str


async def interview_page(
    db: Database, filters: Filters, sort: str, page: int, per_page: int = PAGE_SIZE
) -> tuple[list[ListRow], int]:
    """One page of interviews with their country/level and review status, plus the total."""
    base = filtered(filters, db.backend)
    order = SORTS.get(sort, SORTS["newest"])
    async with db.reading() as session:
        total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        interviews = (
            (
                await session.execute(
                    base.order_by(*order).limit(per_page).offset((page - 1) * per_page)
                )
            )
            .scalars()
            .all()
        )
        ids = [i.id for i in interviews]
        field_rows = await session.execute(
            select(Answer.interview_id, Answer.key, Answer.value).where(
                Answer.interview_id.in_(ids),  # type: ignore[attr-defined]
                Answer.key.in_(("country", "level")),  # type: ignore[attr-defined]
            )
        )
        fields: dict[str, dict[str, Any]] = {}
        for interview_id, key, value in field_rows:
            fields.setdefault(interview_id, {})[key] = value
        statuses = dict(
            (
                await session.execute(
                    select(InterviewReview.interview_id, InterviewReview.status).where(
                        InterviewReview.interview_id.in_(ids)  # type: ignore[attr-defined]
                    )
                )
            ).all()
        )
    rows = [ListRow(i, fields.get(i.id, {}), statuses.get(i.id, "new")) for i in interviews]
    return rows, total


async def distinct_values(db: Database) -> dict[str, list[str]]:
    """Choices for the filter form: sources, languages and statuses that occur."""
    async with db.reading() as session:
        out: dict[str, list[str]] = {}
        for name, column in (
            ("source", Interview.source),
            ("language", Interview.language),
            ("status", Interview.status),
        ):
            values = (
                await session.execute(select(column).distinct().where(column.is_not(None)))
            ).scalars()  # type: ignore[union-attr]
            out[name] = sorted(str(v) for v in values)
        country = json_text(Answer.value, db.backend)
        values = (
            await session.execute(select(country).distinct().where(Answer.key == "country"))
        ).scalars()
        out["country"] = sorted(str(v) for v in values if v)
    return out


async def interview_detail(
    db: Database, interview_id: str
) -> tuple[Interview, Respondent | None, Sequence[Answer]] | None:
    async with db.reading() as session:
        interview = await session.get(Interview, interview_id)
        if interview is None:
            return None
        respondent = (
            await session.get(Respondent, interview.respondent_id)
            if interview.respondent_id is not None
            else None
        )
        answers = (
            (
                await session.execute(
                    select(Answer)
                    .where(Answer.interview_id == interview_id)
                    .order_by(Answer.position, Answer.id)
                )
            )
            .scalars()
            .all()
        )
    return interview, respondent, answers


async def delete_interview(db: Database, interview_id: str) -> bool:
    async with db.transaction() as session:
        interview = await session.get(Interview, interview_id)
        if interview is None:
            return False
        for model in (QuoteTag,):
            await session.execute(
                model.__table__.delete().where(  # type: ignore[attr-defined]
                    QuoteTag.quote_id.in_(
                        select(Quote.id).where(Quote.interview_id == interview_id)
                    )  # type: ignore[attr-defined]
                )
            )
        for table_model in (Quote, InterviewTag, InterviewReview, Answer):
            await session.execute(
                table_model.__table__.delete().where(  # type: ignore[attr-defined]
                    table_model.interview_id == interview_id  # type: ignore[attr-defined]
                )
            )
        await session.delete(interview)
    return True


async def stream_interviews(
    db: Database, filters: Filters, batch: int = 500
) -> AsyncIterator[list[tuple[Interview, Respondent | None, list[Answer]]]]:
    """Interviews with respondent and answers, in batches, so exports keep memory flat."""
    query = (
        filtered(filters, db.backend)
        .with_only_columns(Interview.id)  # type: ignore[arg-type]
        .order_by(Interview.started_at, Interview.id)
    )
    async with db.reading() as session:
        ids = [row[0] for row in (await session.execute(query))]
    for offset in range(0, len(ids), batch):
        chunk = ids[offset : offset + batch]
        async with db.reading() as session:
            interviews = (
                await session.execute(
                    select(Interview, Respondent)
                    .outerjoin(Respondent, Respondent.id == Interview.respondent_id)  # type: ignore[arg-type]
                    .where(Interview.id.in_(chunk))  # type: ignore[attr-defined]
                )
            ).all()
            answers: dict[str, list[Answer]] = {}
            for answer in (
                await session.execute(
                    select(Answer)
                    .where(Answer.interview_id.in_(chunk))  # type: ignore[attr-defined]
                    .order_by(Answer.position, Answer.id)
                )
            ).scalars():
                answers.setdefault(answer.interview_id, []).append(answer)
        order = {interview_id: n for n, interview_id in enumerate(chunk)}
        rows = sorted(interviews, key=lambda r: order[r[0].id])
        yield [(i, r, answers.get(i.id, [])) for i, r in rows]
