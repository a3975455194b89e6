"""Where the time of a missed staff-app target goes: the query plan and a pyinstrument profile
of the same work run in the benchmark process against the same database (not timed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from bench.report import trim_profile

PROFILE_LINES = 60


async def search(url: str, word: str) -> str:
    """The interviews list with a search: the count's query plan, then a profile of one page."""
    from storage.database import Database
    from storage.review_query import Filters, filtered, interview_page

    db = Database(url)
    try:
        filters = Filters(q=word)
        query = select(func.count()).select_from(filtered(filters, db.backend).subquery())
        plan = await _plan(db, query)
        profile = await _profiled(interview_page(db, filters, "newest", 1))
    finally:
        await db.dispose()
    return f"query plan of the count ({db.backend}):\n{plan}\n\n{profile}"


async def export(url: str) -> str:
    """The whole CSV export (as the staff download streams it), profiled."""
    from bot import exports
    from storage.database import Database

    db = Database(url)

    async def consume() -> int:
        size = 0
        async for chunk in exports.csv_chunks(db, exports.ExportFilter(status="completed")):
            size += len(chunk)
        return size

    try:
        return await _profiled(consume())
    finally:
        await db.dispose()


async def _plan(db: Any, query: Any) -> str:
    compiled = query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.backend == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    async with db.reading() as session:
        rows = (await session.execute(text(prefix + str(compiled)))).all()
    if db.backend == "sqlite":
        return "\n".join(f"{'  ' * 0}{row[-1]}" for row in rows)
    return "\n".join(str(row[0]) for row in rows)


async def _profiled(awaitable: Any) -> str:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001, async_mode="enabled")
    profiler.start()
    try:
        await awaitable
    finally:
        profiler.stop()
    return trim_profile(profiler.output_text(unicode=False, color=False), PROFILE_LINES)
