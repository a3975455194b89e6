"""Respondents' data rights in the database: read everything back, erase for real.

Erasure is a hard DELETE, in one transaction, of the person's respondent row, interviews,
answers, reminders and everything staff coded on those interviews; links from X leads to
the interviews are cut. Only an anonymous counter remains. On SQLite `secure_delete` is
switched on first so the deleted text is overwritten in the file, not just unlinked.
Processed update ids stay: they are Telegram's sequence numbers, not about anyone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.database import Database
from storage.interviews import claim_in
from storage.mentions import Lead
from storage.models import Answer, Counter, Interview, Media, Reminder, Respondent
from storage.staff import InterviewReview, InterviewTag, MatrixCell, Quote, QuoteTag, Tag

log = logging.getLogger(__name__)

EXPIRED = "retention_deleted"


class AlreadyDone(Exception):
    """The Telegram update asking for this was applied before; nothing was changed."""


@dataclass(frozen=True)
class Erased:
    interviews: int
    answers: int


async def erase_person(
    db: Database,
    telegram_user_id: int,
    *,
    counter: str,
    update_id: int | None = None,
    now: datetime,
) -> Erased | None:
    """Delete everything held about one person; None when nothing was held.

    The update id is claimed in the same transaction, so a redelivered "yes, delete"
    neither fails nor bumps the anonymous counter twice.
    """
    for _attempt in range(3):
        try:
            return await _erase(db, telegram_user_id, counter, update_id, now)
        except IntegrityError as exc:
            if update_id is not None and "processed_update" in str(exc.orig).lower():
                raise AlreadyDone(update_id) from None
            # the counter row was created concurrently by another worker: go again
    raise RuntimeError("could not erase")


async def _erase(
    db: Database, telegram_user_id: int, counter: str, update_id: int | None, now: datetime
) -> Erased | None:
    async with db.transaction() as session:
        await claim_in(session, update_id, now)  # IntegrityError: erased before
        respondent = (
            await session.execute(
                select(Respondent).where(col(Respondent.telegram_user_id) == telegram_user_id)
            )
        ).scalar_one_or_none()
        if respondent is None:
            return None
        ids = list(
            (
                await session.execute(
                    select(col(Interview.id)).where(col(Interview.respondent_id) == respondent.id)
                )
            ).scalars()
        )
        answers = await _delete_interviews(session, ids)
        await session.execute(delete(Respondent).where(col(Respondent.id) == respondent.id))
        await _bump(session, counter)
        return Erased(interviews=len(ids), answers=answers)


async def erase_expired(db: Database, before: datetime, *, batch: int = 200) -> Erased:
    """Retention: delete interviews whose last activity is older than `before`, then the
    respondents left with no interview. Returns how much went."""
    total_interviews = total_answers = 0
    while True:
        async with db.transaction() as session:
            ids = list(
                (
                    await session.execute(
                        select(col(Interview.id))
                        .where(col(Interview.updated_at) < before)
                        .order_by(col(Interview.updated_at))
                        .limit(batch)
                    )
                ).scalars()
            )
            if not ids:
                break
            total_answers += await _delete_interviews(session, ids, purge=False)
            total_interviews += len(ids)
            await _bump(session, EXPIRED, len(ids))
    async with db.transaction() as session:
        await _secure(session)
        if total_interviews:
            await _purge_search_index(session)
        has_interview = select(col(Interview.id)).where(
            col(Interview.respondent_id) == col(Respondent.id)
        )
        await session.execute(
            delete(Respondent)
            .where(col(Respondent.created_at) < before)
            .where(~has_interview.exists())
        )
    return Erased(interviews=total_interviews, answers=total_answers)


async def set_quote_consent(db: Database, respondent_id: int, level: str, now: datetime) -> int:
    """How the person's words may be used applies to all their words: every interview."""
    values: dict[str, Any] = {"quote_consent": level, "updated_at": now}
    if level != "attributable":  # the name to credit is only ever kept for attribution
        values.update(credit=None, credit_pending=False)
    async with db.transaction() as session:
        result = await session.execute(
            update(Interview).where(col(Interview.respondent_id) == respondent_id).values(**values)
        )
        return _changed(result)


async def set_credit(
    db: Database, respondent_id: int, credit: str | None, *, pending: bool, now: datetime
) -> int:
    """The name and job title to credit (all the person's interviews, like the quote level);
    `pending` while the bot waits for them to type it. None erases it."""
    async with db.transaction() as session:
        result = await session.execute(
            update(Interview)
            .where(col(Interview.respondent_id) == respondent_id)
            .values(credit=credit, credit_pending=pending, updated_at=now)
        )
        return _changed(result)


async def stop_waiting_for_credit(db: Database, respondent_id: int) -> None:
    """They went on without typing a name: their next text is an answer again."""
    async with db.transaction() as session:
        await session.execute(
            update(Interview)
            .where(col(Interview.respondent_id) == respondent_id)
            .values(credit_pending=False)
        )


async def personal_data(db: Database, telegram_user_id: int) -> dict[str, Any] | None:
    """Everything held about one person, as plain JSON-ready data; None when nothing is."""
    async with db.reading() as session:
        respondent = (
            await session.execute(
                select(Respondent).where(col(Respondent.telegram_user_id) == telegram_user_id)
            )
        ).scalar_one_or_none()
        if respondent is None:
            return None
        interviews = list(
            (
                await session.execute(
                    select(Interview)
                    .where(col(Interview.respondent_id) == respondent.id)
                    .order_by(col(Interview.started_at), col(Interview.id))
                )
            ).scalars()
        )
        ids = [i.id for i in interviews]
        answers = await _by_interview(session, Answer, ids, col(Answer.position), col(Answer.id))
        reminders = await _by_interview(session, Reminder, ids, col(Reminder.number))
        quotes = await _by_interview(session, Quote, ids, col(Quote.id))
        reviews = await _by_interview(session, InterviewReview, ids)
        summaries = await _by_interview(session, MatrixCell, ids, col(MatrixCell.id))
        tags: dict[str, list[Tag]] = {i: [] for i in ids}
        for interview_id, tag in await session.execute(
            select(col(InterviewTag.interview_id), Tag)
            .join(Tag, col(Tag.id) == col(InterviewTag.tag_id))
            .where(col(InterviewTag.interview_id).in_(ids))
        ):
            tags[interview_id].append(tag)
        leads = await _by_interview(session, Lead, ids, col(Lead.id))
        files = await _by_interview(session, Media, ids, col(Media.id))
    held: dict[str, Any] = {
        "respondent": {
            "telegram_user_id": respondent.telegram_user_id,
            "username": respondent.username,
            "name": respondent.name,
            "telegram_language": respondent.telegram_language,
            "language": respondent.language,
            "first_contact_at": _iso(respondent.created_at),
            "unreachable": respondent.unreachable,
            "reminders_opt_out": respondent.reminders_opt_out,
        },
        "interviews": [
            _interview(
                i,
                answers[i.id],
                reminders[i.id],
                quotes[i.id],
                reviews[i.id],
                tags[i.id],
                leads[i.id],
                summaries[i.id],
            )
            for i in interviews
        ],
    }
    for entry, interview in zip(held["interviews"], interviews, strict=True):
        entry["files"] = [file_record(m) for m in files[interview.id]]
    return held


def file_record(media: Media) -> dict[str, Any]:
    """A voice note, document or photo sent as an answer: what we keep about it (the file
    itself is kept under MEDIA_DIR and erased with the interview). /mydata shows this; the
    staff exports (bot/exports.file_json) build on it."""
    return {
        "answer_key": media.answer_key,
        "kind": media.kind,
        "mime_type": media.mime_type,
        "file_name": media.file_name,
        "size_bytes": media.size,
        "duration_seconds": media.duration,
        "sha256": media.sha256,
        "received_at": _iso(media.created_at),
        "transcript": media.transcript,
        "transcript_source": media.transcript_source,
        # the machine transcription's job: pending, done, failed, or null when none applies
        "transcription": media.transcription,
        "transcript_status": transcript_status(media),
    }


def transcript_status(media: Media) -> str:
    """none, pending, failed, machine (not yet checked by a person), confirmed (a person
    confirmed the machine's) or person (typed or corrected by a person)."""
    if media.transcript and media.transcript_source:
        return media.transcript_source
    if media.transcription in ("pending", "failed"):
        return media.transcription
    return "none"


def _interview(
    interview: Interview,
    answers: Sequence[Answer],
    reminders: Sequence[Reminder],
    quotes: Sequence[Quote],
    reviews: Sequence[InterviewReview],
    tags: Sequence[Tag],
    leads: Sequence[Lead],
    summaries: Sequence[MatrixCell] = (),
) -> dict[str, Any]:
    return {
        "interview_id": interview.id,
        "questionnaire": {
            "id": interview.questionnaire_id,
            "version": interview.questionnaire_version,
        },
        "language": interview.language,
        "status": interview.status,
        "source": interview.source,
        "started_at": _iso(interview.started_at),
        "last_activity_at": _iso(interview.updated_at),
        "completed_at": _iso(interview.completed_at),
        "consent": {
            "consented_at": _iso(interview.consented_at),
            "notice_version": interview.consent_version,
            "quote_consent": interview.quote_consent,
            "credit": interview.credit,
        },
        "addendum": interview.addendum,
        "answers": [
            {
                "question_id": a.question_id,
                "question_text": a.question_text,
                "value": a.value,
                "language": a.language,
                "answered_at": _iso(a.answered_at),
                "changed_at": _iso(a.updated_at),
            }
            for a in answers
        ],
        "reminders": [
            {
                "kind": r.kind,
                "due_at": _iso(r.due_at),
                "sent_at": _iso(r.sent_at),
                "outcome": r.outcome,
            }
            for r in reminders
        ],
        "staff_notes": {
            "tags": [{"en": t.label_en, "cy": t.label_cy} for t in tags],
            "quotes": [
                {"answer": q.answer_key, "text": q.text, "marked_at": _iso(q.created_at)}
                for q in quotes
            ],
            "review": [
                {"status": r.status, "notes": r.notes, "updated_at": _iso(r.updated_at)}
                for r in reviews
            ],
            "summaries": [
                {"column": s.column_key, "summary": s.summary, "updated_at": _iso(s.updated_at)}
                for s in summaries
            ],
        },
        "invited_from_x": [
            {"post": lead.link, "text": lead.text, "username": lead.username} for lead in leads
        ],
    }


async def _by_interview(
    session: AsyncSession, model: Any, ids: Sequence[str], *order: Any
) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {i: [] for i in ids}
    if not ids:
        return found
    query = select(model).where(model.interview_id.in_(list(ids)))
    if order:
        query = query.order_by(*order)
    for row in (await session.execute(query)).scalars():
        found[row.interview_id].append(row)
    return found


async def _delete_interviews(
    session: AsyncSession, ids: Sequence[str], *, purge: bool = True
) -> int:
    """Delete interviews and every row hanging off them; returns the number of answers."""
    if not ids:
        return 0
    await _secure(session)
    wanted = list(ids)
    # Lock the interviews first, in the same order as every other writer (the reminder
    # job, answers): no deadlock with a reminder being claimed on PostgreSQL.
    await session.execute(
        select(col(Interview.id)).where(col(Interview.id).in_(wanted)).with_for_update()
    )
    quotes = select(col(Quote.id)).where(col(Quote.interview_id).in_(wanted))
    await session.execute(delete(QuoteTag).where(col(QuoteTag.quote_id).in_(quotes)))
    owned: tuple[Any, ...] = (Quote, InterviewTag, InterviewReview, MatrixCell, Reminder)
    for model in owned:
        await session.execute(delete(model).where(model.interview_id.in_(wanted)))
    result = await session.execute(delete(Answer).where(col(Answer.interview_id).in_(wanted)))
    await session.execute(
        update(Lead).where(col(Lead.interview_id).in_(wanted)).values(interview_id=None)
    )
    await session.execute(delete(Interview).where(col(Interview.id).in_(wanted)))
    if purge:
        await _purge_search_index(session)
    return _changed(result)


async def _secure(session: AsyncSession) -> None:
    """SQLite: overwrite deleted content with zeros instead of leaving it in free pages."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(text("PRAGMA secure_delete = ON"))


async def _purge_search_index(session: AsyncSession) -> None:
    """SQLite's FTS5 keeps deleted answers' trigrams in old index segments until they are
    merged; merging now (`optimize`) drops them with the rows."""
    if session.get_bind().dialect.name != "sqlite":
        return
    found = await session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'answer_fts'")
    )
    if found.first() is not None:
        await session.execute(text("INSERT INTO answer_fts(answer_fts) VALUES ('optimize')"))


async def checkpoint(db: Database) -> None:
    """SQLite in WAL mode: copy the zeroed pages into the database file and empty the
    write-ahead log, so erased text is gone from disk too (best effort: a busy reader
    delays it to the next checkpoint). PostgreSQL reclaims deleted rows by autovacuum."""
    if db.backend != "sqlite":
        return
    try:
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception as exc:  # never fail an erasure over housekeeping
        log.warning("WAL checkpoint after erasure failed: %s", exc)


async def _bump(session: AsyncSession, name: str, by: int = 1) -> None:
    result = await session.execute(
        update(Counter).where(col(Counter.name) == name).values(value=col(Counter.value) + by)
    )
    if _changed(result) == 0:
        session.add(Counter(name=name, value=by))
        await session.flush()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


async def count_rows(db: Database, table: Any) -> int:
    """Rows in a table (tests and the privacy page's numbers)."""
    async with db.reading() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


def _changed(result: Any) -> int:
    """Rows an UPDATE or DELETE touched."""
    return int(result.rowcount)
