"""The staff search over answers on both backends: the index-served form and the form for a
word most interviews contain find the same interviews, for any text; PostgreSQL has its
trigram index and the planner can use it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select, text
from sqlmodel import col

from storage import answer_search
from storage.database import Database
from storage.models import Answer
from storage.review_query import (
    Filters,
    count,
    distinct_values,
    filtered,
    interview_page,
    json_text,
)
from tests.web.seed import add_interview

TEXTS = {
    1: "We ship 3 sprints a fortnight with the policy team",
    2: "Gwasanaethau digidol ŵyr yr adran, 100% ar-lein",
    3: 'A "quoted" phrase and an under_score, also 50%_off',
    4: "SPRINTS in capitals",
    5: "nothing to see",
}
QUERIES = ("sprints", "3 sprints", "ŵyr", "ŴYR", '"quoted"', "under_score", "%_o", "100%", "zzz")
EXPECTED = {
    "sprints": 2,
    "3 sprints": 1,
    "ŵyr": 1,
    "ŴYR": 1,
    '"quoted"': 1,
    "under_score": 1,
    "%_o": 1,
    "100%": 1,
    "zzz": 0,
}


async def _seeded(url: str) -> Database:
    db = Database(url)
    for n, remit in TEXTS.items():
        await add_interview(db, n, {"remit": remit, "team_size": 40 + n})
    return db


async def _count(db: Database, q: str, common: bool) -> int:
    query = filtered(Filters(q=q), db.backend, common_search=common)
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def test_both_forms_find_the_same_interviews(migrated_url: str) -> None:
    db = await _seeded(migrated_url)
    try:
        for q in QUERIES:
            found = {await _count(db, q, common) for common in (False, True)}
            assert found == {EXPECTED[q]}, (q, found)
            assert await count(db, Filters(q=q)) == EXPECTED[q]
            rows, total = await interview_page(db, Filters(q=q), "newest", 1)
            assert total == len(rows) == EXPECTED[q]
    finally:
        await db.dispose()


async def test_postgresql_has_a_trigram_index_the_search_can_use(migrated_url: str) -> None:
    if not migrated_url.startswith("postgresql"):
        assert await answer_search.common(Database(migrated_url), "%x%") is False
        return
    db = await _seeded(migrated_url)
    try:
        async with db.transaction() as session:
            indexes = await session.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_answer_text_trgm'")
            )
            assert indexes is not None and "gin_trgm_ops" in indexes
            await session.execute(text("ANALYZE answer"))
            await session.execute(text("ANALYZE interview"))
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            # the search's own expression (review_query.json_text ILIKE), as common() asks it
            where = json_text(col(Answer.value), "postgresql").ilike("%sprints%", escape="\\")
            query = select(col(Answer.interview_id)).where(where)
            compiled = query.compile(
                dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
            )
            plan = await session.execute(text(f"EXPLAIN {compiled}"))
            shown = "\n".join(row[0] for row in plan)
            assert "ix_answer_text_trgm" in shown, shown
        assert await answer_search.common(db, "%sprints%") in (True, False)
    finally:
        await db.dispose()


async def test_a_searched_page_counts_every_match_and_a_page_past_the_end_still_does(
    migrated_url: str,
) -> None:
    db = Database(migrated_url)
    try:
        for n in range(1, 8):  # 7 match, 2 do not
            await add_interview(db, n, {"remit": f"Shared platforms, team {n}"})
        for n in (8, 9):
            await add_interview(db, n, {"remit": "nothing to see"})
        for q in ("platforms", "PLATFORMS", "pl"):  # the index (3+ characters) and LIKE
            pages = [
                await interview_page(db, Filters(q=q), "newest", p, per_page=3)
                for p in (1, 2, 3, 4)
            ]
            assert [total for _, total in pages] == [7, 7, 7, 7], q
            assert [len(rows) for rows, _ in pages] == [3, 3, 1, 0], q
            seen = [row.interview.id for rows, _ in pages for row in rows]
            assert seen == [f"iv{n:05d}" for n in range(7, 0, -1)], q
        rows, total = await interview_page(db, Filters(), "oldest", 4, per_page=3)
        assert total == 9 and [r.interview.id for r in rows] == []
    finally:
        await db.dispose()


async def test_the_country_choices_come_from_their_partial_index(migrated_url: str) -> None:
    db = Database(migrated_url)
    try:
        for n, country in enumerate(("GB", "EE", "GB", "AR", None), start=1):
            await add_interview(db, n, {"remit": "x", **({"country": country} if country else {})})
        statements: list[tuple[str, Any]] = []

        def seen(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
            statements.append((statement, params))

        event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
        assert (await distinct_values(db))["country"] == ["AR", "EE", "GB"]
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
        if db.backend == "sqlite":  # PostgreSQL picks by statistics; the index is in 0025
            asked = [(s, p) for s, p in statements if "'country'" in s]
            assert len(asked) == 1, statements
            async with db.reading() as session:
                connection = await session.connection()
                plan = await connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + asked[0][0], asked[0][1]
                )
                shown = " ".join(str(row[-1]) for row in plan)
                # the index answers the DISTINCT too (its expression is the query's)
                assert "ix_answer_country" in shown and "TEMP B-TREE" not in shown, shown
    finally:
        await db.dispose()
