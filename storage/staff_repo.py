"""Repository for staff accounts, sessions, sign-in attempts and the audit log.

Each function is one transaction. Passwords are hashed by the caller (bot.web.accounts):
storage holds only what it is given and imports none of our packages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlmodel import col

from storage.database import Database
from storage.staff import AuditLog, LoginAttempt, StaffSession, StaffUser


def token_hash(token: str) -> str:
    """Sessions are looked up by the SHA-256 of the cookie, so a database leak is not a login."""
    return hashlib.sha256(token.encode()).hexdigest()


async def find_user(db: Database, username: str) -> StaffUser | None:
    async with db.reading() as session:
        result = await session.execute(select(StaffUser).where(col(StaffUser.username) == username))
        return result.scalar_one_or_none()


async def list_users(db: Database) -> Sequence[StaffUser]:
    async with db.reading() as session:
        result = await session.execute(select(StaffUser).order_by(col(StaffUser.username)))
        return result.scalars().all()


async def save_user(db: Database, username: str, password_hash: str, role: str) -> None:
    """Create the account, or reset its password and role (and end its sessions)."""
    async with db.transaction() as session:
        result = await session.execute(select(StaffUser).where(col(StaffUser.username) == username))
        user = result.scalar_one_or_none()
        if user is None:
            session.add(StaffUser(username=username, password_hash=password_hash, role=role))
            return
        user.password_hash = password_hash
        user.role = role
        await session.execute(delete(StaffSession).where(col(StaffSession.user_id) == user.id))


async def set_role(db: Database, user_id: int, role: str) -> None:
    async with db.transaction() as session:
        user = await session.get(StaffUser, user_id)
        if user is not None:
            user.role = role


async def set_language(db: Database, user_id: int, language: str) -> None:
    """Keep the language a staff member reads the staff app in."""
    async with db.transaction() as session:
        user = await session.get(StaffUser, user_id)
        if user is not None:
            user.language = language


async def delete_user(db: Database, user_id: int) -> str | None:
    async with db.transaction() as session:
        user = await session.get(StaffUser, user_id)
        if user is None:
            return None
        await session.execute(delete(StaffSession).where(col(StaffSession.user_id) == user_id))
        await session.delete(user)
        return user.username


async def start_session(
    db: Database, user_id: int, token: str, csrf: str, now: datetime, lifetime: timedelta
) -> None:
    async with db.transaction() as session:
        session.add(
            StaffSession(
                token_hash=token_hash(token),
                user_id=user_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + lifetime,
            )
        )
        # Housekeeping: expired sessions of anyone are no longer useful.
        await session.execute(delete(StaffSession).where(col(StaffSession.expires_at) < now))


async def session_user(
    db: Database, token: str, now: datetime
) -> tuple[StaffSession, StaffUser] | None:
    async with db.reading() as session:
        result = await session.execute(
            select(StaffSession, StaffUser)
            .join(StaffUser, col(StaffUser.id) == col(StaffSession.user_id))
            .where(col(StaffSession.token_hash) == token_hash(token))
        )
        row = result.first()
    if row is None:
        return None
    staff_session, user = row
    expires = staff_session.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=now.tzinfo)
    if expires <= now:
        return None
    return staff_session, user


async def end_session(db: Database, token: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            delete(StaffSession).where(col(StaffSession.token_hash) == token_hash(token))
        )


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt, recorded before its password is checked (see `begin_attempt`)."""

    id: int
    by_user: int  # attempts in the window for this username, this one included
    by_ip: int  # and from this address


async def begin_attempt(
    db: Database, username: str, ip: str, now: datetime, since: datetime
) -> Attempt:
    """Record the attempt, commit, then count the window: the counting is atomic.

    Commits are ordered, and each attempt counts after its own commit, so the k-th attempt
    to commit sees at least k rows: however many arrive at once, at most `limit` of them
    can see a count within the limit, and only those may have their password checked.
    The row stays as a failure unless `end_attempt` removes it (refused unchecked) or the
    sign-in succeeds (`clear_failures`).
    """
    async with db.transaction() as session:
        attempt = LoginAttempt(username=username, ip=ip, at=now)
        session.add(attempt)
        await session.execute(
            delete(LoginAttempt).where(col(LoginAttempt.at) < now - timedelta(days=1))
        )
        await session.flush()
        assert attempt.id is not None
        attempt_id = attempt.id
    async with db.reading() as session:
        by_user = await session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(col(LoginAttempt.username) == username, col(LoginAttempt.at) >= since)
        )
        by_ip = await session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(col(LoginAttempt.ip) == ip, col(LoginAttempt.at) >= since)
        )
    return Attempt(attempt_id, by_user or 0, by_ip or 0)


async def end_attempt(db: Database, attempt_id: int) -> None:
    """Forget an attempt that was refused without checking its password."""
    async with db.transaction() as session:
        await session.execute(delete(LoginAttempt).where(col(LoginAttempt.id) == attempt_id))


async def clear_failures(db: Database, username: str) -> None:
    async with db.transaction() as session:
        await session.execute(delete(LoginAttempt).where(col(LoginAttempt.username) == username))


async def audit(
    db: Database,
    username: str,
    action: str,
    target: str | None,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    async with db.transaction() as session:
        session.add(
            AuditLog(at=now, username=username, action=action, target=target, detail=detail or {})
        )


async def audit_page(
    db: Database, *, before_id: int | None, limit: int, search: str = ""
) -> Sequence[AuditLog]:
    """Newest first, keyset-paginated by id."""
    query = select(AuditLog).order_by(col(AuditLog.id).desc()).limit(limit)
    if before_id is not None:
        query = query.where(col(AuditLog.id) < before_id)
    if search:
        like = f"%{search}%"
        query = query.where(
            or_(
                col(AuditLog.username).like(like),
                col(AuditLog.action).like(like),
                col(AuditLog.target).like(like),
            )
        )
    async with db.reading() as session:
        return (await session.execute(query)).scalars().all()
