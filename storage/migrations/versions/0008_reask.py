"""reask: an interview whose last reply did not get through re-asks its question

Revision ID: 0008_reask
Revises: 0006_leases
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_reask"
down_revision: str | Sequence[str] | None = "0006_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table) on both SQLite and PostgreSQL.
    op.add_column(
        "interview",
        sa.Column("reask", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("interview") as batch:
        batch.drop_column("reask")
