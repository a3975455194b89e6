"""Figures about leads for the landscape page: the leads → interviews funnel, reads used.

Each stage counts the leads that reached *at least* that stage, so the funnel never widens:
a lead whose deep link was opened without an invitation reply (shared by hand, say) still
counts as invited, and a dismissed lead keeps the stages it had reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlmodel import col

from storage.database import Database
from storage.mentions import Lead, XCursor


@dataclass(frozen=True)
class LeadFunnel:
    found: int
    invited: int
    started: int
    completed: int
    dismissed: int
    contributions: int


def _count_when(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def lead_funnel(db: Database) -> LeadFunnel:
    started = or_(
        col(Lead.status).in_(("started", "completed")), col(Lead.interview_id).is_not(None)
    )
    invited = or_(col(Lead.invitation_tweet_id).is_not(None), started)
    query = select(
        func.count(),
        _count_when(invited),
        _count_when(started),
        _count_when(col(Lead.status) == "completed"),
        _count_when(col(Lead.status) == "dismissed"),
        _count_when(col(Lead.contribution).is_(True)),
    ).select_from(Lead)
    async with db.reading() as session:
        row = (await session.execute(query)).one()
    return LeadFunnel(*(int(v) for v in row))


async def reads_this_month(db: Database, now: datetime) -> int:
    """Posts the monitor read from X in `now`'s calendar month (UTC), over every watched handle."""
    month = now.strftime("%Y-%m")
    query = select(func.coalesce(func.sum(col(XCursor.reads_used)), 0)).where(
        col(XCursor.month_key) == month
    )
    async with db.reading() as session:
        return int((await session.execute(query)).scalar_one())
