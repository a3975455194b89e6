"""Shared fixtures: database URLs for SQLite and (when a server is given) PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import pytest

os.environ.setdefault("PTB_TIMEDELTA", "1")

POSTGRES = os.environ.get("DGU_TEST_POSTGRES_URL")


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


@pytest.fixture(params=backends())
async def database_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.sqlite3"
        return
    url, name = await _fresh_postgres()
    try:
        yield url
    finally:
        await _drop_postgres(name)
