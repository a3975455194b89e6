"""What the database holds after a run, compared by content with what the respondents meant.

Each respondent's intended `(question, value)` pairs and consent ("@" keys; both from
bench.script.intended) are compared with the answer rows and interview rows stored for that
Telegram user, over all their interviews: an intended answer
with no row is *missing*, one with two or more rows is *doubled*, one whose stored value is not
what was sent is *different*, and a stored row nobody meant is *unexpected*. Any of the four
fails the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from storage.database import Database
from storage.models import Answer, Interview, Respondent

#: examples kept per kind of mismatch (the counts are exact)
EXAMPLES = 5


@dataclass
class Comparison:
    intended: int = 0
    stored: int = 0
    matched: int = 0
    missing: int = 0
    doubled: int = 0
    different: int = 0
    unexpected: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def mismatches(self) -> int:
        return self.missing + self.doubled + self.different + self.unexpected

    @property
    def ok(self) -> bool:
        return self.mismatches == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "intended": self.intended,
            "stored": self.stored,
            "matched": self.matched,
            "missing": self.missing,
            "doubled": self.doubled,
            "different": self.different,
            "unexpected": self.unexpected,
            "examples": self.examples,
        }

    def summary(self) -> str:
        return (
            f"{self.intended} intended, {self.stored} stored, {self.matched} match; "
            f"missing {self.missing}, doubled {self.doubled}, different {self.different}, "
            f"unexpected {self.unexpected}"
        )

    def _example(self, text: str) -> None:
        if len(self.examples) < EXAMPLES:
            self.examples.append(text)


def compare(
    intended: Mapping[int, Mapping[str, Any]],
    stored: Mapping[int, list[tuple[str, Any]]],
) -> Comparison:
    """Per user: each intended key against the values stored under it."""
    out = Comparison()
    for user in sorted(set(intended) | set(stored)):
        meant = intended.get(user, {})
        rows: dict[str, list[Any]] = {}
        for key, value in stored.get(user, []):
            rows.setdefault(key, []).append(value)
        out.intended += len(meant)
        out.stored += sum(len(v) for v in rows.values())
        for key, value in meant.items():
            got = rows.get(key, [])
            if not got:
                out.missing += 1
                out._example(f"{user} {key}: missing")
            elif len(got) > 1:
                out.doubled += 1
                out._example(f"{user} {key}: {len(got)} rows")
            elif not _same(got[0], value):
                out.different += 1
                out._example(f"{user} {key}: stored {got[0]!r}, sent {value!r}")
            else:
                out.matched += 1
        for key in rows.keys() - meant.keys():
            out.unexpected += len(rows[key])
            out._example(f"{user} {key}: stored {rows[key][0]!r}, never sent")
    return out


def _same(stored: Any, sent: Any) -> bool:
    # JSON has no int/bool distinction problems here, but True == 1 in Python: compare types too
    return type(stored) is type(sent) and stored == sent


async def stored_answers(url: str) -> dict[int, list[tuple[str, Any]]]:
    """Every answer row, as (key, decoded value), per Telegram user id; and each interview's
    consent as "@consent" (True when agreed), "@language" (once agreed) and "@quote"."""
    db = Database(url)
    try:
        async with db.reading() as session:
            rows = (
                await session.execute(
                    select(col(Respondent.telegram_user_id), col(Answer.key), col(Answer.value))
                    .join(Interview, col(Interview.respondent_id) == col(Respondent.id))
                    .join(Answer, col(Answer.interview_id) == col(Interview.id))
                )
            ).all()
            interviews = (
                await session.execute(
                    select(
                        col(Respondent.telegram_user_id),
                        col(Interview.consented_at),
                        col(Interview.language),
                        col(Interview.quote_consent),
                    ).join(Interview, col(Interview.respondent_id) == col(Respondent.id))
                )
            ).all()
    finally:
        await db.dispose()
    out: dict[int, list[tuple[str, Any]]] = {}
    for user, key, value in rows:
        out.setdefault(int(user), []).append((key, value))
    for user, consented_at, language, quote in interviews:
        held = out.setdefault(int(user), [])
        if consented_at is not None:
            held += [("@consent", True), ("@language", language)]
        if quote is not None:
            held.append(("@quote", quote))
    return out
