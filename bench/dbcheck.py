"""What the database holds after a run: answer rows per respondent, read back directly."""

from __future__ import annotations

from sqlalchemy import text

from storage.database import Database

ANSWERS_PER_USER = text(
    "SELECT r.telegram_user_id, COUNT(a.id) FROM respondent r "
    "JOIN interview i ON i.respondent_id = r.id "
    "LEFT JOIN answer a ON a.interview_id = i.id GROUP BY r.telegram_user_id"
)


async def answers_per_user(url: str) -> dict[int, int]:
    db = Database(url)
    try:
        async with db.reading() as session:
            rows = (await session.execute(ANSWERS_PER_USER)).all()
        return {int(user): int(count) for user, count in rows}
    finally:
        await db.dispose()


def lost_answers(sent: dict[int, int], stored: dict[int, int]) -> int:
    """Answers the respondents sent that have no row (a row per answered question)."""
    return sum(max(0, n - stored.get(user, 0)) for user, n in sent.items())
