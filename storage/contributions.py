"""Tables that code a tweet marked as a contribution with the same codebook as interviews.

A contribution is a lead (`lead.contribution` true): the tweet itself is the evidence. Its
coding mirrors interview coding (storage/staff.py) table for table, so tags come from the one
shared codebook and a quote is an exact span of the stored tweet text:

    interview_tag  ↔  contribution_tag        (tag on the whole item)
    quote          ↔  contribution_quote      (passage = text[start:end])
    quote_tag      ↔  contribution_quote_tag

Separate tables rather than a nullable `lead_id` on `quote` keep every interview query,
export and consent rule untouched (see docs/adr/0003-contributions.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from storage.clock import utcnow


class ContributionTag(SQLModel, table=True):
    """A codebook tag applied to a whole contribution (a tweet)."""

    __tablename__ = "contribution_tag"
    __table_args__ = (Index("ix_contribution_tag_tag", "tag_id"),)

    lead_id: int = Field(
        sa_column=Column(Integer, ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    )
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ContributionQuote(SQLModel, table=True):
    """An exact passage of a contribution's tweet: `text == lead.text[start:end]`."""

    __tablename__ = "contribution_quote"
    __table_args__ = (Index("ix_contribution_quote_lead", "lead_id"),)

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(
        sa_column=Column(Integer, ForeignKey("lead.id", ondelete="CASCADE"), nullable=False)
    )
    start: int
    end: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ContributionQuoteTag(SQLModel, table=True):
    """Tags on a contribution's quote (many to many)."""

    __tablename__ = "contribution_quote_tag"
    __table_args__ = (Index("ix_contribution_quote_tag_tag", "tag_id"),)

    quote_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("contribution_quote.id", ondelete="CASCADE"), primary_key=True
        )
    )
    tag_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    )
