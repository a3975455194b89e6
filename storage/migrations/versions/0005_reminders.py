"""reminders: one row per reminder of an idle interview; respondents' opt-out

Revision ID: 0005_reminders
Revises: 0002_consent
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_reminders"
down_revision: str | Sequence[str] | None = "0002_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DT = sqlmodel.sql.sqltypes.UTCDateTime
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table) on both SQLite and PostgreSQL.
    op.add_column(
        "respondent",
        sa.Column("reminders_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", _STR(length=16), nullable=False),
        sa.Column("due_at", _DT(), nullable=False),
        sa.Column("created_at", _DT(), nullable=False),
        sa.Column("sent_at", _DT(), nullable=True),
        sa.Column("outcome", _STR(length=16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("interview_id", "number", name="uq_reminder_interview_number"),
    )
    op.create_index("ix_reminder_interview_id", "reminder", ["interview_id"])
    op.create_index("ix_reminder_pending", "reminder", ["sent_at", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_reminder_pending", table_name="reminder")
    op.drop_index("ix_reminder_interview_id", table_name="reminder")
    op.drop_table("reminder")
    with op.batch_alter_table("respondent") as batch:
        batch.drop_column("reminders_opt_out")
