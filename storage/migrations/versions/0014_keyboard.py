"""keyboard: which of the bot's messages carries an interview's live buttons, and which
older ones may still show buttons (their removal failed and is retried)

Revision ID: 0014_keyboard
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_keyboard"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table) on both SQLite and PostgreSQL.
    op.add_column("interview", sa.Column("keyboard_message_id", sa.BigInteger(), nullable=True))
    op.add_column("interview", sa.Column("stale_keyboards", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interview") as batch:
        batch.drop_column("stale_keyboards")
        batch.drop_column("keyboard_message_id")
