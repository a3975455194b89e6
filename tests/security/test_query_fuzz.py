"""Hostile query strings on every GET route of the staff app: a clear 400 or a corrected
value, never a 500, on SQLite and PostgreSQL.

The route list is `tests/web/test_access.py::GET_ROUTES` (which is checked against the app's
own routes); the parameter names are every name any staff view reads, so each route also
gets the parameters of the others. Values are the ones a scanner or a typo sends: numbers
past 64 bits, dates at the end of the calendar, empty values, digits `int()` refuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web.accounts import add_staff
from bot.web.filters import FILTER_KEYS
from storage.database import Database
from tests.web.conftest import PASSWORD, build_app, login
from tests.web.seed import add_interview, add_lead, typical
from tests.web.test_access import GET_ROUTES

ROOT = Path(__file__).resolve().parents[2]

PARAMETERS = sorted(
    {
        *FILTER_KEYS,
        "page",
        "sort",
        "before",
        "min_score",
        "lang",
        "message",
        "notice",
        "next",
    }
)
HOSTILE = [
    "",
    "99999999999999999999",
    "-1",
    "²",  # str.isdigit() says yes, int() says no
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "\x00",
    "' OR 1=1 --",
    "é" * 300,
]
#: path ids past what any column holds
HOSTILE_PATHS = [
    "/interviews/99999999999999999999",
    "/contributions/99999999999999999999",
    "/contributions/-1",
    "/mentions/leads/99999999999999999999",
    "/mentions/leads/-1",
]


@pytest.fixture
async def admin_client(migrated_url: str) -> AsyncIterator[TestClient]:
    from bot.interview import load_questionnaire

    db = Database(migrated_url)
    for n in (1, 2):
        await add_interview(db, n, typical(n))
    await add_lead(db, 1, "How did your unit start? #govtech")
    await add_staff(db, "admin", PASSWORD, "admin")
    app = build_app(db, load_questionnaire(ROOT / "prompts" / "dgu_landscape.yaml"))
    try:
        async with TestClient(TestServer(app)) as client:
            await login(client, "admin")
            yield client
    finally:
        await db.dispose()


@pytest.mark.slow
@pytest.mark.timeout(400)  # ~5,000 requests, most of them exports, on a shared machine
async def test_no_query_string_gives_a_server_error(admin_client: TestClient) -> None:
    failures: list[str] = []
    requests = 0
    for path in GET_ROUTES:
        for name in PARAMETERS:
            for value in HOSTILE:
                where = f"{path}?{name}={value[:30]!r}"
                response = await admin_client.get(path, params={name: value}, allow_redirects=False)
                requests += 1
                try:
                    await response.read()
                except aiohttp.ClientPayloadError:  # a stream that broke after its headers
                    failures.append(f"{where}: {response.status}, then the stream broke")
                    continue
                if response.status >= 500:
                    failures.append(f"{where}: {response.status}")
    for path in HOSTILE_PATHS:
        response = await admin_client.get(path, allow_redirects=False)
        requests += 1
        if response.status >= 500:
            failures.append(f"{path}: {response.status}")
    assert requests == len(GET_ROUTES) * len(PARAMETERS) * len(HOSTILE) + len(HOSTILE_PATHS)
    assert failures == []
