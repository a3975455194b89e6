"""paused: /cancel pauses an interview (its next message gets the carry-on offer, not taken
as an answer); and what a respondent wrote after finishing, kept as an addendum

Revision ID: 0022_paused
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_paused"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table) on both SQLite and PostgreSQL.
    op.add_column(
        "interview",
        sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("interview", sa.Column("addendum", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interview") as batch:
        batch.drop_column("addendum")
        batch.drop_column("paused")
