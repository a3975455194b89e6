"""Fixtures for the mention monitor: a migrated database (SQLite and PostgreSQL, as the staff
app's tests), the fake X API, fast retry bounds."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.fakes` without a package-wide pytest pythonpath
    sys.path.insert(0, str(ROOT))

from bot.mentions.client import RetryPolicy  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.database import Database  # noqa: E402
from tests.fakes.x_api import FakeXApi  # noqa: E402
from tests.web.conftest import backend, db  # noqa: E402, F401 - the fixtures


@pytest.fixture
async def x() -> AsyncIterator[FakeXApi]:
    async with FakeXApi() as fake:
        yield fake
    assert fake.violations == [], fake.violations


class Sleeps:
    """Records the waits the client asked for and sleeps a token amount."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        import asyncio

        self.waits.append(seconds)
        await asyncio.sleep(min(seconds, 0.01))


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def policy(sleeps: Sleeps) -> RetryPolicy:
    return RetryPolicy(attempts=4, backoff_base=0.01, backoff_max=0.05, sleep=sleeps)


@pytest.fixture
def make_services(db: Database, x: FakeXApi) -> Callable[..., Services]:  # noqa: F811
    def make(**overrides: Any) -> Services:
        values: dict[str, Any] = {
            "x_bearer_token": "app-token",
            "x_api_url": x.url,
            "database_url": "sqlite:///unused.sqlite3",
            "_env_file": None,
        }
        values.update(overrides)
        settings = Settings(**values)
        return Services(settings=settings, db=db, questionnaire=None, bot_username="dgu_test_bot")  # type: ignore[arg-type]

    return make


USER_KEYS = {
    "x_api_key": "ck",
    "x_api_secret": "cs",
    "x_access_token": "at",
    "x_access_token_secret": "ats",
}
