"""Anonymous counters: the only trace left by someone who declines or withdraws."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.models import Counter

DECLINED = "consent_declined"
WITHDRAWN = "withdrawn"


async def bump(db: Database, name: str, by: int = 1) -> None:
    for _attempt in range(3):
        try:
            async with db.transaction() as session:
                result = await session.execute(
                    update(Counter).where(Counter.name == name).values(value=Counter.value + by)  # type: ignore[arg-type]
                )
                if result.rowcount == 0:  # type: ignore[attr-defined]
                    session.add(Counter(name=name, value=by))
            return
        except IntegrityError:
            continue


async def read(db: Database, name: str) -> int:
    async with db.reading() as session:
        value = (await session.execute(select(Counter.value).where(Counter.name == name))).scalar()  # type: ignore[arg-type]
        return int(value or 0)
