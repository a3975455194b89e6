"""Reminders as rows: planned for idle interviews, claimed atomically, then sent.

The periodic job (handlers/reminders.py) runs `plan()` then sends what `due()` returns,
claiming each row with `claim()` (`UPDATE ... SET sent_at WHERE sent_at IS NULL`) first.
Everything a restart needs is in the table: a planned row that was not claimed is sent by
the next run; a claimed row is never sent again (at most once: see
docs/adr/0002-reminders-at-most-once.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from storage.database import Database
from storage.models import Interview, Reminder, Respondent

IDLE = "idle"
LATER = "later"
RETRY_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=10)


@dataclass(frozen=True)
class Due:
    """A claimed reminder and who it is for, read in one go for the sender."""

    reminder: Reminder
    interview: Interview
    respondent: Respondent


async def plan(
    db: Database, now: datetime, *, after: timedelta, maximum: int, batch: int = 500
) -> int:
    """Add the next idle reminder of every interview that has been idle long enough.

    An interview gets reminder n+1 when it is in progress, its respondent is reachable and
    has not opted out, it has no reminder waiting, fewer than `maximum` idle reminders were
    sent, and `after` has passed since both its last activity and its last reminder. Two
    workers planning at once collide on (interview_id, number) and one insert is dropped.
    Returns the number of rows added.
    """
    if maximum <= 0:
        return 0
    own = col(Reminder.interview_id) == col(Interview.id)
    # Interviews that cannot be due are left out in SQL, so a batch is never filled by them.
    pending = exists().where(and_(own, col(Reminder.sent_at).is_(None)))
    recent = exists().where(
        and_(own, or_(col(Reminder.sent_at) > now - after, col(Reminder.due_at) > now - after))
    )
    idle_count = (
        select(func.count())
        .select_from(Reminder)
        .where(and_(own, col(Reminder.kind) == IDLE))
        .scalar_subquery()
    )
    async with db.reading() as session:
        candidates = (
            await session.execute(
                select(col(Interview.id), col(Interview.updated_at))
                .join(Respondent, col(Respondent.id) == col(Interview.respondent_id))
                .where(col(Interview.status) == "in_progress")
                .where(col(Interview.updated_at) <= now - after)
                .where(col(Respondent.unreachable).is_(False))
                .where(col(Respondent.reminders_opt_out).is_(False))
                .where(~pending)
                .where(~recent)
                .where(idle_count < maximum)
                .order_by(col(Interview.updated_at))
                .limit(batch)
            )
        ).all()
        if not candidates:
            return 0
        ids = [row[0] for row in candidates]
        history = {
            row[0]: row[1:]
            for row in await session.execute(
                select(
                    col(Reminder.interview_id),
                    func.sum(case((col(Reminder.kind) == IDLE, 1), else_=0)),
                    func.max(col(Reminder.sent_at)),
                    func.max(col(Reminder.number)),
                    func.max(col(Reminder.due_at)),
                )
                .where(col(Reminder.interview_id).in_(ids))
                .group_by(col(Reminder.interview_id))
            )
        }
    added = 0
    for interview_id, updated_at in candidates:
        idle_sent, last_sent, last_number, last_due = history.get(interview_id, (0, None, 0, None))
        if int(idle_sent or 0) >= maximum:
            continue
        # After the last reminder sent *or planned*: a row another worker has just added
        # (still unclaimed, so not in `last_sent`) must not be followed by a second one.
        due_at = max(updated_at, last_sent or updated_at, last_due or updated_at) + after
        if due_at > now:
            continue
        row = Reminder(
            interview_id=interview_id,
            number=int(last_number or 0) + 1,
            kind=IDLE,
            due_at=due_at,
            created_at=now,
        )
        if await _insert(db, row):
            added += 1
    return added


async def schedule_later(
    db: Database, interview_id: str, due_at: datetime, now: datetime
) -> Reminder | None:
    """The respondent asked to be reminded later: one "later" row replaces any waiting one."""
    for _attempt in range(3):
        try:
            async with db.transaction() as session:
                await session.execute(
                    delete(Reminder)
                    .where(col(Reminder.interview_id) == interview_id)
                    .where(col(Reminder.sent_at).is_(None))
                )
                last = (
                    await session.execute(
                        select(func.max(col(Reminder.number))).where(
                            col(Reminder.interview_id) == interview_id
                        )
                    )
                ).scalar()
                row = Reminder(
                    interview_id=interview_id,
                    number=int(last or 0) + 1,
                    kind=LATER,
                    due_at=due_at,
                    created_at=now,
                )
                session.add(row)
                await session.flush()
                return row
        except IntegrityError:
            continue
    return None


async def due(db: Database, now: datetime, limit: int = 100) -> list[Reminder]:
    """Unclaimed reminders whose time has come, oldest first."""
    async with db.reading() as session:
        result = await session.execute(
            select(Reminder)
            .where(col(Reminder.sent_at).is_(None))
            .where(col(Reminder.due_at) <= now)
            .order_by(col(Reminder.due_at), col(Reminder.id))
            .limit(limit)
        )
        return list(result.scalars())


async def claim(
    db: Database, reminder_id: int, now: datetime, *, spacing: timedelta | None = None
) -> Due | None:
    """Take a reminder for sending; None when another worker (or an earlier run) has it.

    The interview row is locked first (PostgreSQL; SQLite serialises writers anyway), so
    claims for one interview happen one at a time; with `spacing`, an idle reminder is
    dropped when another reminder of the interview was claimed less than `spacing` ago.
    """
    async with db.transaction() as session:
        interview_id = (
            await session.execute(
                select(col(Reminder.interview_id)).where(col(Reminder.id) == reminder_id)
            )
        ).scalar()
        if interview_id is None:
            return None
        await session.execute(
            select(col(Interview.id)).where(col(Interview.id) == interview_id).with_for_update()
        )
        result = await session.execute(
            update(Reminder)
            .where(col(Reminder.id) == reminder_id)
            .where(col(Reminder.sent_at).is_(None))
            .values(sent_at=now, attempts=col(Reminder.attempts) + 1)
        )
        if _changed(result) != 1:
            return None
        row = (
            await session.execute(
                select(Reminder, Interview, Respondent)
                .join(Interview, col(Interview.id) == col(Reminder.interview_id))
                .join(Respondent, col(Respondent.id) == col(Interview.respondent_id))
                .where(col(Reminder.id) == reminder_id)
            )
        ).first()
        if row is None:
            return None
        due = Due(*row)
        if spacing is not None and due.reminder.kind == IDLE:
            recent = await session.execute(
                select(col(Reminder.id))
                .where(col(Reminder.interview_id) == interview_id)
                .where(col(Reminder.id) != reminder_id)
                .where(col(Reminder.sent_at) > now - spacing)
                .limit(1)
            )
            if recent.first() is not None:
                await session.execute(delete(Reminder).where(col(Reminder.id) == reminder_id))
                return None
        return due


async def finish(db: Database, reminder_id: int, outcome: str) -> None:
    """Record what became of a claimed reminder: sent, skipped, unreachable or failed."""
    async with db.transaction() as session:
        await session.execute(
            update(Reminder).where(col(Reminder.id) == reminder_id).values(outcome=outcome)
        )


async def drop(db: Database, reminder_id: int) -> None:
    """Forget a claimed reminder that no longer applies (the person came back meanwhile)."""
    async with db.transaction() as session:
        await session.execute(delete(Reminder).where(col(Reminder.id) == reminder_id))


async def release(db: Database, reminder: Reminder, now: datetime) -> bool:
    """Telegram certainly did not deliver it: unclaim for a later try, a few times at most."""
    if reminder.attempts >= RETRY_ATTEMPTS:
        await finish(db, reminder.id or 0, "failed")
        return False
    async with db.transaction() as session:
        await session.execute(
            update(Reminder)
            .where(col(Reminder.id) == reminder.id)
            .values(sent_at=None, due_at=now + RETRY_DELAY * reminder.attempts)
        )
    return True


async def opt_out(db: Database, respondent_id: int) -> int:
    """No more reminders for this person: set the flag, drop every waiting reminder."""
    async with db.transaction() as session:
        await session.execute(
            update(Respondent)
            .where(col(Respondent.id) == respondent_id)
            .values(reminders_opt_out=True)
        )
        interviews = select(col(Interview.id)).where(col(Interview.respondent_id) == respondent_id)
        result = await session.execute(
            delete(Reminder)
            .where(col(Reminder.interview_id).in_(interviews))
            .where(col(Reminder.sent_at).is_(None))
        )
        return _changed(result)


async def for_interviews(db: Database, interview_ids: Sequence[str]) -> list[Reminder]:
    """Every reminder of these interviews (for /mydata)."""
    if not interview_ids:
        return []
    async with db.reading() as session:
        result = await session.execute(
            select(Reminder)
            .where(col(Reminder.interview_id).in_(list(interview_ids)))
            .order_by(col(Reminder.interview_id), col(Reminder.number))
        )
        return list(result.scalars())


async def expire(db: Database, now: datetime, *, after: timedelta) -> int:
    """Mark interviews idle for `after` as abandoned (still resumable: see ACTIVE_STATUSES).

    The version is bumped so a handler that read the row before this update retries
    (and its write puts the interview back in progress, as the person is active again).
    """
    async with db.transaction() as session:
        result = await session.execute(
            update(Interview)
            .where(col(Interview.status) == "in_progress")
            .where(col(Interview.updated_at) <= now - after)
            .values(status="abandoned", version=col(Interview.version) + 1)
        )
        return _changed(result)


async def _insert(db: Database, row: Reminder) -> bool:
    try:
        async with db.transaction() as session:
            session.add(row)
    except IntegrityError:
        return False
    return True


def _changed(result: Any) -> int:
    """Rows an UPDATE or DELETE touched."""
    return int(result.rowcount)
