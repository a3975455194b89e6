"""Repository for coding: the codebook (tags), quotes, interview tags and review verdicts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage import tag_links
from storage.database import Database
from storage.models import Answer
from storage.staff import InterviewReview, InterviewTag, Quote, QuoteTag, Tag


class CodingError(ValueError):
    """A request that cannot be applied; the message is shown to the researcher."""


async def list_tags(db: Database) -> Sequence[Tag]:
    async with db.reading() as session:
        result = await session.execute(select(Tag).order_by(func.lower(col(Tag.label_en))))
        return result.scalars().all()


async def tag_usage(db: Database) -> dict[int, int]:
    """How many interviews, quotes and contributions (tweets and their quotes) carry each tag."""
    async with db.reading() as session:
        return await tag_links.usage(session)


async def _label_taken(session: AsyncSession, label_en: str, except_id: int | None) -> bool:
    query = select(col(Tag.id)).where(func.lower(col(Tag.label_en)) == label_en.lower())
    if except_id is not None:
        query = query.where(col(Tag.id) != except_id)
    return (await session.scalar(query)) is not None


async def create_tag(db: Database, label_en: str, label_cy: str, description: str) -> int:
    async with db.transaction() as session:
        if await _label_taken(session, label_en, None):
            raise CodingError(f"A tag called “{label_en}” already exists")
        tag = Tag(label_en=label_en, label_cy=label_cy, description=description)
        session.add(tag)
        await session.flush()
        assert tag.id is not None
        return tag.id


async def update_tag(
    db: Database, tag_id: int, label_en: str, label_cy: str, description: str
) -> None:
    async with db.transaction() as session:
        tag = await session.get(Tag, tag_id)
        if tag is None:
            raise CodingError("That tag no longer exists")
        if await _label_taken(session, label_en, tag_id):
            raise CodingError(f"A tag called “{label_en}” already exists")
        tag.label_en, tag.label_cy, tag.description = label_en, label_cy, description


async def delete_tag(db: Database, tag_id: int) -> str | None:
    async with db.transaction() as session:
        tag = await session.get(Tag, tag_id)
        if tag is None:
            return None
        await tag_links.forget(session, tag_id)
        await session.delete(tag)
        return tag.label_en


async def merge_tags(db: Database, source_id: int, target_id: int) -> None:
    """Move every use of `source` onto `target`, then delete `source` (Formbricks-style merge)."""
    if source_id == target_id:
        raise CodingError("Choose two different tags to merge")
    async with db.transaction() as session:
        source = await session.get(Tag, source_id)
        target = await session.get(Tag, target_id)
        if source is None or target is None:
            raise CodingError("That tag no longer exists")
        await tag_links.merge(session, source_id, target_id)
        await session.delete(source)


async def import_tags(db: Database, rows: Iterable[tuple[str, str, str]]) -> tuple[int, int]:
    """Create or update tags by English label; returns (created, updated)."""
    created = updated = 0
    async with db.transaction() as session:
        existing = {t.label_en.lower(): t for t in (await session.execute(select(Tag))).scalars()}
        for label_en, label_cy, description in rows:
            tag = existing.get(label_en.lower())
            if tag is None:
                tag = Tag(label_en=label_en, label_cy=label_cy, description=description)
                session.add(tag)
                existing[label_en.lower()] = tag
                created += 1
            else:
                tag.label_cy = label_cy or tag.label_cy
                tag.description = description or tag.description
                updated += 1
    return created, updated


async def interview_tags(db: Database, interview_id: str) -> Sequence[Tag]:
    async with db.reading() as session:
        result = await session.execute(
            select(Tag)
            .join(InterviewTag, col(InterviewTag.tag_id) == col(Tag.id))
            .where(col(InterviewTag.interview_id) == interview_id)
            .order_by(col(Tag.label_en))
        )
        return result.scalars().all()


async def set_interview_tags(
    db: Database, interview_id: str, tag_ids: Iterable[int], by: str, now: datetime
) -> None:
    async with db.transaction() as session:
        await tag_links.set_tags(
            session, tag_links.INTERVIEW_TAGS, interview_id, tag_ids, by=by, now=now
        )


def answer_text(value: object) -> str | None:
    """The text a passage can be taken from: free-text answers only."""
    return value if isinstance(value, str) else None


async def add_quote(
    db: Database,
    interview_id: str,
    answer_key: str,
    start: int,
    end: int,
    text: str,
    tag_ids: Iterable[int],
    by: str,
    now: datetime,
) -> int:
    """Store a passage only if it is exactly `answer[start:end]` (offsets in code points)."""
    async with db.transaction() as session:
        value = await session.scalar(
            select(col(Answer.value)).where(
                col(Answer.interview_id) == interview_id, col(Answer.key) == answer_key
            )
        )
        body = answer_text(value)
        if body is None:
            raise CodingError("Passages can only be taken from free-text answers")
        if not text.strip():
            raise CodingError("Select or paste a passage of the answer")
        place = tag_links.locate_passage(body, start, end, text)
        if place is None:
            raise CodingError("The passage must be copied exactly from the answer")
        start, end = place
        quote = Quote(
            interview_id=interview_id,
            answer_key=answer_key,
            start=start,
            end=end,
            text=text,
            created_by=by,
            created_at=now,
        )
        session.add(quote)
        await session.flush()
        assert quote.id is not None
        await tag_links.set_tags(session, tag_links.QUOTE_TAGS, quote.id, tag_ids)
        return quote.id


async def delete_quote(db: Database, quote_id: int) -> Quote | None:
    async with db.transaction() as session:
        quote = await session.get(Quote, quote_id)
        if quote is None:
            return None
        await session.execute(delete(QuoteTag).where(col(QuoteTag.quote_id) == quote_id))
        await session.delete(quote)
        return quote


async def set_in_pack(db: Database, quote_id: int, in_pack: bool) -> Quote | None:
    """Choose whether a quote goes into the report pack; None when there is no such quote."""
    async with db.transaction() as session:
        quote = await session.get(Quote, quote_id)
        if quote is None:
            return None
        quote.in_pack = in_pack
        return quote


async def quotes_of(db: Database, interview_id: str) -> list[tuple[Quote, list[Tag]]]:
    async with db.reading() as session:
        quotes = (
            (
                await session.execute(
                    select(Quote)
                    .where(col(Quote.interview_id) == interview_id)
                    .order_by(col(Quote.id))
                )
            )
            .scalars()
            .all()
        )
        tags = await _tags_of_quotes(session, [q.id for q in quotes if q.id is not None])
    return [(q, tags.get(q.id or 0, [])) for q in quotes]


async def _tags_of_quotes(session: AsyncSession, quote_ids: list[int]) -> dict[int, list[Tag]]:
    found: dict[int, list[Tag]] = {}
    if not quote_ids:
        return found
    rows = await session.execute(
        select(col(QuoteTag.quote_id), Tag)
        .join(Tag, col(Tag.id) == col(QuoteTag.tag_id))
        .where(col(QuoteTag.quote_id).in_(quote_ids))
        .order_by(col(Tag.label_en))
    )
    for quote_id, tag in rows:
        found.setdefault(quote_id, []).append(tag)
    return found


async def review_of(db: Database, interview_id: str) -> InterviewReview | None:
    async with db.reading() as session:
        return await session.get(InterviewReview, interview_id)


async def save_review(
    db: Database, interview_id: str, status: str, notes: str, by: str, now: datetime
) -> None:
    async with db.transaction() as session:
        review = await session.get(InterviewReview, interview_id)
        if review is None:
            session.add(
                InterviewReview(
                    interview_id=interview_id,
                    status=status,
                    notes=notes,
                    updated_by=by,
                    updated_at=now,
                )
            )
        else:
            await session.execute(
                update(InterviewReview)
                .where(col(InterviewReview.interview_id) == interview_id)
                .values(status=status, notes=notes, updated_by=by, updated_at=now)
            )
