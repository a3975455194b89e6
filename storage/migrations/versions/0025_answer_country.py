"""answer_country: a partial index over the country answers, for the staff app's filter form

Every interviews list shows the countries that occur as filter choices; without an index that
read every answer (about 50 ms with 10,000 interviews of 40 answers on SQLite). The index has
exactly the expression and the condition `review_query.distinct_values` asks with, written as
literals there: a bound parameter would not match a partial or expression index.

Revision ID: 0025_answer_country
Revises: 0001_foundation
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025_answer_country"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_answer_country"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        expression = "(value #>> '{}')"
    else:
        expression = "json_extract(value, '$')"
    op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON answer ({expression}) WHERE key = 'country'")


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
