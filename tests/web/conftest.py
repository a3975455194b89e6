"""The staff app on a real, migrated database, with three signed-up accounts.

`db` runs each test on SQLite and (when DGU_TEST_POSTGRES_URL is given) PostgreSQL: migrated
once per session per backend (a template file; a template database), copied for each test.
A module whose tests do not depend on the database (access rules) overrides `backend`.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import setup_staff_pages
from bot.services import SERVICES, Services
from bot.settings import Settings
from bot.web.accounts import add_staff
from storage.database import Database
from storage.migrate import upgrade
from tests.conftest import _drop_postgres as drop_postgres
from tests.conftest import _fresh_postgres as fresh_postgres
from tests.conftest import backends

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once per session; each test copies the file (much faster than migrating)."""
    path = tmp_path_factory.mktemp("template") / "staff.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def questionnaire():
    from bot.interview import load_questionnaire

    return load_questionnaire(ROOT / "prompts" / "dgu_landscape.yaml")


def _in_thread(call: Callable[[], T]) -> T:
    """Run `call` on a thread of its own: it may use asyncio.run (Alembic does) although the
    fixture asking for it runs inside the test's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test's database is created from."""
    url, name = _in_thread(lambda: asyncio.run(fresh_postgres()))
    try:
        _in_thread(lambda: upgrade(url))
        yield name
    finally:
        _in_thread(lambda: asyncio.run(drop_postgres(name)))


@pytest.fixture(params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db(
    backend: str, migrated_template: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Database]:
    if backend == "sqlite":
        path = tmp_path / "staff.sqlite3"
        shutil.copy(migrated_template, path)
        url = f"sqlite:///{path}"
    else:
        url, name = await fresh_postgres(request.getfixturevalue("postgres_template"))
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()
        if backend != "sqlite":
            await drop_postgres(name)


@pytest.fixture
async def accounts(db: Database) -> None:
    for role in ("viewer", "editor", "admin"):
        await add_staff(db, role, PASSWORD, role)


def build_app(db: Database, questionnaire, **settings: object) -> web.Application:
    app = web.Application()
    app[SERVICES] = Services(
        settings=Settings(database_url=str(db.url), _env_file=None, **settings),  # type: ignore[call-arg]
        db=db,
        questionnaire=questionnaire,
    )

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)  # someone else's route: no staff guard
    setup_staff_pages(app)  # the staff app with the mention pages, as create_app mounts it
    return app


@pytest.fixture
async def client(db: Database, questionnaire, accounts) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(build_app(db, questionnaire))) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in; returns the CSRF token of the new session."""
    page = await client.get("/login")
    token = csrf_of(await page.text())
    response = await client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": token,
            "next": "/interviews",
        },
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    listing = await client.get("/interviews")
    return csrf_of(await listing.text())
