"""Reading by question: every answer to one question side by side, with who gave it.

One page of answers to a question key (or every longlist area of a repeat question), from the
interviews the staff filters leave, with each interview's country, level, role and outcomes.
The search looks in the answer itself, not anywhere in the interview.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, exists, func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.database import Database
from storage.models import Answer, Interview
from storage.review_query import Filters, conditions, json_text

PAGE_SIZE = 100
REPEAT_SEPARATOR = "@"
CONTEXT_KEYS = ("country", "level", "role", "relationship")


@dataclass
class ReadingRow:
    interview: Interview
    answer: Answer
    area: str | None  # the longlist area of a repeat answer (`difference@platforms`)
    fields: dict[str, Any]  # country, level, role
    outcomes: dict[str, Any]  # area -> outcome answer


def _escape(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def answers_to(
    db: Database,
    question_id: str,
    filters: Filters,
    *,
    area: str = "",
    outcome: str = "",
    q: str = "",
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> tuple[list[ReadingRow], int]:
    """One page of the answers to `question_id` (all its areas unless `area`), and the total.

    `outcome` keeps repeat answers whose interview gave that outcome for the answer's own
    area (for other questions the view filters by `Filters.outcome`); `q` searches the answer.
    """
    backend = db.backend
    # The answer read is an alias: the filters' own EXISTS subqueries on `answer` must not
    # correlate with it.
    shown = aliased(Answer, name="shown")
    # withdrawn interviews are never read again, whatever the filters say
    where = [*conditions(filters, backend), col(Interview.status) != "withdrawn"]
    # `question_id` is indexed (ix_staff_answer_question); a repeat answer keeps its base id
    where.append(col(shown.question_id) == question_id)
    if area:
        where.append(col(shown.key).in_((question_id, f"{question_id}{REPEAT_SEPARATOR}{area}")))
    if q.strip():
        body = json_text(col(shown.value), backend)
        pattern = _escape(q.strip())
        where.append(
            body.ilike(pattern, escape="\\")
            if backend != "sqlite"
            else body.like(pattern, escape="\\")
        )
    if outcome:  # the outcome the same interview gave for this answer's own area
        same = aliased(Answer, name="same")
        own_area = func.substr(col(shown.key), len(question_id) + len(REPEAT_SEPARATOR) + 1)
        where.append(
            exists()
            .where(
                col(same.interview_id) == col(shown.interview_id),
                col(same.key) == literal("outcome" + REPEAT_SEPARATOR, String).concat(own_area),
                json_text(col(same.value), backend) == outcome,
            )
            .correlate(shown)
        )
    base = (
        select(shown, Interview)
        .join(Interview, col(Interview.id) == col(shown.interview_id))
        .where(*where)
    )
    async with db.reading() as session:
        total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        found = (
            await session.execute(
                base.order_by(col(shown.id).desc()).limit(per_page).offset((page - 1) * per_page)
            )
        ).all()
        ids = {interview.id for _, interview in found}
        fields: dict[str, dict[str, Any]] = {}
        outcomes: dict[str, dict[str, Any]] = {}
        for interview_id, key, value in await session.execute(
            select(col(Answer.interview_id), col(Answer.key), col(Answer.value)).where(
                col(Answer.interview_id).in_(ids),
                col(Answer.key).in_(CONTEXT_KEYS)
                | col(Answer.key).like(f"outcome{REPEAT_SEPARATOR}%"),
            )
        ):
            if key.startswith("outcome" + REPEAT_SEPARATOR):
                outcomes.setdefault(interview_id, {})[key.split(REPEAT_SEPARATOR, 1)[1]] = value
            else:
                fields.setdefault(interview_id, {})[key] = value
    rows = []
    for answer, interview in found:
        _, _, own = answer.key.partition(REPEAT_SEPARATOR)
        rows.append(
            ReadingRow(
                interview,
                answer,
                own or None,
                fields.get(interview.id, {}),
                outcomes.get(interview.id, {}),
            )
        )
    return rows, int(total)


async def outcomes_of(db: Database, interview_ids: set[str]) -> dict[str, dict[str, Any]]:
    """Each interview's outcome per longlist area (`outcome@<area>` answers)."""
    found: dict[str, dict[str, Any]] = {}
    ids = list(interview_ids)
    async with db.reading() as session:
        for offset in range(0, len(ids), 500):
            for interview_id, key, value in await session.execute(
                select(col(Answer.interview_id), col(Answer.key), col(Answer.value)).where(
                    col(Answer.interview_id).in_(ids[offset : offset + 500]),
                    col(Answer.key).like(f"outcome{REPEAT_SEPARATOR}%"),
                )
            ):
                found.setdefault(interview_id, {})[key.split(REPEAT_SEPARATOR, 1)[1]] = value
    return found
