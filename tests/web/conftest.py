"""The staff app on a real, migrated SQLite database, with three signed-up accounts."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import setup_staff_pages
from bot.services import SERVICES, Services
from bot.settings import Settings
from bot.web.accounts import add_staff
from storage.database import Database
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
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


@pytest.fixture
async def db(migrated_template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    path = tmp_path / "staff.sqlite3"
    shutil.copy(migrated_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    await database.dispose()


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
