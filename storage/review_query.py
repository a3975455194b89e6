"""Queries behind the staff views: filtered interview lists, full-text search, aggregates.

Country, level and outcomes are answers (rows of `answer`), so filters are EXISTS subqueries
on the (interview_id, key) unique index. Search uses the SQLite FTS5 trigram index kept by
triggers (see migration 0003), and ILIKE over the answer text on PostgreSQL, served by the
pg_trgm index of migration 0012 (storage/answer_search.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import col

from storage import answer_search
from storage.database import Database
from storage.models import Answer, Interview, Respondent
from storage.staff import InterviewReview, InterviewTag, MatrixCell, Quote, QuoteTag

PAGE_SIZE = 50
SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "newest": (col(Interview.started_at).desc(), col(Interview.id).desc()),
    "oldest": (col(Interview.started_at).asc(), col(Interview.id).asc()),
    "updated": (col(Interview.updated_at).desc(), col(Interview.id).desc()),
    "completed": (
        col(Interview.completed_at).is_(None),
        col(Interview.completed_at).desc(),
        col(Interview.id).desc(),
    ),
}


#: `Filters.level` for interviews whose questionnaire version does not ask the level
NOT_ASKED = "not_asked"


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
    #: with `level == NOT_ASKED`: the questionnaire versions that do not ask the level (the
    #: questionnaire knows them, storage does not)
    level_not_asked_in: tuple[str, ...] | None = None


def json_text(column: SQLCoreOperations[Any], backend: str) -> ColumnElement[Any]:
    """A JSON string value as plain text (SQLAlchemy stores JSON with \\u escapes)."""
    if backend == "sqlite":
        # the path as a literal, not a bound parameter: an expression index (0025) matches only
        # the same expression
        return func.json_extract(column, literal_column("'$'"))
    # typed as text: as JSON, `== value` compared with '"value"' and ILIKE was not allowed
    return column.op("#>>", return_type=Text())(literal_column("'{}'"))


def _answer_is(backend: str, key: str, value: str) -> ColumnElement[bool]:
    # an alias of its own, so it never correlates with an outer query over `answer`
    # (the landscape's value counts select from `answer` and filter by country)
    answer = aliased(Answer)
    return exists().where(
        col(answer.interview_id) == col(Interview.id),
        col(answer.key) == key,
        json_text(col(answer.value), backend) == value,
    )


def search_pattern(q: str) -> str:
    """The LIKE pattern for a literal substring."""
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _search(backend: str, q: str, *, common: bool = False) -> ColumnElement[bool]:
    """Interviews with an answer containing `q` (case-insensitive).

    SQLite: the FTS5 trigram index, asked with MATCH (see storage/answer_search.py). PostgreSQL:
    ILIKE on the answer text, which the pg_trgm index serves; `common` (a word most interviews
    contain) checks interview by interview instead and stops at the first matching answer
    (OFFSET 0 keeps the planner from turning it into a join over every matching answer).
    """
    answer = aliased(Answer)  # never correlated with an outer query over `answer`
    pattern = search_pattern(q)
    if backend == "sqlite" and len(q) >= 3:
        matching = text("SELECT rowid FROM answer_fts WHERE answer_fts MATCH :phrase").bindparams(
            phrase=answer_search.fts_phrase(q)
        )
        return exists().where(
            col(answer.interview_id) == col(Interview.id),
            col(answer.id).in_(matching.columns(literal_column("rowid"))),
        )
    body = json_text(col(answer.value), backend)
    condition = (
        body.ilike(pattern, escape="\\") if backend != "sqlite" else body.like(pattern, escape="\\")
    )
    if common and backend == "postgresql":
        return (
            select(literal_column("1"))
            .where(col(answer.interview_id) == col(Interview.id), condition)
            .offset(0)
            .exists()
        )
    return exists().where(col(answer.interview_id) == col(Interview.id), condition)


def conditions(
    filters: Filters, backend: str, *, common_search: bool = False
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.status:
        where.append(col(Interview.status) == filters.status)
    if filters.review == "new":
        where.append(
            ~exists().where(
                col(InterviewReview.interview_id) == col(Interview.id),
                col(InterviewReview.status) != "new",
            )
        )
    elif filters.review:
        where.append(
            exists().where(
                col(InterviewReview.interview_id) == col(Interview.id),
                col(InterviewReview.status) == filters.review,
            )
        )
    if filters.country:
        where.append(_answer_is(backend, "country", filters.country.upper()))
    if filters.level == NOT_ASKED:
        if filters.level_not_asked_in is None:
            raise ValueError("level=not_asked needs the versions that do not ask it")
        where.append(col(Interview.questionnaire_version).in_(filters.level_not_asked_in))
    elif filters.level:
        where.append(_answer_is(backend, "level", filters.level))
    if filters.language:
        where.append(col(Interview.language) == filters.language)
    if filters.source:
        where.append(col(Interview.source) == filters.source)
    if filters.tag is not None:
        where.append(
            or_(
                exists().where(
                    col(InterviewTag.interview_id) == col(Interview.id),
                    col(InterviewTag.tag_id) == filters.tag,
                ),
                exists().where(
                    col(Quote.interview_id) == col(Interview.id),
                    col(QuoteTag.quote_id) == col(Quote.id),
                    col(QuoteTag.tag_id) == filters.tag,
                ),
            )
        )
    if filters.since is not None:
        start = datetime.combine(filters.since, time.min, tzinfo=UTC)
        where.append(col(Interview.started_at) >= start)
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=UTC)
        where.append(col(Interview.started_at) < end)
    if filters.q.strip():
        where.append(_search(backend, filters.q.strip(), common=common_search))
    if filters.outcome is not None:
        area, outcome = filters.outcome
        where.append(_answer_is(backend, f"outcome@{area}", outcome))
    if filters.ids:
        where.append(col(Interview.id).in_(filters.ids))
    return where


def filtered(filters: Filters, backend: str, *, common_search: bool = False) -> Select[Interview]:
    where = conditions(filters, backend, common_search=common_search)
    return select(Interview).where(and_(True, *where))


async def _filtered(db: Database, filters: Filters) -> Select[Interview]:
    """`filtered`, with the search shaped for how common its word is (PostgreSQL)."""
    q = filters.q.strip()
    common = bool(q) and await answer_search.common(db, search_pattern(q))
    return filtered(filters, db.backend, common_search=common)


async def count(db: Database, filters: Filters) -> int:
    """How many interviews match (the tab beside contributions shows it)."""
    query = select(func.count()).select_from((await _filtered(db, filters)).subquery())
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
    base = await _filtered(db, filters)
    order = SORTS.get(sort, SORTS["newest"])
    paged = base.order_by(*order).limit(per_page).offset((page - 1) * per_page)
    async with db.reading() as session:
        if filters.q.strip():
            # A search builds its set of matching answers once for the page and its total
            # (`count(*) OVER ()`); a separate count would build it again, which was half the
            # time of a search that matches every interview. Without a search the page reads
            # the first rows of an index and the count reads another, cheaper apart.
            found = (await session.execute(paged.add_columns(func.count().over()))).all()
            interviews = [row[0] for row in found]
            total = found[0][1] if found else None
        else:
            interviews = list((await session.execute(paged)).scalars().all())
            total = None
        if total is None:  # no search, or a page past the end
            total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        ids = [i.id for i in interviews]
        field_rows = await session.execute(
            select(col(Answer.interview_id), col(Answer.key), col(Answer.value)).where(
                col(Answer.interview_id).in_(ids),
                col(Answer.key).in_(("country", "level", "role", "relationship")),
            )
        )
        fields: dict[str, dict[str, Any]] = {}
        for interview_id, key, value in field_rows:
            fields.setdefault(interview_id, {})[key] = value
        statuses: dict[str, str] = {
            interview_id: status
            for interview_id, status in await session.execute(
                select(col(InterviewReview.interview_id), col(InterviewReview.status)).where(
                    col(InterviewReview.interview_id).in_(ids)
                )
            )
        }
    rows = [ListRow(i, fields.get(i.id, {}), statuses.get(i.id, "new")) for i in interviews]
    return rows, total


async def distinct_values(db: Database) -> dict[str, list[str]]:
    """Choices for the filter form: sources, languages and statuses that occur."""
    async with db.reading() as session:
        out: dict[str, list[str]] = {}
        columns: tuple[tuple[str, SQLCoreOperations[str | None]], ...] = (
            ("source", col(Interview.source)),
            ("language", col(Interview.language)),
            ("status", col(Interview.status)),
        )
        for name, column in columns:
            values = await session.scalars(select(column).distinct().where(column.is_not(None)))
            out[name] = sorted(str(v) for v in values)
        # the key as a literal, as the partial index that serves this says it (0025)
        country = json_text(col(Answer.value), db.backend)
        countries = await session.scalars(
            select(country).distinct().where(col(Answer.key) == literal_column("'country'"))
        )
        out["country"] = sorted(str(v) for v in countries if v)
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
                    .where(col(Answer.interview_id) == interview_id)
                    .order_by(col(Answer.position), col(Answer.id))
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
        quotes = select(col(Quote.id)).where(col(Quote.interview_id) == interview_id)
        await session.execute(delete(QuoteTag).where(col(QuoteTag.quote_id).in_(quotes)))
        await session.execute(delete(Quote).where(col(Quote.interview_id) == interview_id))
        await session.execute(
            delete(InterviewTag).where(col(InterviewTag.interview_id) == interview_id)
        )
        await session.execute(
            delete(InterviewReview).where(col(InterviewReview.interview_id) == interview_id)
        )
        await session.execute(
            delete(MatrixCell).where(col(MatrixCell.interview_id) == interview_id)
        )
        await session.execute(delete(Answer).where(col(Answer.interview_id) == interview_id))
        await session.delete(interview)
    return True


async def stream_interviews(
    db: Database, filters: Filters, batch: int = 500
) -> AsyncIterator[list[tuple[Interview, Respondent | None, list[Answer]]]]:
    """Interviews with respondent and answers, in batches, so exports keep memory flat."""
    query = (
        filtered(filters, db.backend)
        .with_only_columns(col(Interview.id))
        .order_by(col(Interview.started_at), col(Interview.id))
    )
    async with db.reading() as session:
        ids = [row[0] for row in (await session.execute(query))]
    for offset in range(0, len(ids), batch):
        chunk = ids[offset : offset + batch]
        async with db.reading() as session:
            interviews = (
                await session.execute(
                    select(Interview, Respondent)
                    .outerjoin(Respondent, col(Respondent.id) == col(Interview.respondent_id))
                    .where(col(Interview.id).in_(chunk))
                )
            ).all()
            answers: dict[str, list[Answer]] = {}
            for answer in (
                await session.execute(
                    select(Answer)
                    .where(col(Answer.interview_id).in_(chunk))
                    .order_by(col(Answer.position), col(Answer.id))
                )
            ).scalars():
                answers.setdefault(answer.interview_id, []).append(answer)
        order = {interview_id: n for n, interview_id in enumerate(chunk)}
        rows = sorted(interviews, key=lambda r: order[r[0].id])
        yield [(i, r, answers.get(i.id, [])) for i, r in rows]
