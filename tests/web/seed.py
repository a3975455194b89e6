"""Seed interviews straight into the tables, as the bot would have written them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from storage.database import Database
from storage.models import Answer, Interview, Respondent

BASE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def add_interview(
    db: Database,
    n: int,
    answers: dict[str, Any],
    *,
    status: str = "completed",
    language: str = "en",
    source: str | None = None,
    quote_consent: str | None = "anonymised",
    name: str | None = None,
) -> str:
    started = BASE + timedelta(hours=n)
    async with db.transaction() as session:
        respondent = Respondent(telegram_user_id=1000 + n, name=name, username=f"user{n}")
        session.add(respondent)
        await session.flush()
        interview = Interview(
            id=f"iv{n:05d}",
            respondent_id=respondent.id,
            questionnaire_id="dgu_landscape",
            questionnaire_version="1",
            language=language,
            status=status,
            source=source,
            started_at=started,
            updated_at=started,
            completed_at=started + timedelta(minutes=30) if status == "completed" else None,
        )
        if hasattr(Interview, "quote_consent"):
            interview.quote_consent = quote_consent
            interview.consented_at = started if quote_consent else None
        session.add(interview)
        await session.flush()
        for position, (key, value) in enumerate(answers.items()):
            qid, _, item = key.partition("@")
            session.add(
                Answer(
                    interview_id=interview.id,
                    key=key,
                    question_id=qid,
                    repeat_item=item or None,
                    position=position,
                    value=value,
                    language=language,
                    question_text=f"Question {key}",
                    answered_at=started,
                )
            )
    return interview.id


def typical(n: int) -> dict[str, Any]:
    return {
        "organisation": f"Digital Unit {n}",
        "country": "GB" if n % 2 else "EE",
        "level": "national" if n % 3 else "local",
        "trait_centre": 1 + n % 5,
        "trait_agile": 3,
        "attempted": ["platforms", "data"],
        "outcome@platforms": "success",
        "outcome@data": "too_early",
        "biggest_success": f"We rebuilt the tax service in {n} sprints. Then we moved on.",
    }
