"""A PostgreSQL server for the benchmark: the one given (DGU_TEST_POSTGRES_URL or --postgres),
or a private throwaway cluster (initdb + pg_ctl on a free loopback port, as .ci/run does) when
PostgreSQL is installed. Each run gets a fresh database, dropped afterwards."""

from __future__ import annotations

import asyncio
import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench.procs import free_port


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_postgres(args: list[str]) -> list[str]:
    """initdb refuses to run as root: run it as the postgres user then."""
    if os.geteuid() != 0:
        return args
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(args)]


async def _run(args: list[str], check: bool = True) -> None:
    await asyncio.to_thread(subprocess.run, args, check=check, capture_output=True)


@asynccontextmanager
async def server(url: str | None, *, start: bool = True) -> AsyncIterator[str | None]:
    """Yields a server URL (postgresql://...), or None when there is none to be had (or
    `start` is False and none was given)."""
    if url:
        yield url
        return
    pg_bin = _pg_bin() if start else None
    if pg_bin is None:
        yield None
        return
    data = Path(tempfile.mkdtemp(prefix="dgu-bench-pg-"))
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    initdb = [str(pg_bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
    await _run(_as_postgres(initdb))
    options = f"-p {port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200"
    start = [
        str(pg_bin / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        f"'{options}'",
        "-l",
        str(data / "log"),
        "-w",
        "start",
    ]
    await _run(_as_postgres(start))
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop = [str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        await _run(_as_postgres(stop), check=False)
        shutil.rmtree(data, ignore_errors=True)


@asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    import asyncpg

    name = f"dgu_bench_{secrets.token_hex(4)}"
    admin = server_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield f"{admin.rsplit('/', 1)[0]}/{name}"
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        await asyncio.sleep(0)


async def version(server_url: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()
