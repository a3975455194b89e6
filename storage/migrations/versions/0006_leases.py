"""leases: one row per periodic job, so several instances run each job once per period

Revision ID: 0006_leases
Revises: 0001_foundation (its own branch: `upgrade heads` applies it with the others)
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_leases"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DT = sqlmodel.sql.sqltypes.UTCDateTime
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "job_lease",
        sa.Column("name", _STR(length=64), nullable=False),
        sa.Column("holder", _STR(length=128), nullable=False),
        sa.Column("acquired_at", _DT(), nullable=False),
        sa.Column("expires_at", _DT(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("job_lease")
