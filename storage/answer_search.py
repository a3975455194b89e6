"""The indexes behind the staff app's answer search.

SQLite: a full-text index over answers (FTS5 trigram), kept in step by triggers. An SQLite
"batch" migration that rebuilds the `answer` table drops its triggers, so the staff app calls
`ensure()` at start: it re-creates missing triggers and rebuilds the index when its row count
no longer matches. (Migration 0003 holds the same statements.) The search asks it with MATCH
and a quoted phrase, which for the trigram tokenizer is a case-insensitive substring match
answered from the index alone (LIKE re-reads every matching row: four times the work).

PostgreSQL: a pg_trgm GIN index on the answer text (migration 0012). Through it a search visits
every matching answer, which is what a rare word wants; a word found in most interviews is
cheaper checked interview by interview, stopping at the first matching answer. `common()` asks
the planner (which knows the indexed expression's statistics) which case a pattern is.
"""

from __future__ import annotations

import json

from sqlalchemy import text

from storage.database import Database

#: how many answers a pattern matches, as the planner estimates it (PostgreSQL; the answer
#: text expression is the search's and the trigram index's)
ESTIMATE = (
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM answer WHERE (value #>> '{}') ILIKE :pattern ESCAPE '\\'"
)

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


def fts_phrase(q: str) -> str:
    """An FTS5 MATCH query for the literal text `q` (at least 3 characters for trigrams)."""
    return '"' + q.replace('"', '""') + '"'


async def common(db: Database, pattern: str) -> bool:
    """PostgreSQL: whether an ILIKE `pattern` is estimated to match at least as many answers
    as there are interviews (so most interviews have a match). False when unknown."""
    if db.backend != "postgresql":
        return False
    async with db.reading() as session:
        interviews = await session.scalar(
            text("SELECT reltuples FROM pg_class WHERE relname = 'interview'")
        )
        if interviews is None or interviews <= 0:
            return False
        plan = await session.scalar(text(ESTIMATE).bindparams(pattern=pattern))
    document = json.loads(plan) if isinstance(plan, str) else plan
    rows = float(document[0]["Plan"]["Plan Rows"])
    return rows >= float(interviews)
