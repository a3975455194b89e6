"""delivery: each update's reply outcome; the outbox of replies Telegram did not take

Revision ID: 0010_delivery
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010_delivery"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DT = sqlmodel.sql.sqltypes.UTCDateTime
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table) on both SQLite and PostgreSQL.
    op.add_column("processed_update", sa.Column("reply", _STR(length=8), nullable=True))
    op.add_column(
        "processed_update",
        sa.Column("applied", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        sa.Column("interview_id", sa.String(length=32), nullable=True),
        sa.Column("interview_version", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", _DT(), nullable=False),
        sa.Column("next_attempt_at", _DT(), nullable=False),
        sa.Column("claimed_until", _DT(), nullable=True),
        sa.ForeignKeyConstraint(["respondent_id"], ["respondent.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_respondent_id", "outbox", ["respondent_id"])
    op.create_index("ix_outbox_due", "outbox", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_index("ix_outbox_respondent_id", table_name="outbox")
    op.drop_table("outbox")
    with op.batch_alter_table("processed_update") as batch:
        batch.drop_column("applied")
        batch.drop_column("reply")
