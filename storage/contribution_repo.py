"""Contributions: tweets that are evidence in themselves, listed, searched and coded.

Used by the staff app (beside interviews), by the mention pages (marking one) and by the
exports. Search is a substring match over the tweet text, author handle and name, with
Unicode case folding done in Python (SQLite's lower() folds only ASCII, and "Ŵ" must find
"ŵ" as "W" finds "w"). Contributions number in the hundreds (the monthly X read budget caps
how many leads there can be), so the texts are scanned rather than indexed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage import tag_links
from storage.contributions import ContributionQuote, ContributionQuoteTag, ContributionTag
from storage.database import Database
from storage.mentions import Lead
from storage.staff import Tag

PAGE_SIZE = 50
BATCH = 500


class ContributionError(ValueError):
    """A request that cannot be applied; the message is shown to the researcher."""


@dataclass(frozen=True)
class ContributionFilters:
    """What a researcher narrowed contributions down to (list, tab counts and exports agree)."""

    q: str = ""
    tag: int | None = None
    language: str = ""
    since: date | None = None
    until: date | None = None


@dataclass
class Contribution:
    """A contribution with its coding, as the views and exports need it."""

    lead: Lead
    tags: list[Tag] = field(default_factory=list)
    quotes: list[tuple[ContributionQuote, list[Tag]]] = field(default_factory=list)


async def _where(session: AsyncSession, filters: ContributionFilters) -> ColumnElement[bool]:
    where: list[ColumnElement[bool]] = [col(Lead.contribution).is_(True)]
    if filters.q:
        needle = filters.q.casefold()
        rows = await session.execute(
            select(col(Lead.id), col(Lead.text), col(Lead.username), col(Lead.name)).where(
                col(Lead.contribution).is_(True)
            )
        )
        found = [
            lead_id
            for lead_id, *texts in rows
            if any(needle in (t or "").casefold() for t in texts)
        ]
        where.append(col(Lead.id).in_(found))
    if filters.tag is not None:
        where.append(
            or_(
                exists().where(
                    col(ContributionTag.lead_id) == col(Lead.id),
                    col(ContributionTag.tag_id) == filters.tag,
                ),
                exists().where(
                    col(ContributionQuote.lead_id) == col(Lead.id),
                    col(ContributionQuoteTag.quote_id) == col(ContributionQuote.id),
                    col(ContributionQuoteTag.tag_id) == filters.tag,
                ),
            )
        )
    if filters.language:
        where.append(col(Lead.lang) == filters.language)
    posted = func.coalesce(col(Lead.tweet_created_at), col(Lead.fetched_at))
    if filters.since:
        where.append(posted >= datetime.combine(filters.since, time.min, UTC))
    if filters.until:
        where.append(posted < datetime.combine(filters.until + timedelta(days=1), time.min, UTC))
    return and_(*where)


_NEWEST = (
    func.coalesce(col(Lead.tweet_created_at), col(Lead.fetched_at)).desc(),
    col(Lead.id).desc(),
)


async def count(db: Database, filters: ContributionFilters) -> int:
    async with db.reading() as session:
        query = select(func.count()).select_from(Lead).where(await _where(session, filters))
        return int((await session.execute(query)).scalar_one())


async def page(
    db: Database, filters: ContributionFilters, number: int = 1
) -> tuple[list[Contribution], int]:
    """One page of contributions, newest post first, with their tags; and the total."""
    async with db.reading() as session:
        where = await _where(session, filters)
        total = int(
            (
                await session.execute(select(func.count()).select_from(Lead).where(where))
            ).scalar_one()
        )
        rows = (
            (
                await session.execute(
                    select(Lead)
                    .where(where)
                    .order_by(*_NEWEST)
                    .offset((max(1, number) - 1) * PAGE_SIZE)
                    .limit(PAGE_SIZE)
                )
            )
            .scalars()
            .all()
        )
        tags = await _tags_of_leads(session, [r.id for r in rows if r.id is not None])
    return [Contribution(r, tags.get(r.id or 0, [])) for r in rows], total


async def stream(db: Database, filters: ContributionFilters) -> AsyncIterator[list[Contribution]]:
    """Every matching contribution with tags and quotes, a batch at a time (exports)."""
    last: int | None = None
    while True:
        async with db.reading() as session:
            query = select(Lead).where(await _where(session, filters))
            if last is not None:
                query = query.where(col(Lead.id) > last)
            rows = (
                (await session.execute(query.order_by(col(Lead.id)).limit(BATCH))).scalars().all()
            )
            if not rows:
                return
            ids = [r.id for r in rows if r.id is not None]
            tags = await _tags_of_leads(session, ids)
            quotes = await _quotes_of_leads(session, ids)
        yield [Contribution(r, tags.get(r.id or 0, []), quotes.get(r.id or 0, [])) for r in rows]
        last = rows[-1].id
        if len(rows) < BATCH:
            return


async def get(db: Database, lead_id: int) -> Contribution | None:
    """A contribution with tags and quotes; None if the lead is missing or not a contribution."""
    async with db.reading() as session:
        lead = await session.get(Lead, lead_id)
        if lead is None or not lead.contribution:
            return None
        tags = await _tags_of_leads(session, [lead_id])
        quotes = await _quotes_of_leads(session, [lead_id])
    return Contribution(lead, tags.get(lead_id, []), quotes.get(lead_id, []))


async def tag_ids_of(db: Database, lead_id: int) -> set[int]:
    async with db.reading() as session:
        rows = await session.execute(
            select(col(ContributionTag.tag_id)).where(col(ContributionTag.lead_id) == lead_id)
        )
        return set(rows.scalars())


# ---------------------------------------------------------------- changes


async def mark(
    db: Database,
    lead_id: int,
    flag: bool,
    *,
    by: str,
    now: datetime,
    note: str | None = None,
    tag_ids: Iterable[int] | None = None,
    labels: Iterable[str] | None = None,
) -> bool:
    """Mark (or unmark) a lead as a contribution; optionally set its note and its tags.

    Tags come from the codebook, by id, or by English label (case-insensitive; a label the
    codebook lacks is added to it, as the codebook's CSV import does). Unmarking keeps the
    coding, so marking again brings it back. False when there is no such lead.
    """
    async with db.transaction() as session:
        lead = await session.get(Lead, lead_id)
        if lead is None:
            return False
        if flag and not lead.contribution:
            lead.contribution_by, lead.contribution_at = by[:64], now
        lead.contribution = flag
        if note is not None:
            lead.note = note.strip() or None
        lead.updated_at = now
        wanted: set[int] | None = None
        if tag_ids is not None:
            wanted = set(tag_ids)
        if labels is not None:
            wanted = (wanted or set()) | await _tag_ids_for_labels(session, labels, now)
        if wanted is not None:
            await _set_tags(session, lead_id, wanted, by, now)
        return True


async def set_tags(
    db: Database, lead_id: int, tag_ids: Iterable[int], by: str, now: datetime
) -> None:
    async with db.transaction() as session:
        lead = await session.get(Lead, lead_id)
        if lead is None or not lead.contribution:
            raise ContributionError("That tweet is not a contribution")
        await _set_tags(session, lead_id, set(tag_ids), by, now)


async def _set_tags(
    session: AsyncSession, lead_id: int, wanted: set[int], by: str, now: datetime
) -> None:
    await tag_links.set_tags(session, tag_links.CONTRIBUTION_TAGS, lead_id, wanted, by=by, now=now)


async def _tag_ids_for_labels(
    session: AsyncSession, labels: Iterable[str], now: datetime
) -> set[int]:
    cleaned = {label.strip()[:200] for label in labels if label.strip()}
    if not cleaned:
        return set()
    known = {
        label.lower(): tag_id
        for tag_id, label in await session.execute(select(col(Tag.id), col(Tag.label_en)))
        if tag_id is not None
    }
    found: set[int] = set()
    for label in sorted(cleaned):
        if label.lower() not in known:
            tag = Tag(label_en=label, label_cy="", description="", created_at=now)
            session.add(tag)
            await session.flush()
            assert tag.id is not None
            known[label.lower()] = tag.id
        found.add(known[label.lower()])
    return found


async def add_quote(
    db: Database,
    lead_id: int,
    start: int,
    end: int,
    text: str,
    tag_ids: Iterable[int],
    by: str,
    now: datetime,
) -> int:
    """Store a passage only if it is exactly `tweet[start:end]` (offsets in code points)."""
    async with db.transaction() as session:
        lead = await session.get(Lead, lead_id)
        if lead is None or not lead.contribution:
            raise ContributionError("That tweet is not a contribution")
        body = lead.text
        if not text.strip():
            raise ContributionError("Select or paste a passage of the tweet")
        place = tag_links.locate_passage(body, start, end, text)
        if place is None:
            raise ContributionError("The passage must be copied exactly from the tweet")
        start, end = place
        quote = ContributionQuote(
            lead_id=lead_id, start=start, end=end, text=text, created_by=by, created_at=now
        )
        session.add(quote)
        await session.flush()
        assert quote.id is not None
        await tag_links.set_tags(session, tag_links.CONTRIBUTION_QUOTE_TAGS, quote.id, tag_ids)
        return quote.id


async def delete_quote(db: Database, quote_id: int) -> ContributionQuote | None:
    async with db.transaction() as session:
        quote = await session.get(ContributionQuote, quote_id)
        if quote is None:
            return None
        await session.execute(
            delete(ContributionQuoteTag).where(col(ContributionQuoteTag.quote_id) == quote_id)
        )
        await session.delete(quote)
        return quote


# ---------------------------------------------------------------- codebook upkeep


# ---------------------------------------------------------------- helpers


async def _tags_of_leads(session: AsyncSession, lead_ids: Sequence[int]) -> dict[int, list[Tag]]:
    found: dict[int, list[Tag]] = {}
    if not lead_ids:
        return found
    rows = await session.execute(
        select(col(ContributionTag.lead_id), Tag)
        .join(Tag, col(Tag.id) == col(ContributionTag.tag_id))
        .where(col(ContributionTag.lead_id).in_(lead_ids))
        .order_by(func.lower(col(Tag.label_en)))
    )
    for lead_id, tag in rows:
        found.setdefault(lead_id, []).append(tag)
    return found


async def _quotes_of_leads(
    session: AsyncSession, lead_ids: Sequence[int]
) -> dict[int, list[tuple[ContributionQuote, list[Tag]]]]:
    found: dict[int, list[tuple[ContributionQuote, list[Tag]]]] = {}
    if not lead_ids:
        return found
    quotes = (
        (
            await session.execute(
                select(ContributionQuote)
                .where(col(ContributionQuote.lead_id).in_(lead_ids))
                .order_by(col(ContributionQuote.id))
            )
        )
        .scalars()
        .all()
    )
    tags: dict[int, list[Tag]] = {}
    ids = [q.id for q in quotes if q.id is not None]
    if ids:
        rows = await session.execute(
            select(col(ContributionQuoteTag.quote_id), Tag)
            .join(Tag, col(Tag.id) == col(ContributionQuoteTag.tag_id))
            .where(col(ContributionQuoteTag.quote_id).in_(ids))
            .order_by(func.lower(col(Tag.label_en)))
        )
        for quote_id, tag in rows:
            tags.setdefault(quote_id, []).append(tag)
    for quote in quotes:
        found.setdefault(quote.lead_id, []).append((quote, tags.get(quote.id or 0, [])))
    return found
