"""mentions: watched X account, poll cursor, leads, invitation replies

Revision ID: 0004_mentions
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004_mentions"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_str = sqlmodel.sql.sqltypes.AutoString
_dt = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "x_account",
        sa.Column("handle", _str(length=15), nullable=False),
        sa.Column("user_id", _str(length=32), nullable=False),
        sa.Column("looked_up_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("handle"),
    )
    op.create_table(
        "x_cursor",
        sa.Column("handle", _str(length=15), nullable=False),
        sa.Column("since_id", _str(length=32), nullable=True),
        sa.Column("sweep_newest_id", _str(length=32), nullable=True),
        sa.Column("sweep_until_id", _str(length=32), nullable=True),
        sa.Column("backfill_done", sa.Boolean(), nullable=False),
        sa.Column("month_key", _str(length=7), nullable=False),
        sa.Column("reads_used", sa.Integer(), nullable=False),
        sa.Column("last_poll_at", _dt(), nullable=True),
        sa.Column("last_ok_at", _dt(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("handle"),
    )
    op.create_table(
        "lead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tweet_id", _str(length=32), nullable=False),
        sa.Column("author_id", _str(length=32), nullable=False),
        sa.Column("username", _str(length=64), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("author_description", sa.Text(), nullable=True),
        sa.Column("author_location", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("lang", _str(length=16), nullable=True),
        sa.Column("tweet_created_at", _dt(), nullable=True),
        sa.Column("conversation_id", _str(length=32), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", _str(length=16), nullable=False),
        sa.Column("contribution", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("invitation_text", sa.Text(), nullable=True),
        sa.Column("invitation_tweet_id", _str(length=32), nullable=True),
        sa.Column("invited_at", _dt(), nullable=True),
        sa.Column("invited_by", _str(length=64), nullable=True),
        sa.Column("interview_id", _str(length=32), nullable=True),
        sa.Column("fetched_at", _dt(), nullable=False),
        sa.Column("updated_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tweet_id"),
    )
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index("ix_lead_status_score", ["status", "score"], unique=False)
        batch_op.create_index("ix_lead_author", ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_status"), ["status"], unique=False)
    op.create_table(
        "x_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("in_reply_to_tweet_id", _str(length=32), nullable=False),
        sa.Column("reply_tweet_id", _str(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("staff_user", _str(length=64), nullable=False),
        sa.Column("sent_at", _dt(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("x_reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_x_reply_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_x_reply_sent_at"), ["sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("x_reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_x_reply_sent_at"))
        batch_op.drop_index(batch_op.f("ix_x_reply_lead_id"))
    op.drop_table("x_reply")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_status"))
        batch_op.drop_index("ix_lead_author")
        batch_op.drop_index("ix_lead_status_score")
    op.drop_table("lead")
    op.drop_table("x_cursor")
    op.drop_table("x_account")
