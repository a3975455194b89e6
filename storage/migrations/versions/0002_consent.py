"""consent on interviews; anonymous counters

Revision ID: 0002_consent
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_consent"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interview") as batch:
        batch.add_column(sa.Column("consented_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("consent_version", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("quote_consent", sa.String(length=16), nullable=True))
    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("counter")
    with op.batch_alter_table("interview") as batch:
        batch.drop_column("quote_consent")
        batch.drop_column("consent_version")
        batch.drop_column("consented_at")
