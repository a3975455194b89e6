"""workspace: each staff member's language, and the framework matrix's cell summaries

Revision ID: 0016_workspace
Revises: 0003_staff
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016_workspace"
down_revision: str | Sequence[str] | None = "0003_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DT = sqlmodel.sql.sqltypes.UTCDateTime
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # A plain ADD COLUMN with a default, on both SQLite and PostgreSQL.
    op.add_column(
        "staff_user",
        sa.Column("language", _STR(length=8), nullable=False, server_default="en"),
    )
    op.create_table(
        "matrix_cell",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.String(length=32), nullable=False),
        sa.Column("column_key", _STR(length=160), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("updated_by", _STR(length=64), nullable=False),
        sa.Column("updated_at", _DT(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("interview_id", "column_key", name="uq_matrix_cell"),
    )


def downgrade() -> None:
    op.drop_table("matrix_cell")
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("language")
