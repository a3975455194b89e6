"""Tables of the staff web app: accounts, sessions, sign-in attempts, audit log and coding.

Coding follows Dovetail's split of *fields* (the interview's own answers: country, level)
from *tags* (themes in a shared codebook), with Taguette-style highlights: a quote is an exact
span of one stored answer, so it can always be traced back to what the respondent wrote.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.clock import utcnow
from storage.models import Answer, Interview

ROLES: tuple[str, ...] = ("viewer", "editor", "admin")
REVIEW_STATUSES: tuple[str, ...] = ("new", "reviewed", "follow_up", "excluded")


class StaffUser(SQLModel, table=True):
    """A CDPS researcher. Only the argon2 hash of the password is kept."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    role: str = Field(default="viewer", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    #: the language this person reads the staff app in (migration 0016)
    language: str = Field(default="en", max_length=8)


class StaffSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "staff_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False)
    )
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class LoginAttempt(SQLModel, table=True):
    """Failed sign-ins, counted per username and per address to slow down guessing."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    ip: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    """Who looked at personal data, exported or deleted something, and when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    username: str = Field(max_length=64)
    action: str = Field(max_length=32)
    target: str | None = Field(default=None, max_length=128)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Tag(SQLModel, table=True):
    """One code of the codebook, labelled in English and Welsh."""

    __tablename__ = "tag"

    id: int | None = Field(default=None, primary_key=True)
    label_en: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    label_cy: str = Field(default="", max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    colour: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class InterviewTag(SQLModel, table=True):
    """A tag applied to a whole interview."""

    __tablename__ = "interview_tag"
    __table_args__ = (Index("ix_interview_tag_tag", "tag_id"),)

    interview_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("interview.id", ondelete="CASCADE"), primary_key=True
        )
    )
    tag_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    )
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class Quote(SQLModel, table=True):
    """An exact passage of one answer: `text == answer_text[start:end]` when it was made."""

    __tablename__ = "quote"
    __table_args__ = (Index("ix_quote_interview", "interview_id"),)

    id: int | None = Field(default=None, primary_key=True)
    interview_id: str = Field(
        sa_column=Column(String(32), ForeignKey("interview.id", ondelete="CASCADE"), nullable=False)
    )
    answer_key: str = Field(max_length=128)
    start: int
    end: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    in_pack: bool = Field(default=True)  # staff's choice: in the report pack (consent permitting)


class QuoteTag(SQLModel, table=True):
    """Tags on a quote (many to many)."""

    __tablename__ = "quote_tag"
    __table_args__ = (Index("ix_quote_tag_tag", "tag_id"),)  # the primary key makes pairs unique

    quote_id: int = Field(
        sa_column=Column(Integer, ForeignKey("quote.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    )


class InterviewReview(SQLModel, table=True):
    """A reviewer's verdict and notes; no row means status 'new'."""

    __tablename__ = "interview_review"

    interview_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("interview.id", ondelete="CASCADE"), primary_key=True
        )
    )
    status: str = Field(default="new", max_length=16, index=True)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_by: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


# Indexes the staff views need on the bot's own tables (made by migration 0003).
Index("ix_staff_interview_started", Interview.__table__.c.started_at)  # type: ignore[attr-defined]
Index("ix_staff_answer_question", Answer.__table__.c.question_id)  # type: ignore[attr-defined]


class MatrixCell(SQLModel, table=True):
    """A staff summary of one interview under one framework-matrix column (migration 0016).

    Kept apart from the answer it summarises; every save and removal is in the audit log.
    `column_key` is `q:<answer key>` or `tag:<tag id>`.
    """

    __tablename__ = "matrix_cell"
    __table_args__ = (UniqueConstraint("interview_id", "column_key", name="uq_matrix_cell"),)

    id: int | None = Field(default=None, primary_key=True)
    interview_id: str = Field(
        sa_column=Column(String(32), ForeignKey("interview.id", ondelete="CASCADE"), nullable=False)
    )
    column_key: str = Field(max_length=160)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    updated_by: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
