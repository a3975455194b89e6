"""Migrations on both backends: all the way up, all the way down, up again; and the models
(what the code expects) match the schema the migrations build (what production has)."""

from __future__ import annotations

import warnings
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import async_url
from storage.migrate import alembic_config, downgrade, is_current, upgrade_async
from storage.tables import metadata

#: objects the migrations make that the models cannot describe: SQLite's full-text index
#: of answers (a virtual table and its shadow tables, created by 0003 on SQLite only)
MIGRATION_ONLY_TABLES = ("answer_fts",)
#: and PostgreSQL's trigram index of answer text (0012): an expression index on one backend;
#: the partial index of country answers (0025), whose expression differs by backend
MIGRATION_ONLY_INDEXES = ("ix_answer_text_trgm", "ix_answer_country")


def _include(obj: Any, name: str | None, type_: str, reflected: bool, _compare_to: Any) -> bool:
    if type_ == "index" and name in MIGRATION_ONLY_INDEXES:
        return False
    return not (type_ == "table" and name is not None and name.startswith(MIGRATION_ONLY_TABLES))


async def _run(url: str, fn: Any) -> Any:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def _diff(sync: Any) -> list[Any]:
    context = MigrationContext.configure(
        sync, opts={"compare_type": True, "include_object": _include}
    )
    with warnings.catch_warnings():
        # SQLAlchemy cannot reflect SQLite's expression indexes and says so; this one is the
        # migration's own (MIGRATION_ONLY_INDEXES), any other such warning still fails
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index ix_answer_country"
        )
        return list(compare_metadata(context, metadata))


def _tables(sync: Any) -> set[str]:
    return {t for t in inspect(sync).get_table_names() if t != "alembic_version"}


async def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    import asyncio

    await upgrade_async(database_url)
    assert await is_current(database_url)
    first = await _run(database_url, _tables)
    assert {"interview", "answer", "processed_update", "job_lease"} <= first
    await asyncio.to_thread(downgrade, database_url, "base")
    assert await _run(database_url, _tables) == set()
    await upgrade_async(database_url)
    assert await is_current(database_url)
    assert await _run(database_url, _tables) == first


async def test_models_match_migrations(database_url: str) -> None:
    await upgrade_async(database_url)
    diff = await _run(database_url, _diff)
    assert diff == [], "models and migrations differ; add a migration:\n" + "\n".join(
        map(str, diff)
    )


def test_every_revision_can_be_reached_from_heads() -> None:
    """One head per feature branch is fine; a revision nobody reaches is not."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revisions = {r.revision for r in script.walk_revisions()}
    reachable = {
        r.revision for head in script.get_heads() for r in script.iterate_revisions(head, "base")
    }
    assert revisions == reachable
