"""answer_trigram: a pg_trgm GIN index over answer text, for the staff app's search on PostgreSQL

The search is a substring match (`value #>> '{}' ILIKE '%word%'`); without an index every
answer is read. The index has exactly the search's expression. SQLite has its FTS5 trigram
table (0003) and needs nothing here. pg_trgm is a trusted extension (PostgreSQL 13+): the
database owner may create it. Where it cannot be had the migration says so and the search
still works, by reading every answer.

Revision ID: 0012_answer_trigram
Revises: 0001_foundation
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_answer_trigram"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_answer_text_trgm"
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.scalar(
        sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")
    )
    if not available:
        log.warning("pg_trgm is not installed on this server: answer search stays unindexed")
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("cannot create pg_trgm (%s): answer search stays unindexed", type(exc).__name__)
        return
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON answer USING gin ((value #>> '{{}}') gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
