"""Tables for the @cdps_cymru mention monitor: the watched account, the poll cursor, leads, replies.

X ids are kept as strings (up to 19 digits) because the API sends them as strings and
JavaScript in the staff pages cannot hold them as numbers. The cursor row is written in the
same transaction as the leads of the page it covers, so a crash never leaves a gap or a double.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from storage.clock import utcnow

LEAD_STATUSES = ("new", "invited", "started", "completed", "dismissed")
"""Life of a lead; `dismissed` can be reached from any state by staff."""


class XAccount(SQLModel, table=True):
    """The watched handle and its numeric id, looked up once (user lookups cost reads)."""

    __tablename__ = "x_account"

    handle: str = Field(primary_key=True, max_length=15)
    user_id: str = Field(max_length=32)
    looked_up_at: datetime = Field(default_factory=utcnow)


class XCursor(SQLModel, table=True):
    """Where polling stands for one handle, and how many posts were read this month.

    `since_id` is the newest tweet id fully covered. While a sweep through several pages is
    under way, `sweep_newest_id` holds the newest id of the sweep and `sweep_until_id` the
    oldest id stored so far; an interrupted sweep resumes with `until_id` instead of losing
    the older pages.
    """

    __tablename__ = "x_cursor"

    handle: str = Field(primary_key=True, max_length=15)
    since_id: str | None = Field(default=None, max_length=32)
    sweep_newest_id: str | None = Field(default=None, max_length=32)
    sweep_until_id: str | None = Field(default=None, max_length=32)
    backfill_done: bool = Field(default=False)
    month_key: str = Field(default="", max_length=7)
    reads_used: int = Field(default=0)
    last_poll_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class Lead(SQLModel, table=True):
    """A mention of the account that may lead to an interview (or is a contribution itself)."""

    __tablename__ = "lead"
    __table_args__ = (
        Index("ix_lead_status_score", "status", "score"),
        Index("ix_lead_author", "author_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tweet_id: str = Field(max_length=32, unique=True)
    author_id: str = Field(max_length=32)
    username: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, sa_column=Column(Text))
    author_description: str | None = Field(default=None, sa_column=Column(Text))
    author_location: str | None = Field(default=None, sa_column=Column(Text))
    text: str = Field(sa_column=Column(Text, nullable=False))
    link: str = Field(sa_column=Column(Text, nullable=False))
    lang: str | None = Field(default=None, max_length=16)
    tweet_created_at: datetime | None = None
    conversation_id: str | None = Field(default=None, max_length=32)
    score: int = Field(default=0)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="new", max_length=16, index=True)
    contribution: bool = Field(default=False)
    contribution_by: str | None = Field(default=None, max_length=64)
    contribution_at: datetime | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """Retired by migration 0007: contributions are coded with codebook tags (contribution_tag)."""
    note: str | None = Field(default=None, sa_column=Column(Text))
    invitation_text: str | None = Field(default=None, sa_column=Column(Text))
    invitation_tweet_id: str | None = Field(default=None, max_length=32)
    invited_at: datetime | None = None
    invited_by: str | None = Field(default=None, max_length=64)
    interview_id: str | None = Field(default=None, max_length=32)
    fetched_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class XReply(SQLModel, table=True):
    """Every invitation reply attempted (sent or dry run): the audit trail and the daily cap."""

    __tablename__ = "x_reply"

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(index=True)
    in_reply_to_tweet_id: str = Field(max_length=32)
    reply_tweet_id: str | None = Field(default=None, max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    dry_run: bool = Field(default=False)
    automatic: bool = Field(default=False)
    staff_user: str = Field(max_length=64)
    sent_at: datetime = Field(default_factory=utcnow, index=True)
    error: str | None = Field(default=None, sa_column=Column(Text))


def as_dict(row: SQLModel) -> dict[str, Any]:
    """Plain dict of a row, for JSON views and exports."""
    return row.model_dump()
