"""Anonymous counters: the only trace left by someone who declines or withdraws."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from storage.database import Database
from storage.models import Counter

DECLINED = "consent_declined"
WITHDRAWN = "withdrawn"


async def bump(db: Database, name: str, by: int = 1) -> None:
    for _attempt in range(3):
        try:
            async with db.transaction() as session:
                result = await session.execute(
                    update(Counter)
                    .where(col(Counter.name) == name)
                    .values(value=col(Counter.value) + by)
                )
                # a CursorResult at run time; the stubs say Result, which has no rowcount
                if result.rowcount == 0:  # type: ignore[attr-defined]
                    session.add(Counter(name=name, value=by))
            return
        except IntegrityError:
            continue


async def read(db: Database, name: str) -> int:
    async with db.reading() as session:
        value = await session.scalar(select(col(Counter.value)).where(col(Counter.name) == name))
        return int(value or 0)
