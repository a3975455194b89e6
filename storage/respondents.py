"""Small respondent-level writes that several callers need."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from storage.database import Database
from storage.models import Respondent


async def mark_unreachable(db: Database, telegram_user_id: int) -> None:
    """The person blocked the bot (Telegram answered 403): never try them again."""
    async with db.transaction() as session:
        await session.execute(
            update(Respondent)
            .where(col(Respondent.telegram_user_id) == telegram_user_id)
            .values(unreachable=True)
        )


async def mark_reachable(db: Database, telegram_user_id: int) -> None:
    """They wrote to the bot again (so they unblocked it): reminders may reach them."""
    async with db.transaction() as session:
        await session.execute(
            update(Respondent)
            .where(col(Respondent.telegram_user_id) == telegram_user_id)
            .values(unreachable=False)
        )
