"""The tables that link a codebook tag to what it codes, and what coding them shares.

A tag (storage/staff.py `Tag`) codes interviews, interview quotes, contributions (tweets)
and contribution quotes; each has a link table of (owner, tag_id) pairs. Setting an owner's
tags, counting, forgetting and merging a tag's uses, and checking that a quoted passage is
really in its text are the same for all of them, so they are written once here and
storage/coding_repo.py and storage/contribution_repo.py run them in their own transactions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Column, Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from storage.contributions import ContributionQuoteTag, ContributionTag
from storage.staff import InterviewTag, QuoteTag, Tag


def _table(model: type[SQLModel]) -> Table:
    return SQLModel.metadata.tables[str(model.__tablename__)]


INTERVIEW_TAGS = _table(InterviewTag)
QUOTE_TAGS = _table(QuoteTag)
CONTRIBUTION_TAGS = _table(ContributionTag)
CONTRIBUTION_QUOTE_TAGS = _table(ContributionQuoteTag)
TAG_LINKS = (INTERVIEW_TAGS, QUOTE_TAGS, CONTRIBUTION_TAGS, CONTRIBUTION_QUOTE_TAGS)


def _owner(table: Table) -> Column[object]:
    """The link's other key column (interview_id, quote_id or lead_id)."""
    (owner,) = [c for c in table.primary_key.columns if c.name != "tag_id"]
    return owner


async def existing(session: AsyncSession, wanted: Iterable[int]) -> set[int]:
    """The ids that still name a tag (another researcher may have deleted one meanwhile)."""
    ids = set(wanted)
    if not ids:
        return set()
    found = await session.scalars(select(col(Tag.id)).where(col(Tag.id).in_(ids)))
    return {tag_id for tag_id in found if tag_id is not None}


async def set_tags(
    session: AsyncSession,
    table: Table,
    owner_id: int | str,
    wanted: Iterable[int],
    *,
    by: str | None = None,
    now: datetime | None = None,
) -> None:
    """Make `wanted` (those that still exist) the tags of one owner; a kept tag keeps who
    added it and when. `by` and `now` are for the tables that record them."""
    owner = _owner(table)
    valid = await existing(session, wanted)
    current = set(await session.scalars(select(table.c.tag_id).where(owner == owner_id)))
    if current - valid:
        await session.execute(
            delete(table).where(owner == owner_id, table.c.tag_id.in_(current - valid))
        )
    added = sorted(valid - current)
    if added:
        stamp = {} if by is None else {"created_by": by, "created_at": now}
        await session.execute(
            insert(table), [{owner.name: owner_id, "tag_id": t, **stamp} for t in added]
        )


def locate_passage(body: str, start: int, end: int, text: str) -> tuple[int, int] | None:
    """Where a quoted passage stands in `body`: at `start:end` if it is exactly there, else
    where it occurs once; None if it is not in `body` or is ambiguous."""
    if 0 <= start < end <= len(body) and body[start:end] == text:
        return start, end
    found = body.find(text)
    if found < 0 or body.find(text, found + 1) >= 0:
        return None
    return found, found + len(text)


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
