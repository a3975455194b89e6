"""media: voice notes, audio, video notes, documents and photos sent as answers

Revision ID: 0017_media
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017_media"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DT = sqlmodel.sql.sqltypes.UTCDateTime
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.String(length=32), nullable=False),
        sa.Column("answer_key", _STR(length=128), nullable=False),
        sa.Column("kind", _STR(length=16), nullable=False),
        sa.Column("mime_type", _STR(length=128), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("sha256", _STR(length=64), nullable=False),
        sa.Column("file_id", sa.Text(), nullable=False),
        sa.Column("file_unique_id", _STR(length=128), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("transcript_source", _STR(length=16), nullable=True),
        sa.Column("transcript_by", _STR(length=128), nullable=True),
        sa.Column("transcript_at", _DT(), nullable=True),
        sa.Column("created_at", _DT(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("interview_id", "file_unique_id", name="uq_media_interview_file"),
    )
    op.create_index("ix_media_interview_id", "media", ["interview_id"])


def downgrade() -> None:
    op.drop_index("ix_media_interview_id", table_name="media")
    op.drop_table("media")
