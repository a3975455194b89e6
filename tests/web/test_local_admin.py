"""The local-mode `local-admin` account: only on a database with no staff of its own, and
gone (its printed password with it) once the same database runs with a real token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.serve import LOCAL_ADMIN, local_login
from bot.web.accounts import add_staff
from storage import staff_repo
from storage.database import Database
from tests.integration.chatkit import running_emulator
from tests.reliability.processes import ServeProcess
from tests.web.conftest import PASSWORD, build_app, csrf_of


async def _signs_in(db: Database, questionnaire: Any, username: str, password: str) -> bool:
    async with TestClient(TestServer(build_app(db, questionnaire))) as client:
        page = await client.get("/login")
        response = await client.post(
            "/login",
            data={
                "username": username,
                "password": password,
                "csrf_token": csrf_of(await page.text()),
            },
            allow_redirects=False,
        )
        return response.status == 303


async def test_created_on_a_database_without_staff(db: Database, questionnaire: Any) -> None:
    login = await local_login(db)
    assert login is not None and login[0] == LOCAL_ADMIN
    assert await _signs_in(db, questionnaire, *login)


async def test_never_created_beside_real_staff_and_removed_there(
    db: Database, questionnaire: Any
) -> None:
    first = await local_login(db)
    assert first is not None
    await add_staff(db, "researcher", PASSWORD, "admin")
    assert await local_login(db) is None
    assert await staff_repo.find_user(db, LOCAL_ADMIN) is None
    assert not await _signs_in(db, questionnaire, *first)
    assert await _signs_in(db, questionnaire, "researcher", PASSWORD)


async def test_removed_when_the_bot_starts_with_a_real_token(
    db: Database, questionnaire: Any, tmp_path: Path
) -> None:
    login = await local_login(db)
    assert login is not None
    async with running_emulator() as emulator:
        bot = ServeProcess.for_emulator(emulator, str(db.url), tmp_path, webhook=False)
        await bot.start()  # healthy only after start-up, which retires the account
        try:
            assert await staff_repo.find_user(db, LOCAL_ADMIN) is None
        finally:
            await bot.stop()
    assert not await _signs_in(db, questionnaire, *login)
    assert "removed the local-mode account" in bot.log_text()
