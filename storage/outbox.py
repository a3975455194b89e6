"""The outbox: replies Telegram did not take after the transport's retries, as rows.

A row is one message (the Bot API parameters of a sendMessage) for one chat, in the order the
reply had them. The job (handlers/outbox.py) claims a row (`claim`: a conditional UPDATE of
`claimed_until`, so of two instances only one sends it), sends it, and deletes it (`finish`);
on failure the chat's rows wait with exponential backoff (`back_off`). Only a chat's oldest row
can be claimed, so its messages arrive in order whoever sends them. A row that belongs to an
interview step carries the interview's version: once the interview has moved on, a later reply
asked afresh and the row is dropped rather than shown out of turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.database import Database
from storage.models import Interview, OutboxMessage


async def enqueue(
    db: Database,
    *,
    respondent_id: int,
    chat_id: int,
    payloads: Sequence[dict[str, Any]],
    now: datetime,
    update_id: int | None = None,
    interview_id: str | None = None,
    interview_version: int | None = None,
    first_attempt: timedelta = timedelta(0),
) -> list[int]:
    """Queue messages for a chat, in order; returns their row ids."""
    rows = [
        OutboxMessage(
            respondent_id=respondent_id,
            chat_id=chat_id,
            update_id=update_id,
            interview_id=interview_id,
            interview_version=interview_version,
            payload=payload,
            created_at=now,
            next_attempt_at=now + first_attempt,
        )
        for payload in payloads
    ]
    async with db.transaction() as session:
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows if row.id is not None]


async def due(
    db: Database, now: datetime, limit: int = 200, chat_id: int | None = None
) -> list[OutboxMessage]:
    """Unclaimed rows whose time has come (all of one chat's rows when `chat_id` is given),
    oldest first."""
    query = select(OutboxMessage).where(
        or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now)
    )
    if chat_id is None:
        query = query.where(col(OutboxMessage.next_attempt_at) <= now)
    else:
        query = query.where(col(OutboxMessage.chat_id) == chat_id)
    async with db.reading() as session:
        result = await session.execute(query.order_by(col(OutboxMessage.id)).limit(limit))
        return list(result.scalars())


async def pending(db: Database, chat_id: int | None = None) -> list[OutboxMessage]:
    """Every row still waiting (of one chat), oldest first."""
    query = select(OutboxMessage).order_by(col(OutboxMessage.id))
    if chat_id is not None:
        query = query.where(col(OutboxMessage.chat_id) == chat_id)
    async with db.reading() as session:
        return list((await session.execute(query)).scalars())


async def claim(
    db: Database, row_id: int, now: datetime, lease: timedelta, *, early: bool = False
) -> bool:
    """Take a row for `lease`; False when it is gone, another worker holds it, an older row of
    its chat still waits (a chat's messages go in order), or its backoff has not run out
    (unless `early`: the update came again). One conditional UPDATE: of two workers racing
    for a row, one wins (PostgreSQL's row lock; SQLite has one writer)."""
    older = aliased(OutboxMessage)
    first_of_chat = ~exists().where(
        col(older.chat_id) == col(OutboxMessage.chat_id), col(older.id) < col(OutboxMessage.id)
    )
    query = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id)
        .where(
            or_(
                col(OutboxMessage.claimed_until).is_(None),
                col(OutboxMessage.claimed_until) < now,
            )
        )
        .where(first_of_chat)
    )
    if not early:
        query = query.where(col(OutboxMessage.next_attempt_at) <= now)
    async with db.transaction() as session:
        result = await session.execute(query.values(claimed_until=now + lease))
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish(db: Database, row_id: int) -> None:
    """Delivered, superseded or undeliverable: the row (and its text) goes."""
    async with db.transaction() as session:
        await session.execute(delete(OutboxMessage).where(col(OutboxMessage.id) == row_id))


async def drop_chat(db: Database, chat_id: int) -> int:
    """Nothing more can reach this chat (the person blocked the bot)."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(OutboxMessage).where(col(OutboxMessage.chat_id) == chat_id)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


async def back_off(db: Database, chat_id: int, now: datetime, delay: timedelta) -> None:
    """Not delivered: the chat's rows (kept in order) wait `delay`, and count an attempt."""
    async with db.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.chat_id) == chat_id)
            .values(
                attempts=OutboxMessage.attempts + 1,
                next_attempt_at=now + delay,
                claimed_until=None,
            )
        )


async def current_version(db: Database, interview_id: str) -> int | None:
    async with db.reading() as session:
        result = await session.execute(
            select(col(Interview.version)).where(col(Interview.id) == interview_id)
        )
        return result.scalar_one_or_none()


async def shown(db: Database, interview_id: str, version: int) -> None:
    """The question of this step is on screen at last: the next message is its answer."""
    async with db.transaction() as session:
        await session.execute(
            update(Interview)
            .where(col(Interview.id) == interview_id)
            .where(col(Interview.version) == version)
            .values(reask=False)
        )


async def prune(db: Database, before: datetime) -> int:
    """Rows older than Telegram's patience (and anyone's): dropped."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(OutboxMessage).where(col(OutboxMessage.created_at) < before)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
