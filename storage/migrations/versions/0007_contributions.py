"""contributions: tweets coded with the codebook (tags, quotes); who marked a contribution

Also moves the free-text labels that 0004 kept in `lead.tags` into the codebook (a tag is
created for a label the codebook lacks) and empties that column, so there is one set of tags.
See docs/adr/0003-contributions.md.

Revision ID: 0007_contributions
Revises: 0004_mentions, 0003_staff (the codebook's `tag` table)
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007_contributions"
down_revision: str | Sequence[str] | None = ("0004_mentions", "0003_staff")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STR = sqlmodel.sql.sqltypes.AutoString
_DT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    # Plain ADD COLUMN (nullable): no batch copy of `lead` on SQLite.
    op.add_column("lead", sa.Column("contribution_by", _STR(length=64), nullable=True))
    op.add_column("lead", sa.Column("contribution_at", _DT(), nullable=True))
    op.create_table(
        "contribution_tag",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("created_by", _STR(length=64), nullable=False),
        sa.Column("created_at", _DT(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lead_id", "tag_id"),
    )
    op.create_index("ix_contribution_tag_tag", "contribution_tag", ["tag_id"])
    op.create_table(
        "contribution_quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", _STR(length=64), nullable=False),
        sa.Column("created_at", _DT(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contribution_quote_lead", "contribution_quote", ["lead_id"])
    op.create_table(
        "contribution_quote_tag",
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["quote_id"], ["contribution_quote.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("quote_id", "tag_id"),
    )
    op.create_index("ix_contribution_quote_tag_tag", "contribution_quote_tag", ["tag_id"])
    _move_labels_into_codebook()


def _move_labels_into_codebook() -> None:
    """lead.tags (free text, 0004) → codebook tags + contribution_tag rows."""
    bind = op.get_bind()
    leads = sa.table(
        "lead", sa.column("id", sa.Integer), sa.column("tags", sa.JSON), sa.column("updated_at")
    )
    tags = sa.table(
        "tag",
        sa.column("id", sa.Integer),
        sa.column("label_en", sa.String),
        sa.column("label_cy", sa.String),
        sa.column("description", sa.Text),
        sa.column("created_at", _DT()),
    )
    links = sa.table(
        "contribution_tag",
        sa.column("lead_id", sa.Integer),
        sa.column("tag_id", sa.Integer),
        sa.column("created_by", sa.String),
        sa.column("created_at", _DT()),
    )
    now = datetime.now(UTC)
    known = {
        str(label).lower(): tid
        for tid, label in bind.execute(sa.select(tags.c.id, tags.c.label_en))
    }
    for lead_id, raw in bind.execute(sa.select(leads.c.id, leads.c.tags)).all():
        labels = raw if isinstance(raw, list) else json.loads(raw or "[]")
        chosen: set[int] = set()
        for label in (str(v).strip()[:200] for v in labels):
            if not label:
                continue
            if label.lower() not in known:
                bind.execute(
                    tags.insert().values(
                        label_en=label, label_cy="", description="", created_at=now
                    )
                )
                known[label.lower()] = bind.execute(
                    sa.select(tags.c.id).where(tags.c.label_en == label)
                ).scalar_one()
            chosen.add(known[label.lower()])
        for tag_id in sorted(chosen):
            bind.execute(
                links.insert().values(
                    lead_id=lead_id, tag_id=tag_id, created_by="migration", created_at=now
                )
            )
        if labels:
            bind.execute(leads.update().where(leads.c.id == lead_id).values(tags=[]))


def downgrade() -> None:
    op.drop_index("ix_contribution_quote_tag_tag", table_name="contribution_quote_tag")
    op.drop_table("contribution_quote_tag")
    op.drop_index("ix_contribution_quote_lead", table_name="contribution_quote")
    op.drop_table("contribution_quote")
    op.drop_index("ix_contribution_tag_tag", table_name="contribution_tag")
    op.drop_table("contribution_tag")
    with op.batch_alter_table("lead") as batch:
        batch.drop_column("contribution_at")
        batch.drop_column("contribution_by")
