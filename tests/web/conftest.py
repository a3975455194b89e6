"""The staff app on a real, migrated database, with three signed-up accounts.

`db` runs each test on SQLite and (when DGU_TEST_POSTGRES_URL is given) PostgreSQL: migrated
once per session per backend (a template file; a template database), copied for each test.
A module whose tests do not depend on the database (access rules) overrides `backend`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
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
from tests.conftest import _copy_of_template as copy_of_template
from tests.conftest import _drop_postgres as drop_postgres
from tests.conftest import backends

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def questionnaire():
    from bot.interview import load_questionnaire

    return load_questionnaire(ROOT / "prompts" / "dgu_landscape.yaml")


@pytest.fixture(params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    url, name = await copy_of_template(backend, request)
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()
        if name is not None:
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
