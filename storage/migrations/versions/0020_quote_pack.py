"""quote_pack: whether each tagged quote goes into the report pack (staff choose; default yes)

Revision ID: 0020_quote_pack
Revises: 0016_workspace
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_quote_pack"
down_revision: str | Sequence[str] | None = "0016_workspace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with a default on both SQLite and PostgreSQL: every existing quote
    # stays in the pack, as it was before the choice existed.
    op.add_column(
        "quote",
        sa.Column("in_pack", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("quote") as batch:
        batch.drop_column("in_pack")
