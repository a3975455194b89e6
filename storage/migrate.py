"""Apply or revert Alembic migrations programmatically (`dgu-bot migrate`, `serve` at start).

Each feature area adds its own revision on top of the foundation; `heads` applies them all,
so work that landed in parallel doesn't need a merge revision to run.
"""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import async_url, sqlite_path

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, target: str = "heads") -> None:
    """Bring the database to the newest schema (creates the SQLite folder first).

    Processes starting together take turns: a PostgreSQL advisory lock (in env.py), or a
    lock file beside a SQLite database, so the second finds the work done instead of failing.
    """
    path = sqlite_path(url)
    if path is None:
        command.upgrade(alembic_config(url), target)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(path.with_name(path.name + ".migrate-lock")):
        command.upgrade(alembic_config(url), target)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def downgrade(url: str, target: str = "base") -> None:
    command.downgrade(alembic_config(url), target)


async def upgrade_async(url: str, target: str = "heads") -> None:
    """Run migrations from inside a running event loop (Alembic's env uses asyncio.run)."""
    await asyncio.to_thread(upgrade, url, target)


async def is_current(url: str) -> bool:
    """True when the database is at every head (used by /healthz and tests)."""
    script = ScriptDirectory.from_config(alembic_config(url))
    heads = set(script.get_heads())
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
    finally:
        await engine.dispose()
    return current == heads
