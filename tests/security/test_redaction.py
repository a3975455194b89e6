"""No secret in any failure: the real `dgu-bot` commands, at DEBUG, against services that
refuse the secret they were given, and everything they print searched for it.

- a revoked bot token: a Bot API that answers 401 as Telegram does
  (`{"ok": false, "error_code": 401, "description": "Unauthorized"}`); PTB's InvalidToken
  puts the whole token in its message, which `dgu-bot` printed as its one-line error;
- a wrong database password, in a URL the server refuses and in one SQLAlchemy can't parse
  (whose error quotes the whole URL);
- bad X keys: an X API answering 401 with its problem document.

The failed start must also close every session and connection it opened (no
"Unclosed client session", no ResourceWarning, which the process is made to print).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web

from tests.integration.chatkit import running_emulator
from tests.reliability.processes import DGU_BOT, ROOT
from tests.security.test_secrets import _leaks


def _env(folder: Path, **values: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "X_", "DATABASE_", "STAFF_", "LOG_", "QUESTIONNAIRE"))
    }
    env.update(
        LOG_LEVEL="DEBUG",
        QUESTIONNAIRE=str(ROOT / "prompts" / "dgu_landscape.yaml"),
        DATABASE_URL=f"sqlite:///{folder}/redaction.sqlite3",
        HOST="127.0.0.1",
        PORT="0",
        # ResourceWarnings printed, so the test can see them. (Not PYTHONTRACEMALLOC: it adds
        # only where an unclosed object was made, and makes each process about 4 times slower;
        # set it by hand when chasing one.)
        PYTHONWARNINGS="always",
    )
    env.update(values)
    return env


async def _run(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str]:
    """Run `dgu-bot *args` to completion; its exit code and all it printed."""
    proc = await asyncio.create_subprocess_exec(
        str(DGU_BOT),
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode is not None
    return proc.returncode, out.decode("utf-8", errors="replace")


def _token() -> str:
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:AA{secrets.token_urlsafe(30)[:33]}"


def _assert_closed(text: str) -> None:
    for sign in ("Unclosed client session", "Unclosed connector", "ResourceWarning", "unclosed"):
        assert sign not in text, f"{sign!r} after a failed start:\n{text[-3000:]}"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_revoked_token_is_not_printed_and_nothing_is_left_open(
    tmp_path: Path, sqlite_dir: Path, mode: str
) -> None:
    revoked = _token()
    values = {
        "TELEGRAM_BOT_TOKEN": revoked,
        "X_BEARER_TOKEN": "AAAAAAAAAAAAAAAAAAAAA" + secrets.token_urlsafe(40),
        "SESSION_SECRET": secrets.token_urlsafe(32),
    }
    async with running_emulator() as emulator:  # a different bot's token: ours is refused
        env = _env(sqlite_dir, TELEGRAM_API_URL=emulator.root or "", **values)
        if mode == "webhook":
            values["TELEGRAM_WEBHOOK_SECRET"] = secrets.token_urlsafe(32)
            env.update(
                TELEGRAM_WEBHOOK_URL="http://127.0.0.1:9/telegram/webhook",
                TELEGRAM_WEBHOOK_SECRET=values["TELEGRAM_WEBHOOK_SECRET"],
            )
        code, text = await _run(env, tmp_path, "serve")
        # with --debug the traceback is printed, and redacted too
        debug_code, debug_text = await _run(env, tmp_path, "--debug", "serve")
    assert code == 1
    assert "InvalidToken" in text and "was rejected by the server" in text
    assert " DEBUG " in text, "the test must see DEBUG lines"
    assert _leaks(text, values) == []
    _assert_closed(text)
    assert debug_code == 1 and "Traceback" in debug_text and "InvalidToken" in debug_text
    assert _leaks(debug_text, values) == []
    _assert_closed(debug_text)


async def test_a_revoked_token_with_the_stub_answering_in_telegrams_format(
    tmp_path: Path,
    sqlite_dir: Path,
) -> None:
    """Not our emulator: a bare stub with Telegram's exact 401 body for every method."""
    revoked = _token()

    async def unauthorized(request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
        return web.json_response(body, status=401)

    async with _stub(unauthorized) as url:
        env = _env(sqlite_dir, TELEGRAM_BOT_TOKEN=revoked, TELEGRAM_API_URL=url)
        code, text = await _run(env, tmp_path, "serve")
    assert code == 1 and "InvalidToken" in text
    assert _leaks(text, {"TELEGRAM_BOT_TOKEN": revoked}) == []
    _assert_closed(text)


@pytest.mark.timeout(400)  # four processes, each importing everything
async def test_a_wrong_database_password_is_not_printed(
    tmp_path: Path, postgres_server: str
) -> None:
    password = "Pg-" + secrets.token_urlsafe(16)
    server = postgres_server.split("@", 1)[1].rsplit("/", 1)[0]  # host:port
    urls = {
        # refused by the server (no such role: the test server trusts known roles)
        "refused": f"postgresql://nobody_{secrets.token_hex(4)}:{password}@{server}/postgres",
        # SQLAlchemy quotes an unreadable URL whole in its error
        "unparsable": f"postgresql://postgres:{password}@{server.split(':')[0]}:port/postgres",
        # unreachable
        "unreachable": f"postgresql://postgres:{password}@127.0.0.1:9/postgres",
    }
    runs = [
        ("refused", ["migrate"]),
        ("refused", ["--debug", "migrate"]),
        ("unparsable", ["migrate"]),
        ("unreachable", ["serve"]),
    ]
    for name, command in runs:
        env = _env(tmp_path, DATABASE_URL=urls[name])
        code, text = await _run(env, tmp_path, *command)
        assert code != 0, (name, command, text[-2000:])
        assert "dgu-bot" in text or "Traceback" in text
        assert password not in text, (name, command, text[-2000:])
        assert _leaks(text, {"DB_PASSWORD": password}) == [], (name, command)
        if command == ["serve"]:
            _assert_closed(text)


@pytest.mark.timeout(400)  # four processes
async def test_bad_x_keys_are_not_printed(tmp_path: Path, sqlite_dir: Path) -> None:
    async def unauthorized(request: web.Request) -> web.Response:
        problem = {
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        }
        return web.json_response(problem, status=401, content_type="application/problem+json")

    bearer = {"X_BEARER_TOKEN": "AAAAAAAAAAAAAAAAAAAAA" + secrets.token_urlsafe(40)}
    user = {
        "X_API_KEY": secrets.token_urlsafe(18),
        "X_API_SECRET": secrets.token_urlsafe(37),
        "X_ACCESS_TOKEN": f"{secrets.randbelow(10**18)}-{secrets.token_urlsafe(24)}",
        "X_ACCESS_TOKEN_SECRET": secrets.token_urlsafe(33),
    }
    async with _stub(unauthorized) as url:
        for keys in (bearer, user):
            env = _env(sqlite_dir, X_API_URL=url, **keys)
            for command in (
                ["mentions", "poll", "--once"],
                ["--debug", "mentions", "poll", "--once"],
            ):
                code, text = await _run(env, tmp_path, *command)
                assert code != 0, text[-2000:]
                assert " DEBUG " in text
                assert _leaks(text, keys) == [], (sorted(keys), command, text[-2000:])


@asynccontextmanager
async def _stub(handler: web.Handler) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def test_the_one_line_error_is_redacted_without_readable_settings(tmp_path: Path) -> None:
    """Even when the settings themselves are refused, the URL's password is not echoed."""
    password = "Pg-" + secrets.token_urlsafe(16)
    env = _env(
        tmp_path,
        DATABASE_URL=f"mysql://root:{password}@127.0.0.1/db",  # an unknown scheme: ConfigError
        TELEGRAM_BOT_TOKEN=_token(),
    )
    result = subprocess.run(
        [str(DGU_BOT), "migrate"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert password not in result.stdout + result.stderr
