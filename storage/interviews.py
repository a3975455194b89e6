"""Repository for respondents, interviews and answers: one transaction per method.

`apply()` is the heart of crash safety: it claims the Telegram update id, bumps the
interview's version (which also takes the row lock on PostgreSQL), and upserts/deletes
answers, all in one transaction, before the bot says anything back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.database import Database
from storage.models import Answer, Interview, ProcessedUpdate, Respondent

ACTIVE_STATUSES = ("in_progress", "abandoned")


class DuplicateUpdate(Exception):
    """This Telegram update was applied before; nothing was changed."""


class StaleVersion(Exception):
    """Someone else moved the interview on since it was read; reload and try again."""


@dataclass(frozen=True)
class AnswerWrite:
    key: str
    question_id: str
    repeat_item: str | None
    value: Any
    language: str
    question_text: str
    position: int = 0
    message_id: int | None = None


@dataclass(frozen=True)
class Change:
    """Everything one engine step changes in an interview."""

    state: dict[str, Any]
    status: str
    language: str
    records: Sequence[AnswerWrite] = ()
    cleared: Sequence[str] = ()
    completed_at: datetime | None = None


class InterviewStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def respondent(self, telegram_user_id: int) -> Respondent | None:
        async with self.db.reading() as session:
            return await _respondent(session, telegram_user_id)

    async def upsert_respondent(
        self,
        telegram_user_id: int,
        *,
        username: str | None,
        name: str | None,
        telegram_language: str | None,
    ) -> Respondent:
        """Create the respondent on first contact; keep their profile fields current."""
        for _attempt in range(3):
            try:
                async with self.db.transaction() as session:
                    found = await _respondent(session, telegram_user_id)
                    if found is None:
                        found = Respondent(
                            telegram_user_id=telegram_user_id,
                            username=username,
                            name=name,
                            telegram_language=telegram_language,
                        )
                        session.add(found)
                    elif (found.username, found.name, found.telegram_language) != (
                        username,
                        name,
                        telegram_language,
                    ):
                        found.username = username
                        found.name = name
                        found.telegram_language = telegram_language
                    await session.flush()
                    return found
            except IntegrityError:
                continue  # created concurrently by another worker: read it back
        raise RuntimeError("could not create respondent")

    async def set_language(self, respondent_id: int, language: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(Respondent).where(Respondent.id == respondent_id).values(language=language)  # type: ignore[arg-type]
            )

    async def current_interview(self, respondent_id: int) -> Interview | None:
        """The newest interview of this respondent, whatever its status."""
        async with self.db.reading() as session:
            result = await session.execute(
                select(Interview)
                .where(Interview.respondent_id == respondent_id)  # type: ignore[arg-type]
                .order_by(Interview.started_at.desc(), Interview.id.desc())  # type: ignore[attr-defined]
                .limit(1)
            )
            return result.scalars().first()

    async def respondent_and_interview(
        self, telegram_user_id: int
    ) -> tuple[Respondent | None, Interview | None]:
        """The respondent and their newest interview in one query: every update asks this."""
        async with self.db.reading() as session:
            row = (
                await session.execute(
                    select(Respondent, Interview)
                    .outerjoin(Interview, Interview.respondent_id == Respondent.id)  # type: ignore[arg-type]
                    .where(Respondent.telegram_user_id == telegram_user_id)  # type: ignore[arg-type]
                    .order_by(Interview.started_at.desc(), Interview.id.desc())  # type: ignore[attr-defined]
                    .limit(1)
                )
            ).first()
        if row is None:
            return None, None
        return row[0], row[1]

    async def get(self, interview_id: str) -> Interview | None:
        async with self.db.reading() as session:
            return await session.get(Interview, interview_id)

    async def create(
        self,
        *,
        respondent_id: int,
        questionnaire_id: str,
        questionnaire_version: str,
        language: str,
        source: str | None,
        change: Change,
        update_id: int | None,
        now: datetime,
        consented_at: datetime | None = None,
        consent_version: str | None = None,
        supersede: str | None = None,
    ) -> Interview:
        """Start an interview and store its first state (and any answers) atomically.

        `supersede` names an unfinished interview that a restart replaces: it is marked
        abandoned in the same transaction so reminders and resumes follow the new one.
        """
        try:
            async with self.db.transaction() as session:
                await _claim(session, update_id, now)
                interview = Interview(
                    respondent_id=respondent_id,
                    questionnaire_id=questionnaire_id,
                    questionnaire_version=questionnaire_version,
                    language=language,
                    source=source,
                    state=change.state,
                    status=change.status,
                    started_at=now,
                    updated_at=now,
                    consented_at=consented_at,
                    consent_version=consent_version,
                )
                if supersede is not None:
                    await session.execute(
                        update(Interview)
                        .where(Interview.id == supersede)  # type: ignore[arg-type]
                        .where(Interview.status == "in_progress")  # type: ignore[arg-type]
                        .values(status="abandoned", version=Interview.version + 1)
                    )
                session.add(interview)
                await session.flush()
                await _write_answers(session, interview.id, change, now)
                return interview
        except IntegrityError as exc:
            if update_id is not None and "processed_update" in str(exc.orig).lower():
                raise DuplicateUpdate(update_id) from None
            raise

    async def apply(
        self,
        interview_id: str,
        expected_version: int,
        change: Change,
        *,
        update_id: int | None,
        now: datetime,
    ) -> int:
        """Write one engine step; returns the new version.

        Raises DuplicateUpdate when the update id was seen before and StaleVersion when the
        interview moved on meanwhile (another instance, or a concurrent handler).
        """
        try:
            async with self.db.transaction() as session:
                await _claim(session, update_id, now)
                values: dict[str, Any] = {
                    "state": change.state,
                    "status": change.status,
                    "language": change.language,
                    "version": expected_version + 1,
                    "updated_at": now,
                    "reask": False,
                    "paused": False,
                }
                if change.completed_at is not None:
                    values["completed_at"] = change.completed_at
                result = await session.execute(
                    update(Interview)
                    .where(Interview.id == interview_id)  # type: ignore[arg-type]
                    .where(Interview.version == expected_version)  # type: ignore[arg-type]
                    .values(**values)
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    raise StaleVersion(interview_id)
                await _write_answers(session, interview_id, change, now)
                return expected_version + 1
        except IntegrityError as exc:
            if update_id is not None and "processed_update" in str(exc.orig).lower():
                raise DuplicateUpdate(update_id) from None
            raise

    async def mark_reask(self, interview_id: str, version: int) -> bool:
        """The reply to the step that made `version` did not get through: re-ask next time.

        Not when the interview has moved on since (another update's reply asked afresh).
        """
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Interview)
                .where(Interview.id == interview_id)  # type: ignore[arg-type]
                .where(Interview.version == version)  # type: ignore[arg-type]
                .values(reask=True)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def pause(self, interview_id: str, now: datetime) -> None:
        """/cancel: the interview waits; its next message or tap gets the carry-on offer."""
        async with self.db.transaction() as session:
            await session.execute(
                update(Interview)
                .where(Interview.id == interview_id)  # type: ignore[arg-type]
                .values(paused=True, updated_at=now)
            )

    async def add_addendum(self, interview_id: str, text: str, now: datetime) -> None:
        """Something written after the interview was finished: kept, after what came before."""
        async with self.db.transaction() as session:
            interview = await session.get(Interview, interview_id)
            if interview is None:
                return
            stamp = now.strftime("%Y-%m-%d %H:%M")
            entry = f"[{stamp}] {text}"
            interview.addendum = f"{interview.addendum}\n\n{entry}" if interview.addendum else entry
            session.add(interview)

    async def set_quote_consent(self, interview_id: str, level: str, now: datetime) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(Interview)
                .where(Interview.id == interview_id)  # type: ignore[arg-type]
                .values(quote_consent=level, updated_at=now)
            )

    async def keyboards(self, interview_id: str) -> tuple[int | None, list[int]]:
        """The message carrying the interview's live buttons, and older ones that may still."""
        async with self.db.reading() as session:
            row = (
                await session.execute(
                    select(
                        col(Interview.keyboard_message_id), col(Interview.stale_keyboards)
                    ).where(col(Interview.id) == interview_id)
                )
            ).first()
        if row is None:
            return None, []
        return row[0], [int(m) for m in row[1] or []]

    async def set_keyboards(self, interview_id: str, live: int | None, stale: list[int]) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(Interview)
                .where(col(Interview.id) == interview_id)
                .values(keyboard_message_id=live, stale_keyboards=stale or None)
            )

    async def claim_update(self, update_id: int, now: datetime) -> bool:
        """Record an update that changes no interview (e.g. a counted refusal); False if its
        change was stored before."""
        try:
            async with self.db.transaction() as session:
                await _claim(session, update_id, now)
        except IntegrityError:
            return False
        return True

    async def begin(self, update_id: int, now: datetime) -> tuple[bool, str | None, datetime]:
        """Claim an update on arrival: (True, None, now) when it is new (it is ours), else
        (False, what became of its reply, when it was claimed). One INSERT: of two instances
        given the same update at once, one gets it."""
        try:
            async with self.db.transaction() as session:
                await session.execute(
                    insert(_PROCESSED).values(
                        update_id=update_id, processed_at=now, reply=None, applied=False
                    )
                )
            return True, None, now
        except IntegrityError:
            _seen, reply, claimed = await self.reply_of(update_id)
            return False, reply, claimed or now

    async def take_over(
        self, update_id: int, reply: str | None, claimed: datetime, now: datetime
    ) -> bool:
        """Handle an update again whose reply failed (or whose handler died): True for the one
        worker whose conditional UPDATE found it as it was."""
        async with self.db.transaction() as session:
            query = update(ProcessedUpdate).where(
                _PROCESSED.c.update_id == update_id, _PROCESSED.c.processed_at <= claimed
            )
            if reply is None:
                query = query.where(_PROCESSED.c.reply.is_(None))
            else:
                query = query.where(_PROCESSED.c.reply == reply)
            result = await session.execute(query.values(reply=None, processed_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def applied(self, update_id: int) -> bool:
        """Whether this update's change was stored (`claim_in`): handled before, by a process
        that may have died before its reply went out."""
        async with self.db.reading() as session:
            found = await session.execute(
                select(_PROCESSED.c.applied).where(_PROCESSED.c.update_id == update_id)
            )
            return bool(found.scalar_one_or_none())

    async def reply_of(self, update_id: int) -> tuple[bool, str | None, datetime | None]:
        """Whether the update was seen, what became of its reply, and when it was claimed."""
        async with self.db.reading() as session:
            row = (
                await session.execute(
                    select(_PROCESSED.c.reply, _PROCESSED.c.processed_at).where(
                        _PROCESSED.c.update_id == update_id
                    )
                )
            ).first()
        if row is None:
            return False, None, None
        return True, row[0], row[1]

    async def record_reply(self, update_id: int, reply: str, now: datetime) -> None:
        """What became of this update's reply ("sent", "queued", "failed"), claimed or not."""
        async with self.db.transaction() as session:
            dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
            base = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(_PROCESSED)
            row = base.values(update_id=update_id, processed_at=now, reply=reply, applied=False)
            await session.execute(
                row.on_conflict_do_update(
                    index_elements=[_PROCESSED.c.update_id], set_={"reply": reply}
                )
            )

    async def answers(self, interview_id: str) -> list[Answer]:
        async with self.db.reading() as session:
            result = await session.execute(
                select(Answer)
                .where(Answer.interview_id == interview_id)  # type: ignore[arg-type]
                .order_by(Answer.position, Answer.id)  # type: ignore[arg-type]
            )
            return list(result.scalars())

    async def answer_for_message(self, interview_id: str, message_id: int) -> Answer | None:
        """The free-text answer that arrived in a given Telegram message (for edits)."""
        async with self.db.reading() as session:
            result = await session.execute(
                select(Answer)
                .where(Answer.interview_id == interview_id)  # type: ignore[arg-type]
                .where(Answer.message_id == message_id)  # type: ignore[arg-type]
            )
            return result.scalars().first()

    async def count(self, status: str | None = None) -> int:
        async with self.db.reading() as session:
            query = select(func.count()).select_from(Interview)
            if status is not None:
                query = query.where(Interview.status == status)  # type: ignore[arg-type]
            return int((await session.execute(query)).scalar_one())

    async def last_processed_update_id(self) -> int | None:
        """The highest update id recorded (local mode's emulator continues after it)."""
        async with self.db.transaction() as session:
            query = select(func.max(ProcessedUpdate.update_id))
            return (await session.execute(query)).scalar_one_or_none()

    async def prune_processed_updates(self, before: datetime) -> int:
        """Forget old update ids; Telegram never redelivers an update after a day."""
        async with self.db.transaction() as session:
            result = await session.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)  # type: ignore[arg-type]
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


async def _respondent(session: AsyncSession, telegram_user_id: int) -> Respondent | None:
    result = await session.execute(
        select(Respondent).where(Respondent.telegram_user_id == telegram_user_id)  # type: ignore[arg-type]
    )
    return result.scalars().first()


async def _claim(session: AsyncSession, update_id: int | None, now: datetime) -> None:
    await claim_in(session, update_id, now)


async def claim_in(session: AsyncSession, update_id: int | None, now: datetime) -> None:
    """Mark the update's change as stored, in the caller's transaction; IntegrityError (on
    processed_update) when it was stored before. The row claimed on arrival is updated; an
    update handled without one (a tool, a test) gets a new row."""
    if update_id is None:
        return
    result = await session.execute(
        update(ProcessedUpdate)
        .where(_PROCESSED.c.update_id == update_id, _PROCESSED.c.applied.is_(False))
        .values(applied=True)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return
    # a plain INSERT: the unit of work and a model instance cost more than the write itself
    await session.execute(_CLAIM, {"update_id": update_id, "processed_at": now, "applied": True})


_PROCESSED = ProcessedUpdate.__table__  # type: ignore[attr-defined]
_CLAIM = insert(_PROCESSED)
_ANSWERS = Answer.__table__  # type: ignore[attr-defined]
_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (interview, key) DO UPDATE: an answer is written in one statement
    (SQLite and PostgreSQL both have it), not a SELECT of the old row and an ORM flush."""
    statement = _UPSERTS.get(dialect)
    if statement is None:
        base = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(_ANSWERS)
        new = base.excluded
        statement = base.on_conflict_do_update(
            index_elements=[_ANSWERS.c.interview_id, _ANSWERS.c.key],
            set_={
                "value": new.value,
                "language": new.language,
                "question_text": new.question_text,
                "position": new.position,
                "message_id": func.coalesce(new.message_id, _ANSWERS.c.message_id),
                "updated_at": new.updated_at,
            },
        )
        _UPSERTS[dialect] = statement
    return statement


async def _write_answers(
    session: AsyncSession, interview_id: str, change: Change, now: datetime
) -> None:
    if change.cleared:
        await session.execute(
            delete(Answer)
            .where(Answer.interview_id == interview_id)  # type: ignore[arg-type]
            .where(Answer.key.in_(list(change.cleared)))  # type: ignore[attr-defined]
        )
    if not change.records:
        return
    rows = {
        record.key: {
            "interview_id": interview_id,
            "key": record.key,
            "question_id": record.question_id,
            "repeat_item": record.repeat_item,
            "position": record.position,
            "value": record.value,
            "language": record.language,
            "question_text": record.question_text,
            "message_id": record.message_id,
            "answered_at": now,
            "updated_at": now,
        }
        for record in change.records
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    await session.execute(_upsert(dialect), list(rows.values()))
