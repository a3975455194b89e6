"""The tables that link a codebook tag to what it codes, and the upkeep they share.

A tag (storage/staff.py `Tag`) codes interviews, interview quotes, contributions (tweets)
and contribution quotes; each has a link table of (owner, tag_id) pairs. Counting, forgetting
and merging a tag's uses is the same for all four, so it is written once here and the
codebook (storage/coding_repo.py) runs it inside its own transaction.
"""

from __future__ import annotations

from sqlalchemy import Column, Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from storage.contributions import ContributionQuoteTag, ContributionTag
from storage.staff import InterviewTag, QuoteTag

TAG_LINKS: tuple[Table, ...] = tuple(
    SQLModel.metadata.tables[str(model.__tablename__)]
    for model in (InterviewTag, QuoteTag, ContributionTag, ContributionQuoteTag)
)


def _owner(table: Table) -> Column[object]:
    """The link's other key column (interview_id, quote_id or lead_id)."""
    (owner,) = [c for c in table.primary_key.columns if c.name != "tag_id"]
    return owner


async def usage(session: AsyncSession) -> dict[int, int]:
    """How many interviews, quotes, contributions and contribution quotes carry each tag."""
    counts: dict[int, int] = {}
    for table in TAG_LINKS:
        rows = await session.execute(select(table.c.tag_id, func.count()).group_by(table.c.tag_id))
        for tag_id, count in rows:
            counts[tag_id] = counts.get(tag_id, 0) + count
    return counts


async def forget(session: AsyncSession, tag_id: int) -> None:
    """Remove every use of a tag (before the tag itself is deleted)."""
    for table in TAG_LINKS:
        await session.execute(delete(table).where(table.c.tag_id == tag_id))


async def merge(session: AsyncSession, source_id: int, target_id: int) -> None:
    """Every use of `source` becomes a use of `target`, keeping who and when; where the
    owner already carries `target` the `source` use is dropped (no doubles)."""
    for table in TAG_LINKS:
        owner = _owner(table)
        has_target = select(owner).where(table.c.tag_id == target_id)
        await session.execute(
            update(table)
            .where(table.c.tag_id == source_id, owner.not_in(has_target))
            .values(tag_id=target_id)
        )
        await session.execute(delete(table).where(table.c.tag_id == source_id))
