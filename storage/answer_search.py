"""The SQLite full-text index over answers (FTS5 trigram), kept in step by triggers.

An SQLite "batch" migration that rebuilds the `answer` table drops its triggers, so the
staff app calls `ensure()` at start: it re-creates missing triggers and rebuilds the index
when its row count no longer matches. (Migration 0003 holds the same statements.)
"""

from __future__ import annotations

from sqlalchemy import text

from storage.database import Database

STATEMENTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS answer_fts USING fts5(body, tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS answer_fts_ai AFTER INSERT ON answer BEGIN "
    "INSERT INTO answer_fts(rowid, body) VALUES (new.id, CASE WHEN json_valid(new.value) "
    "AND json_type(new.value) = 'text' THEN json_extract(new.value, '$') ELSE '' END); END",
    "CREATE TRIGGER IF NOT EXISTS answer_fts_ad AFTER DELETE ON answer BEGIN "
    "DELETE FROM answer_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER IF NOT EXISTS answer_fts_au AFTER UPDATE OF value ON answer BEGIN "
    "DELETE FROM answer_fts WHERE rowid = old.id; "
    "INSERT INTO answer_fts(rowid, body) VALUES (new.id, CASE WHEN json_valid(new.value) "
    "AND json_type(new.value) = 'text' THEN json_extract(new.value, '$') ELSE '' END); END",
]
REBUILD = (
    "INSERT INTO answer_fts(rowid, body) SELECT id, CASE WHEN json_valid(value) "
    "AND json_type(value) = 'text' THEN json_extract(value, '$') ELSE '' END FROM answer"
)


async def ensure(db: Database) -> None:
    if db.backend != "sqlite":
        return
    async with db.transaction() as session:
        for statement in STATEMENTS:
            await session.execute(text(statement))
        indexed = await session.scalar(text("SELECT count(*) FROM answer_fts"))
        answers = await session.scalar(text("SELECT count(*) FROM answer"))
        if indexed != answers:
            await session.execute(text("DELETE FROM answer_fts"))
            await session.execute(text(REBUILD))
