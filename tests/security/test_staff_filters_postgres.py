"""The staff app's search and answer filters, on SQLite and PostgreSQL (`migrated_url`)."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.interview import load_questionnaire
from bot.web.accounts import add_staff
from storage.database import Database
from tests.web.conftest import PASSWORD, build_app, login
from tests.web.seed import add_interview, typical

ROOT = Path(__file__).resolve().parents[2]


async def test_search_and_answer_filters(migrated_url: str) -> None:
    db = Database(migrated_url)
    try:
        for n in (1, 2, 3):
            await add_interview(db, n, typical(n))
        await add_staff(db, "viewer", PASSWORD, "viewer")
        app = build_app(db, load_questionnaire(ROOT / "prompts" / "dgu_landscape.yaml"))
        async with TestClient(TestServer(app)) as client:
            await login(client, "viewer")
            found = await (await client.get("/interviews", params={"q": "3 sprints"})).text()
            assert "1 interview<" in found
            short = await (await client.get("/interviews", params={"q": "3"})).text()
            assert "interview" in short
            estonia = await client.get("/interviews", params={"country": "EE"})
            assert estonia.status == 200
            assert "1 interview<" in await estonia.text()  # n=2 is EE
    finally:
        await db.dispose()
