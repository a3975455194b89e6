"""Interviews written straight into the tables (as the bot would have), thousands a second."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bench.script import ANSWERS, REMIT, questionnaire
from bot import interview as engine
from storage.database import Database
from storage.migrate import upgrade_async
from storage.models import Answer, Interview, Respondent

BASE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BATCH = 1000


async def migrated(url: str) -> Database:
    await upgrade_async(url)
    return Database(url)


async def in_progress(db: Database, count: int, first_user: int) -> None:
    """`count` consented respondents, each with an interview waiting at the first question."""
    q = questionnaire()
    state = engine.begin(q, "en", BASE).state.to_json()
    for start in range(0, count, BATCH):
        n = min(BATCH, count - start)
        async with db.transaction() as session:
            await session.execute(
                insert(Respondent),
                [
                    {
                        "telegram_user_id": first_user + start + i,
                        "language": "en",
                        "name": f"R{start + i}",
                        "created_at": BASE,
                    }
                    for i in range(n)
                ],
            )
            ids = await _respondent_ids(session, first_user + start, n)
            await session.execute(
                insert(Interview),
                [
                    _interview(f"p{start + i:07d}", rid, "in_progress", state, start + i)
                    for i, rid in enumerate(ids)
                ],
            )


async def completed(db: Database, count: int, answers: int, seed: int = 5) -> None:
    """`count` completed interviews of `answers` answers each (questionnaire keys, then extras)."""
    rng = random.Random(seed)
    q = questionnaire()
    keys = _answer_keys(answers)
    texts = {
        key: q.question_text(key, "en") if q.has_question(key.split("@")[0]) else key
        for key in keys
    }
    for start in range(0, count, BATCH // 4):
        n = min(BATCH // 4, count - start)
        async with db.transaction() as session:
            await session.execute(
                insert(Respondent),
                [
                    {
                        "telegram_user_id": 7_000_000 + start + i,
                        "language": "en",
                        "name": f"Respondent {start + i}",
                        "username": f"user{start + i}",
                        "created_at": BASE,
                    }
                    for i in range(n)
                ],
            )
            ids = await _respondent_ids(session, 7_000_000 + start, n)
            rows = [
                _interview(f"c{start + i:07d}", rid, "completed", {}, start + i)
                for i, rid in enumerate(ids)
            ]
            await session.execute(insert(Interview), rows)
            values = []
            for row in rows:
                for position, key in enumerate(keys):
                    values.append(
                        {
                            "interview_id": row["id"],
                            "key": key,
                            "question_id": key.split("@")[0],
                            "repeat_item": key.split("@")[1] if "@" in key else None,
                            "position": position * 10,
                            "value": _value(key, rng),
                            "language": "en",
                            "question_text": texts[key],
                            "answered_at": row["started_at"],
                            "updated_at": row["started_at"],
                        }
                    )
            await session.execute(insert(Answer), values)


async def analyze(db: Database) -> None:
    """Planner statistics, as a database in service has them (autovacuum would gather them
    within a minute or so of a bulk load; the benchmark does not wait for it)."""
    from sqlalchemy import text

    if db.backend == "postgresql":
        async with db.transaction() as session:
            await session.execute(text("ANALYZE"))


def _answer_keys(count: int) -> list[str]:
    """The questionnaire's own answer keys (every area attempted): at most all of them."""
    return list(questionnaire().answer_keys())[:count]


def answers_per_interview(count: int) -> int:
    return len(_answer_keys(count))


def _value(key: str, rng: random.Random) -> Any:
    qid = key.split("@")[0]
    q = questionnaire()
    if not q.has_question(qid):
        return REMIT
    question = q.question(qid)
    if question.kind in ("single",) and question.choice_ids:
        return rng.choice(question.choice_ids)
    if question.kind == "multi":
        return list(question.choice_ids)
    if question.kind == "scale":
        return rng.randint(1, 5)
    if question.kind == "number":
        return rng.randint(question.minimum or 1, min(question.maximum or 100, 2025))
    if question.kind == "yesno":
        return rng.random() < 0.5
    if question.kind == "country":
        return rng.choice(["GB", "EE", "CA", "AU", "US", "KR", "AR", "DK", "NZ", "UA"])
    return f"{REMIT} ({rng.randint(1, 10**6)})"


def _interview(iid: str, rid: int, status: str, state: dict[str, Any], n: int) -> dict[str, Any]:
    started = BASE + timedelta(minutes=n)
    return {
        "id": iid,
        "respondent_id": rid,
        "questionnaire_id": questionnaire().id,
        "questionnaire_version": questionnaire().version,
        "language": "en",
        "status": status,
        "state": state,
        "version": 1,
        "started_at": started,
        "updated_at": started,
        "completed_at": started + timedelta(minutes=25) if status == "completed" else None,
        "consented_at": started,
        "consent_version": "2026-11",
        "quote_consent": "anonymised",
    }


async def _respondent_ids(session: Any, first: int, n: int) -> list[int]:
    result = await session.execute(
        select(Respondent.id, Respondent.telegram_user_id)
        .where(Respondent.telegram_user_id >= first)  # type: ignore[operator]
        .where(Respondent.telegram_user_id < first + n)  # type: ignore[operator]
    )
    by_user = {user: rid for rid, user in result.all()}
    return [by_user[first + i] for i in range(n)]


FIRST_ANSWER = ANSWERS[0]
