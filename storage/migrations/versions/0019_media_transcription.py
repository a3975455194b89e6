"""media.transcription: the state of a recording's machine transcription

"pending" while queued or running (resumed at the next start if a stop interrupted it),
"done" or "failed"; NULL when no engine applies (a document, a photo, a language without a
model, transcription off).

Revision ID: 0019_media_transcription
Revises: 0017_media
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019_media_transcription"
down_revision: str | Sequence[str] | None = "0017_media"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.add_column(
            sa.Column("transcription", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.drop_column("transcription")
