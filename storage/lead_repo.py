"""Persistence of the mention monitor: the watched account, the poll cursor, leads, replies.

Every query the monitor (bot/mentions/monitor.py) and the lead lifecycle
(bot/mentions/leads.py) run is here; they decide *what* happens (which tweets become leads,
how the cursor moves, when an invitation may go out) and call these to read and write.
A page of leads is stored in one transaction together with its cursor row, so whatever is
committed is consistent (see the monitor's docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.database import Database
from storage.mentions import LEAD_STATUSES, Lead, XAccount, XCursor, XReply
from storage.models import Interview

PROGRESS = {"new": 0, "invited": 1, "started": 2, "completed": 3}
"""How far a lead has come: an interview moves it forward only (or back from `dismissed`)."""

# ------------------------------------------------------------------ account and cursor


async def account_user_id(db: Database, handle: str) -> str | None:
    """The watched handle's X user id, if it was looked up before."""
    async with db.reading() as session:
        row = await session.get(XAccount, handle)
    return row.user_id if row is not None else None


async def remember_account(db: Database, handle: str, user_id: str, now: datetime) -> None:
    """Store a looked-up user id (the first lookup wins)."""
    async with db.transaction() as session:
        if await session.get(XAccount, handle) is None:
            session.add(XAccount(handle=handle, user_id=user_id, looked_up_at=now))


async def cursor(db: Database, handle: str) -> XCursor:
    """Where polling stands for `handle` (a fresh, unsaved cursor before the first poll)."""
    async with db.reading() as session:
        return await session.get(XCursor, handle) or XCursor(handle=handle)


async def poll_state(db: Database) -> tuple[list[XCursor], dict[str, XAccount]]:
    """Every cursor and every looked-up account (by handle), for the usage figures."""
    async with db.reading() as session:
        cursors = list((await session.execute(select(XCursor))).scalars())
        accounts = {a.handle: a for a in (await session.execute(select(XAccount))).scalars()}
    return cursors, accounts


async def _cursor_row(session: AsyncSession, handle: str) -> XCursor:
    row = await session.get(XCursor, handle)
    if row is None:
        row = XCursor(handle=handle)
        session.add(row)
    return row


async def record_poll_error(db: Database, handle: str, error: str, now: datetime) -> None:
    async with db.transaction() as session:
        row = await _cursor_row(session, handle)
        row.last_error = error[:500]
        row.last_poll_at = now


@dataclass
class SavedPage:
    """What `save_page` stored: the new leads' ids, the cursor as committed."""

    cursor: XCursor
    new_lead_ids: list[int] = field(default_factory=list)
    duplicates: int = 0
    excluded: int = 0


async def save_page(
    db: Database,
    handle: str,
    tweets: Sequence[tuple[str, Lead | None]],
    move_cursor: Callable[[XCursor], None],
) -> SavedPage:
    """Store one page in one transaction: each (tweet id, lead) not stored before (a tweet id
    seen twice, here or earlier, is a duplicate; a None lead is an excluded tweet), and the
    cursor row as `move_cursor` changes it."""
    async with db.transaction() as session:
        row = await _cursor_row(session, handle)
        move_cursor(row)
        saved = SavedPage(cursor=row)
        ids = [tweet_id for tweet_id, _ in tweets]
        existing: set[str] = set()
        if ids:
            found = await session.execute(
                select(col(Lead.tweet_id)).where(col(Lead.tweet_id).in_(ids))
            )
            existing = set(found.scalars())
        added: list[Lead] = []
        for tweet_id, lead in tweets:
            if tweet_id in existing:
                saved.duplicates += 1
                continue
            existing.add(tweet_id)
            if lead is None:
                saved.excluded += 1
                continue
            session.add(lead)
            added.append(lead)
        await session.flush()
        saved.new_lead_ids = [lead.id for lead in added if lead.id is not None]
    return saved


# ------------------------------------------------------------------ leads


async def get_lead(db: Database, lead_id: int) -> Lead | None:
    async with db.reading() as session:
        return await session.get(Lead, lead_id)


async def leads_scoring_at_least(db: Database, lead_ids: list[int], score: int) -> list[Lead]:
    async with db.reading() as session:
        rows = await session.execute(
            select(Lead).where(col(Lead.id).in_(lead_ids), col(Lead.score) >= score)
        )
        return list(rows.scalars())


async def list_leads(
    db: Database,
    *,
    status: str | None = None,
    min_score: int | None = None,
    lang: str | None = None,
    contribution: bool | None = None,
    q: str | None = None,
    limit: int = 200,
) -> list[Lead]:
    """Leads for the staff list, best first within each day."""
    stmt = select(Lead)
    if status:
        stmt = stmt.where(col(Lead.status) == status)
    if min_score is not None:
        stmt = stmt.where(col(Lead.score) >= min_score)
    if lang:
        stmt = stmt.where(col(Lead.lang) == lang)
    if contribution is not None:
        stmt = stmt.where(col(Lead.contribution) == contribution)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            func.lower(Lead.text).like(like)
            | func.lower(func.coalesce(Lead.username, "")).like(like)
            | func.lower(func.coalesce(Lead.note, "")).like(like)
        )
    stmt = stmt.order_by(col(Lead.fetched_at).desc(), col(Lead.score).desc()).limit(limit)
    async with db.reading() as session:
        return list((await session.execute(stmt)).scalars())


async def set_status(db: Database, lead_id: int, status: str, now: datetime) -> bool:
    """Staff triage (dismiss, or back to new); False if there is no such lead."""
    if status not in LEAD_STATUSES:
        raise ValueError(f"unknown lead status {status!r}")
    async with db.transaction() as session:
        lead = await session.get(Lead, lead_id)
        if lead is None:
            return False
        lead.status, lead.updated_at = status, now
        return True


async def follow_interview(
    db: Database, lead_id: int, interview_id: str, status: str, now: datetime
) -> bool:
    """Move a lead to `status` (`started` or `completed`) of the interview its deep link
    opened, never backwards; True if anything changed."""
    async with db.transaction() as session:
        lead = await session.get(Lead, lead_id)
        if lead is None:
            return False
        changed = False
        if PROGRESS.get(lead.status, -1) < PROGRESS[status] or lead.status == "dismissed":
            lead.status = status
            changed = True
        if lead.interview_id != interview_id:
            lead.interview_id = interview_id
            changed = True
        if changed:
            lead.updated_at = now
        return changed


async def lead_interviews(db: Database) -> list[tuple[str, str | None, str]]:
    """(interview id, source, status) of every interview opened from a lead's deep link."""
    async with db.reading() as session:
        rows = await session.execute(
            select(col(Interview.id), col(Interview.source), col(Interview.status)).where(
                col(Interview.source).like("lead-%")
            )
        )
        return [(i, s, st) for i, s, st in rows.all()]


# ------------------------------------------------------------------ replies


async def replies(db: Database, lead_id: int) -> list[XReply]:
    async with db.reading() as session:
        stmt = select(XReply).where(col(XReply.lead_id) == lead_id).order_by(col(XReply.id))
        return list((await session.execute(stmt)).scalars())


async def automatic_replies_on(db: Database, now: datetime) -> int:
    """Automatic replies sent without error on `now`'s calendar day (UTC)."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    async with db.reading() as session:
        stmt = (
            select(func.count())
            .select_from(XReply)
            .where(
                col(XReply.automatic).is_(True),
                col(XReply.sent_at) >= start,
                col(XReply.sent_at) < start + timedelta(days=1),
                col(XReply.error).is_(None),
            )
        )
        return int((await session.execute(stmt)).scalar_one())


async def record_reply(db: Database, reply: XReply, *, accepted: bool) -> None:
    """Store an invitation attempt and, if X accepted it (or it was a dry run), update its
    lead: the text always, and when really sent the reply id, who and when, `invited`."""
    async with db.transaction() as session:
        session.add(reply)
        lead = await session.get(Lead, reply.lead_id)
        if lead is None or not accepted:
            return
        lead.invitation_text = reply.text
        if not reply.dry_run:
            lead.invitation_tweet_id = reply.reply_tweet_id
            lead.invited_at = reply.sent_at
            lead.invited_by = reply.staff_user
            if lead.status in ("new", "dismissed"):
                lead.status = "invited"
        lead.updated_at = reply.sent_at
