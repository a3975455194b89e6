"""staff language: the language each staff member reads the staff web app in (en or cy)

Revision ID: 0016_staff_language
Revises: 0003_staff
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_staff_language"
down_revision: str | Sequence[str] | None = "0003_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with a default, on both SQLite and PostgreSQL.
    op.add_column(
        "staff_user",
        sa.Column("language", sa.String(length=8), nullable=False, server_default="en"),
    )


def downgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("language")
