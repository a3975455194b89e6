"""staff web app: accounts, sessions, sign-in attempts, audit log, codebook, quotes, reviews

Also a full-text index over answers: on SQLite an FTS5 trigram table kept in step with
`answer` by triggers (LIKE-compatible substring search that stays fast at 10,000 interviews).

Revision ID: 0003_staff
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_staff"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DT = sqlmodel.sql.sqltypes.UTCDateTime
_STR = sqlmodel.sql.sqltypes.AutoString

# Kept identical to storage/answer_search.py (which re-creates them at start, because an
# SQLite batch migration of `answer` by another feature would drop the triggers).
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS answer_fts USING fts5(body, tokenize='trigram')",
    """CREATE TRIGGER IF NOT EXISTS answer_fts_ai AFTER INSERT ON answer BEGIN
        INSERT INTO answer_fts(rowid, body) VALUES (new.id,
            CASE WHEN json_valid(new.value) AND json_type(new.value) = 'text'
            THEN json_extract(new.value, '$') ELSE '' END);
    END""",
    """CREATE TRIGGER IF NOT EXISTS answer_fts_ad AFTER DELETE ON answer BEGIN
        DELETE FROM answer_fts WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS answer_fts_au AFTER UPDATE OF value ON answer BEGIN
        DELETE FROM answer_fts WHERE rowid = old.id;
        INSERT INTO answer_fts(rowid, body) VALUES (new.id,
            CASE WHEN json_valid(new.value) AND json_type(new.value) = 'text'
            THEN json_extract(new.value, '$') ELSE '' END);
    END""",
]


def upgrade() -> None:
    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", _STR(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", _STR(length=16), nullable=False),
        sa.Column("created_at", _DT(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "staff_session",
        sa.Column("token_hash", _STR(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", _STR(length=64), nullable=False),
        sa.Column("created_at", _DT(), nullable=False),
        sa.Column("expires_at", _DT(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["staff_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", _STR(length=64), nullable=False),
        sa.Column("ip", _STR(length=64), nullable=False),
        sa.Column("at", _DT(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_attempt_username_at", "login_attempt", ["username", "at"])
    op.create_index("ix_login_attempt_ip_at", "login_attempt", ["ip", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _DT(), nullable=False),
        sa.Column("username", _STR(length=64), nullable=False),
        sa.Column("action", _STR(length=32), nullable=False),
        sa.Column("target", _STR(length=128), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label_en", _STR(length=200), nullable=False),
        sa.Column("label_cy", _STR(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("colour", _STR(length=16), nullable=True),
        sa.Column("created_at", _DT(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("label_en"),
    )
    op.create_table(
        "interview_tag",
        sa.Column("interview_id", sa.String(length=32), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("created_by", _STR(length=64), nullable=False),
        sa.Column("created_at", _DT(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("interview_id", "tag_id"),
    )
    op.create_index("ix_interview_tag_tag", "interview_tag", ["tag_id"])
    op.create_table(
        "quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.String(length=32), nullable=False),
        sa.Column("answer_key", _STR(length=128), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", _STR(length=64), nullable=False),
        sa.Column("created_at", _DT(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_quote_interview", "quote", ["interview_id"])
    op.create_table(
        "quote_tag",
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["quote_id"], ["quote.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("quote_id", "tag_id"),
    )
    op.create_index("ix_quote_tag_tag", "quote_tag", ["tag_id"])
    op.create_table(
        "interview_review",
        sa.Column("interview_id", sa.String(length=32), nullable=False),
        sa.Column("status", _STR(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_by", _STR(length=64), nullable=False),
        sa.Column("updated_at", _DT(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("interview_id"),
    )
    op.create_index("ix_interview_review_status", "interview_review", ["status"])
    # The list page sorts by start time; the foundation only indexes (status, updated_at).
    op.create_index("ix_staff_interview_started", "interview", ["started_at"])
    op.create_index("ix_staff_answer_question", "answer", ["question_id"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
        op.execute(
            "INSERT INTO answer_fts(rowid, body) SELECT id, CASE WHEN json_valid(value) "
            "AND json_type(value) = 'text' THEN json_extract(value, '$') ELSE '' END FROM answer"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("answer_fts_ai", "answer_fts_ad", "answer_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS answer_fts")
    op.drop_index("ix_staff_answer_question", table_name="answer")
    op.drop_index("ix_staff_interview_started", table_name="interview")
    for table in ("interview_review", "quote_tag", "quote", "interview_tag", "tag", "audit_log",
                  "login_attempt", "staff_session", "staff_user"):
        op.drop_table(table)
