"""What operators see: metrics on a staff-only page, health that tells the truth, log lines
tagged with update and interview ids and free of personal data."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.web.accounts import add_staff
from tests.integration.chatkit import running_bot, running_emulator
from tests.web.conftest import login

NAME, SURNAME, USERNAME = "Angharad", "Llewelyn-Prydderch", "angharad_secret_handle"
ANSWER = "Our unit is called Prosiect Cyfrinachol Zebra and I lead it"


async def test_metrics_need_sign_in_and_count_updates(migrated_url: str) -> None:
    async with running_emulator() as emulator, running_bot(emulator, migrated_url) as bot:
        anonymous = await bot.client.get("/metrics", allow_redirects=False)
        assert anonymous.status == 302 and anonymous.headers["Location"].startswith("/login")
        chat = bot.chat(6001)
        await chat.consent()
        await chat.answer()
        await add_staff(bot.services.db, "viewer", "correct horse battery", "viewer")
        await login(bot.client, "viewer", "correct horse battery")
        page = await bot.client.get("/metrics")
        assert page.status == 200
        assert page.headers["Content-Type"].startswith("text/plain")
        text = await page.text()
    assert 'dgu_updates_handled_total{kind="callback_query",outcome="ok"}' in text
    assert 'dgu_update_seconds_bucket{kind="message"' in text
    assert 'dgu_interviews{status="in_progress"} 1.0' in text
    assert "dgu_leads" in text and "dgu_errors" in text and "dgu_telegram_retries" in text


async def test_health_is_503_when_the_database_is_unreachable(
    migrated_url: str, tmp_path: Path
) -> None:
    from storage.database import Database

    async with running_emulator() as emulator, running_bot(emulator, migrated_url) as bot:
        assert (await bot.client.get("/healthz")).status == 200
        services = bot.services
        real = services.db
        # the same kind of database, gone: a server nobody listens on, a file that is a folder
        gone = (
            "postgresql://nobody@127.0.0.1:9/gone"
            if migrated_url.startswith("postgresql")
            else f"sqlite:///{tmp_path}"
        )
        services.db = Database(gone)
        try:
            response = await bot.client.get("/healthz")
            body = await response.json()
        finally:
            await services.db.dispose()
            services.db = real
        assert response.status == 503
        assert body["database"] == "unreachable" and body["status"] == "unavailable"
        assert (await bot.client.get("/healthz")).status == 200, "and recovers"


async def _drive(migrated_url: str) -> None:
    async with running_emulator() as emulator, running_bot(emulator, migrated_url) as bot:
        chat = bot.chat(6002, first_name=NAME, last_name=SURNAME, username=USERNAME)
        await chat.consent()
        await chat.answer({"role": ANSWER, "organisation": ANSWER})
        await chat.answer({"role": ANSWER, "organisation": ANSWER})
        await chat.send("/start")
        await chat.send_sticker()


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    from bot import logs

    formatter = logging.Formatter(logs.FORMAT)
    return [formatter.format(r) for r in caplog.records]


async def test_info_logs_carry_no_personal_data(
    migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from bot import logs

    caplog.handler.addFilter(logs.ContextFilter())
    caplog.set_level(logging.INFO)
    await _drive(migrated_url)
    text = "\n".join(_lines(caplog))
    for private in (NAME, SURNAME, USERNAME, ANSWER, "Prosiect"):
        assert private not in text, f"{private!r} was logged at INFO"


async def test_log_lines_of_an_update_carry_its_update_and_interview_ids(
    migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from bot import logs

    caplog.handler.addFilter(logs.ContextFilter())
    caplog.set_level(logging.DEBUG)
    await _drive(migrated_url)
    lines = _lines(caplog)
    tagged = [line for line in lines if " update=" in line]
    assert tagged, "no line carries an update id"
    assert any(" interview=" in line for line in tagged)
    assert not any(" interview=" in line for line in lines if "update=" not in line), (
        "an interview id leaked out of its update's context"
    )
