"""Secrets: compared in constant time, and never in a log line, even at DEBUG.

The log test runs `dgu-bot serve` as a subprocess with LOG_LEVEL=DEBUG, a real-looking bot
token, webhook secret, X keys, session secret and database password, drives an interview,
a staff sign-in and a mention poll through it, and searches everything it wrote to stderr.
python-telegram-bot and httpx log Bot API URLs (which contain the token) at DEBUG, and
oauthlib logs OAuth parameters: `bot/logs.py` must redact them all.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import secrets
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fakes.x_api import FakeXApi
from tests.integration.chatkit import WEBHOOK_SECRET, running_bot, running_emulator
from tests.reliability.instances import services_for
from tests.reliability.processes import DGU_BOT, ServeProcess
from tests.reliability.respondents import Respondent

STAFF_PASSWORD = "Horse-Battery-" + secrets.token_urlsafe(12)


def _token() -> str:
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:AA{secrets.token_urlsafe(30)[:33]}"


def _secrets(database_url: str) -> dict[str, str]:
    values = {
        "TELEGRAM_BOT_TOKEN": _token(),
        "TELEGRAM_WEBHOOK_SECRET": secrets.token_urlsafe(32),
        "X_BEARER_TOKEN": "AAAAAAAAAAAAAAAAAAAAA" + secrets.token_urlsafe(40),
        "X_API_KEY": secrets.token_urlsafe(18),
        "X_API_SECRET": secrets.token_urlsafe(37),
        "X_ACCESS_TOKEN": f"{secrets.randbelow(10**18)}-{secrets.token_urlsafe(24)}",
        "X_ACCESS_TOKEN_SECRET": secrets.token_urlsafe(33),
        "SESSION_SECRET": secrets.token_urlsafe(32),
    }
    if database_url.startswith("postgresql"):  # trust auth: the password is checked by nobody
        values["DB_PASSWORD"] = "Pg-" + secrets.token_urlsafe(16)
    return values


def _with_password(database_url: str, password: str | None) -> str:
    if not password:
        return database_url
    return database_url.replace("postgresql://postgres@", f"postgresql://postgres:{password}@")


def _leaks(text: str, values: dict[str, str]) -> list[str]:
    found = []
    for name, value in values.items():
        parts = [value, *value.split(":")[1:]]  # the token's secret half on its own, too
        parts += [value.replace("-", "%2D"), value.replace(":", "%3A")]
        if any(p and p in text for p in parts):
            found.append(name)
    return found


@pytest.mark.slow
async def test_no_secret_in_any_log_line_at_debug(database_url: str, tmp_path: Path) -> None:
    values = _secrets(database_url)
    url = _with_password(database_url, values.get("DB_PASSWORD"))
    async with (
        FakeXApi() as x,
        running_emulator(token=values["TELEGRAM_BOT_TOKEN"], webhook_concurrency=2) as emulator,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        author = x.add_user("dgu_fan", description="Head of digital, ex-GDS")
        x.mention("How did your unit get started? #govtech", author=author)
        env = {k: v for k, v in values.items() if k != "DB_PASSWORD"}
        env.update(
            LOG_LEVEL="DEBUG",
            X_API_URL=x.url,
            STAFF_TELEGRAM_IDS="4242",
            X_LEAD_ANNOUNCE_SCORE="0",
        )
        bot = ServeProcess.for_emulator(emulator, url, tmp_path, name="debug", **env)
        bot.env["TELEGRAM_WEBHOOK_SECRET"] = values["TELEGRAM_WEBHOOK_SECRET"]
        emulator.chat(4242)
        staff_log = _add_staff(bot.env, tmp_path)
        await bot.start()
        try:
            reader = services_for(url, holder="reader")
            person = Respondent(emulator.chat(4301, username="secret_user"), reader)
            await person.ensure_started()
            for _ in range(3):
                from tests.reliability.respondents import interview_of

                interview = await interview_of(reader, 4301)
                assert interview is not None
                from bot.interview import State

                await person.answer(State.from_json(interview.state))
            await _sign_in(http, bot.url)
            for _ in range(100):  # the mention poll runs at start; wait for it
                if x.calls("mentions"):
                    break
                await asyncio.sleep(0.1)
            assert x.calls("mentions"), "the monitor never polled"
            await reader.db.dispose()
        finally:
            await bot.stop()
    text = bot.log_text() + staff_log
    assert " DEBUG " in text and "[redacted]" in text, "the test must see DEBUG lines"
    assert re.search(r"sendMessage|getMe", text), "Bot API calls are logged at DEBUG"
    assert _leaks(text, values) == []
    assert STAFF_PASSWORD not in text


def _add_staff(env: dict[str, str], workdir: Path) -> str:
    result = subprocess.run(
        [str(DGU_BOT), "staff", "add", "admin", "--role", "admin", "--password-stdin"],
        input=STAFF_PASSWORD + "\n",
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout + result.stderr


async def _sign_in(http: aiohttp.ClientSession, base: str) -> None:
    async with http.get(f"{base}/login") as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert token is not None
    form = {"username": "admin", "password": STAFF_PASSWORD, "csrf_token": token.group(1)}
    async with http.post(f"{base}/login", data=form, allow_redirects=False) as response:
        assert response.status == 303
    async with http.get(f"{base}/interviews") as listing:
        assert listing.status == 200


async def test_webhook_secret_is_compared_in_constant_time(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.telegram

    calls: list[tuple[Any, Any]] = []
    real = secrets.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(bot.telegram.secrets, "compare_digest", spy)
    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}},
    }
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url, webhook=True) as running,
    ):
        almost = WEBHOOK_SECRET[:-1] + ("x" if WEBHOOK_SECRET[-1] != "x" else "y")
        for given, status in (
            (almost, 403),
            (WEBHOOK_SECRET + "x", 403),
            ("", 403),
            ("é" * 10, 403),
            (WEBHOOK_SECRET, 200),
        ):
            headers = {"X-Telegram-Bot-Api-Secret-Token": given}
            response = await running.client.post("/telegram/webhook", json=update, headers=headers)
            assert response.status == status, given
    assert len(calls) == 5


async def test_csrf_tokens_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.web import security

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    assert security.tokens_match("abc", "abc")
    assert not security.tokens_match("abd", "abc")
    assert not security.tokens_match(None, "abc") and not security.tokens_match("abc", "")
    assert len(calls) == 2
