"""Leases: periodic work done once across instances, on SQLite and PostgreSQL alike.

Every instance runs the same job loops; before a run, a loop claims the job's lease row for
one period (`claim`). A claim succeeds only when no unexpired claim exists, so however many
instances share the database, each job runs at most once per period, and a crashed holder
blocks nobody for longer than its period. A row with an expiry (rather than PostgreSQL's
advisory locks) works on both backends and survives connection loss without a session to
hold open; the conditional UPDATE takes the row lock on PostgreSQL, so two claimers racing
for an expired lease cannot both win.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col

from storage.database import Database


class JobLease(SQLModel, table=True):
    """Who ran a periodic job last, and until when nobody else may."""

    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    acquired_at: datetime
    expires_at: datetime
    runs: int = Field(default=0)


async def claim(db: Database, name: str, holder: str, now: datetime, period: timedelta) -> bool:
    """Take the lease on `name` until `now + period`; False if someone else holds it."""
    until = now + period
    async with db.transaction() as session:
        result = await session.execute(
            update(JobLease)
            .where(col(JobLease.name) == name)
            .where(col(JobLease.expires_at) <= now)
            .values(holder=holder, acquired_at=now, expires_at=until, runs=JobLease.runs + 1)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return True
    try:
        async with db.transaction() as session:
            session.add(
                JobLease(name=name, holder=holder, acquired_at=now, expires_at=until, runs=1)
            )
    except IntegrityError:  # the row exists and is held: someone else has this period
        return False
    return True


async def extend(db: Database, name: str, holder: str, until: datetime) -> bool:
    """Keep our lease until `until` (a job that asked to be left alone for longer)."""
    async with db.transaction() as session:
        result = await session.execute(
            update(JobLease)
            .where(col(JobLease.name) == name)
            .where(col(JobLease.holder) == holder)
            .where(col(JobLease.expires_at) < until)
            .values(expires_at=until)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(db: Database, name: str, holder: str, now: datetime) -> None:
    """Give the lease back early (tests; an instance that stops mid-period keeps it)."""
    async with db.transaction() as session:
        await session.execute(
            update(JobLease)
            .where(col(JobLease.name) == name)
            .where(col(JobLease.holder) == holder)
            .values(expires_at=now)
        )


async def get(db: Database, name: str) -> JobLease | None:
    async with db.reading() as session:
        return await session.get(JobLease, name)
