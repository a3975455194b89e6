"""credit: the name and job title an attributable respondent asked to be credited with

Revision ID: 0013_credit
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_credit"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch copy of the table) on both SQLite and PostgreSQL.
    op.add_column("interview", sa.Column("credit", sa.Text(), nullable=True))
    op.add_column(
        "interview",
        sa.Column("credit_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("interview") as batch:
        batch.drop_column("credit_pending")
        batch.drop_column("credit")
