"""Shared fixtures: database URLs for SQLite and (when a server is given) PostgreSQL.

`database_url` is an empty database (for tests of migrating itself, or of processes that
migrate at start); `migrated_url` is one at every head: migrated once per session per backend
(a template file; a template database) and copied for each test, which is much faster than
migrating each time (about a second per test on SQLite, more on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

os.environ.setdefault("PTB_TIMEDELTA", "1")

POSTGRES = os.environ.get("DGU_TEST_POSTGRES_URL")
T = TypeVar("T")


def backends() -> list[str]:
    if POSTGRES:
        return ["sqlite", "postgresql"]
    if os.environ.get("DGU_REQUIRE_POSTGRES"):
        raise RuntimeError("DGU_REQUIRE_POSTGRES is set but DGU_TEST_POSTGRES_URL is not")
    return ["sqlite"]


async def _fresh_postgres(template: str | None = None) -> tuple[str, str]:
    """A new, empty database (or a copy of `template`, a database nobody is connected to)."""
    import asyncpg

    assert POSTGRES is not None
    name = f"dgu_test_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(POSTGRES.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await conn.close()
    base = POSTGRES.rsplit("/", 1)[0]
    return f"{base}/{name}", name


async def _drop_postgres(name: str) -> None:
    import asyncpg

    assert POSTGRES is not None
    conn = await asyncpg.connect(POSTGRES.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Staff passwords hashed with argon2id at a test cost in this process (about 0.1 ms
    instead of 170 ms of CPU a hash: every staff test signs up three accounts and signs in).

    What the tests check is which passwords are accepted, and when; the production cost is
    checked by tests/unit/bot/web/test_auth.py, and the `dgu-bot` processes that the
    reliability and security tests start hash at the production cost.
    """
    from argon2 import PasswordHasher

    from bot.web import auth

    production = auth._hasher
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    yield
    auth._hasher = production


#: memory-backed, so a SQLite commit's fsync costs nothing: on a disk each costs milliseconds
#: (a migration's ~80 statements about a second), which dominated the SQLite tests' time
_SHM = Path("/dev/shm")
_SHM_ROOM = 512 * 2**20


def _memory_backed() -> bool:
    try:
        room = os.statvfs(_SHM)
    except OSError:
        return False
    return os.access(_SHM, os.W_OK) and room.f_bavail * room.f_frsize >= _SHM_ROOM


@pytest.fixture
def sqlite_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder for one test's SQLite files: in /dev/shm when the machine has room there
    (removed afterwards), else the test's tmp_path. SQLite behaves the same on either; only
    what a power cut would lose differs, which no test here is about."""
    if not _memory_backed():
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="dgu-test-", dir=_SHM))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=backends())
async def database_url(request: pytest.FixtureRequest, sqlite_dir: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{sqlite_dir}/test.sqlite3"
        return
    url, name = await _fresh_postgres()
    try:
        yield url
    finally:
        await _drop_postgres(name)


def _in_thread(call: Callable[[], T]) -> T:
    """Run `call` on a thread of its own: it may use asyncio.run (Alembic does) although the
    fixture asking for it runs inside the test's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; each test copies it."""
    from storage.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "staff.sqlite3"
    _in_thread(lambda: upgrade(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test's database is created from."""
    from storage.migrate import upgrade

    url, name = _in_thread(lambda: asyncio.run(_fresh_postgres()))
    try:
        _in_thread(lambda: upgrade(url))
        yield name
    finally:
        _in_thread(lambda: asyncio.run(_drop_postgres(name)))


async def _copy_of_template(backend: str, request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """A database at every head for one test: (its URL, the PostgreSQL name to drop or None)."""
    if backend == "sqlite":
        path = request.getfixturevalue("sqlite_dir") / "migrated.sqlite3"
        shutil.copy(request.getfixturevalue("migrated_template"), path)
        return f"sqlite:///{path}", None
    return await _fresh_postgres(request.getfixturevalue("postgres_template"))


@pytest.fixture(params=backends())
async def migrated_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A database at every head (SQLite, and PostgreSQL when given), dropped afterwards."""
    url, name = await _copy_of_template(str(request.param), request)
    try:
        yield url
    finally:
        if name is not None:
            await _drop_postgres(name)


def _postgres_server() -> str:
    """The test PostgreSQL server for a test that is about PostgreSQL alone (several instances
    sharing it, its error messages): skipped on a machine without one, a failure when
    DGU_REQUIRE_POSTGRES is set, and never a skipped SQLite variant."""
    from tests.required import unavailable

    if not POSTGRES:
        unavailable("there is no PostgreSQL server (DGU_TEST_POSTGRES_URL)", "DGU_REQUIRE_POSTGRES")
    return POSTGRES


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """An empty PostgreSQL database, dropped afterwards (PostgreSQL-only tests)."""
    _postgres_server()
    url, name = await _fresh_postgres()
    try:
        yield url
    finally:
        await _drop_postgres(name)


@pytest.fixture
async def postgres_migrated_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A PostgreSQL database at every head, dropped afterwards (PostgreSQL-only tests)."""
    _postgres_server()
    url, name = await _copy_of_template("postgresql", request)
    try:
        yield url
    finally:
        if name is not None:
            await _drop_postgres(name)


@pytest.fixture
def postgres_server() -> str:
    """The test PostgreSQL server's URL (PostgreSQL-only tests that make their own URLs)."""
    return _postgres_server()
