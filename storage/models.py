"""SQLModel tables for respondents, interviews, answers and processed updates.

The interview row holds the engine's state (JSON) and a version number: each answer is
written together with the new state in one transaction, and the version check stops two
workers from applying answers to the same interview at once.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.clock import utcnow


def new_interview_id() -> str:
    """Opaque, unguessable, URL-safe id (stable across exports)."""
    return secrets.token_urlsafe(12)


class Respondent(SQLModel, table=True):
    """A Telegram user who opened the bot. Deleted outright on /delete."""

    __tablename__ = "respondent"

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    username: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, sa_column=Column(Text))
    telegram_language: str | None = Field(default=None, max_length=16)
    language: str | None = Field(default=None, max_length=16)
    unreachable: bool = Field(default=False)
    reminders_opt_out: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class Interview(SQLModel, table=True):
    """One run through the questionnaire. `state` is the pure engine's JSON state."""

    __tablename__ = "interview"
    __table_args__ = (
        Index("ix_interview_status_updated", "status", "updated_at"),
        Index("ix_interview_respondent", "respondent_id"),
    )

    id: str = Field(default_factory=new_interview_id, primary_key=True, max_length=32)
    respondent_id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, ForeignKey("respondent.id", ondelete="SET NULL")),
    )
    questionnaire_id: str = Field(max_length=64)
    questionnaire_version: str = Field(max_length=64)
    language: str = Field(max_length=16)
    status: str = Field(default="in_progress", max_length=16, index=True)
    source: str | None = Field(default=None, max_length=128)
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = Field(default=0)
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    consented_at: datetime | None = None
    consent_version: str | None = Field(default=None, max_length=32)
    quote_consent: str | None = Field(default=None, max_length=16)
    # The reply to the last step may not have reached the respondent (Telegram kept failing):
    # their next message re-asks the question instead of being taken as its answer.
    reask: bool = Field(default=False)
    # With attributable quote consent: the name and job title the respondent typed to be
    # credited with (never their Telegram name); pending while the bot waits for it.
    credit: str | None = Field(default=None, sa_column=Column(Text))
    credit_pending: bool = Field(default=False)
    # The bot's message that carries this interview's live buttons (the question on screen):
    # when another message takes them over, this one's keyboard is removed.
    keyboard_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    # Older messages whose buttons could not be removed yet (Telegram failed): retried next time.
    stale_keyboards: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # /cancel paused it: the next message or tap gets the carry-on offer, not taken as an
    # answer (any step clears it).
    paused: bool = Field(default=False)
    # What the respondent wrote after finishing, kept for staff (transcript and exports).
    addendum: str | None = Field(default=None, sa_column=Column(Text))


class Answer(SQLModel, table=True):
    """The current answer to one question (or repeat item) of an interview."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("interview_id", "key", name="uq_answer_interview_key"),)

    id: int | None = Field(default=None, primary_key=True)
    interview_id: str = Field(
        sa_column=Column(String(32), ForeignKey("interview.id", ondelete="CASCADE"), nullable=False)
    )
    key: str = Field(max_length=128)
    question_id: str = Field(max_length=64)
    repeat_item: str | None = Field(default=None, max_length=64)
    position: int = Field(default=0)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    language: str = Field(max_length=16)
    question_text: str = Field(sa_column=Column(Text, nullable=False))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    answered_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ProcessedUpdate(SQLModel, table=True):
    """Telegram update ids already applied, so a redelivered update changes nothing, and
    what became of each one's reply (`reply`, see handlers/outbox.py): "sent", "queued" (in
    the outbox), "gone", "failed" (a redelivery runs it again), or NULL while it is being
    handled. An id and two flags: no content, nobody's data."""

    __tablename__ = "processed_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(default_factory=utcnow)
    reply: str | None = Field(default=None, max_length=8)
    # the update's change was stored (an interview step, an erasure, a counted refusal); a row
    # without it is an update being handled (claimed on arrival, so two instances never both)
    applied: bool = Field(default=True)


class OutboxMessage(SQLModel, table=True):
    """A reply that Telegram did not take after the transport's retries, waiting for the
    outbox job (bot/outbox.py) to deliver it. Deleted once delivered, superseded (the
    interview moved on: a later reply asked afresh) or undeliverable; with the respondent.
    `claimed_until` is the claim that stops two instances sending the same row."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    respondent_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("respondent.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    update_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    interview_id: str | None = Field(
        default=None,
        sa_column=Column(String(32), ForeignKey("interview.id", ondelete="CASCADE")),
    )
    interview_version: int | None = None
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_until: datetime | None = None


class Counter(SQLModel, table=True):
    """Anonymous tallies (declined consent, withdrawals): numbers, never people."""

    __tablename__ = "counter"

    name: str = Field(primary_key=True, max_length=64)
    value: int = Field(default=0)


class Reminder(SQLModel, table=True):
    """One reminder for an idle interview, as a row so a restart neither loses nor repeats it.

    `sent_at` is the claim: the job sets it (only where it is still NULL) before sending, so
    at most one worker sends each row. `kind` is "idle" (counts towards the maximum) or
    "later" (the respondent asked for it). Deleted with the interview.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("interview_id", "number", name="uq_reminder_interview_number"),
        Index("ix_reminder_pending", "sent_at", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    interview_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("interview.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    number: int
    kind: str = Field(default="idle", max_length=16)
    due_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=16)
    attempts: int = Field(default=0)


class Media(SQLModel, table=True):
    """A file a respondent sent as (part of) an answer: a voice note, audio, video note,
    document or photo. The answer's text holds a line naming it ("[voice note 0:42]"), so
    review, search and exports keep working; this row holds what the file is and where it is
    kept. Deleted with the interview (and its file with it: storage/media_repo.py)."""

    __tablename__ = "media"
    __table_args__ = (
        UniqueConstraint("interview_id", "file_unique_id", name="uq_media_interview_file"),
    )

    id: int | None = Field(default=None, primary_key=True)
    interview_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("interview.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    answer_key: str = Field(max_length=128)
    kind: str = Field(max_length=16)  # voice, audio, video_note, document, photo
    mime_type: str = Field(max_length=128)
    file_name: str | None = Field(default=None, sa_column=Column(Text))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    duration: int | None = None  # seconds, for voice, audio and video notes
    sha256: str = Field(max_length=64)
    file_id: str = Field(sa_column=Column(Text, nullable=False))
    file_unique_id: str = Field(max_length=128)
    path: str = Field(sa_column=Column(Text, nullable=False))  # relative to MEDIA_DIR
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    transcript: str | None = Field(default=None, sa_column=Column(Text))
    # machine (not yet checked), confirmed (a person confirmed the machine's), person (typed
    # or corrected by a person); by/at: the person, or None for a machine's
    transcript_source: str | None = Field(default=None, max_length=16)
    transcript_by: str | None = Field(default=None, max_length=128)
    transcript_at: datetime | None = None
    # machine transcription: pending, done, failed; None when no engine applies
    transcription: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
