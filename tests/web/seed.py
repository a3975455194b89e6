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
    version: str = "1",
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
            questionnaire_version=version,
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


async def add_lead(
    db: Database,
    n: int,
    text: str,
    *,
    contribution: bool = True,
    lang: str = "en",
    status: str = "new",
    **fields: Any,
) -> int:
    """A mention stored as the monitor would have stored it (optionally a contribution)."""
    from storage.mentions import Lead

    posted = BASE + timedelta(days=n)
    async with db.transaction() as session:
        lead = Lead(
            tweet_id=str(1_800_000_000_000_000_000 + n),
            author_id=str(2_000_000 + n),
            username=f"tweeter{n}",
            name=f"Tweeter {n}",
            text=text,
            link=f"https://x.com/tweeter{n}/status/{1_800_000_000_000_000_000 + n}",
            lang=lang,
            tweet_created_at=posted,
            score=3,
            reasons=["test"],
            status=status,
            contribution=contribution,
            contribution_by="editor" if contribution else None,
            contribution_at=posted if contribution else None,
            fetched_at=posted,
            updated_at=posted,
            **fields,
        )
        session.add(lead)
        await session.flush()
        assert lead.id is not None
        return lead.id
