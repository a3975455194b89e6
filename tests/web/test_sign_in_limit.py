"""The sign-in limit holds under concurrency, per account and per address, and the address
is the person's own: X-Forwarded-For counts only from TRUSTED_PROXIES. HSTS over HTTPS.

The password check is gated in these tests (an Event the test opens), so "in parallel"
means really in flight at the same time, not merely sent close together.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web import auth
from bot.web.accounts import add_staff
from storage.database import Database
from tests.web.conftest import PASSWORD, build_app, csrf_of

PROXY = "127.0.0.1"  # the test client's own address plays the platform's router


class Gate:
    """Wraps `auth._password_ok`: counts checks, holds each until `open` is set."""

    def __init__(self, real: Callable[[str | None, str], Awaitable[bool]]) -> None:
        self.real = real
        self.open = asyncio.Event()
        self.checked: list[str] = []
        self.arrived = asyncio.Condition()

    async def __call__(self, stored: str | None, password: str) -> bool:
        async with self.arrived:
            self.checked.append(password)
            self.arrived.notify_all()
        await self.open.wait()
        return await self.real(stored, password)

    async def wait_checked(self, n: int) -> None:
        async with self.arrived:
            await self.arrived.wait_for(lambda: len(self.checked) >= n)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Gate:
    spy = Gate(auth._password_ok)
    monkeypatch.setattr(auth, "_password_ok", spy)
    return spy


async def _client(db: Database, questionnaire: Any, **settings: Any) -> TestClient:
    client = TestClient(TestServer(build_app(db, questionnaire, **settings)))
    await client.start_server()
    return client


@pytest.fixture
async def db(migrated_url: str) -> AsyncIterator[Database]:
    """SQLite and PostgreSQL: the counting must be atomic on both (several instances share
    one PostgreSQL database in production)."""
    database = Database(migrated_url)
    yield database
    await database.dispose()


@pytest.fixture
async def client(db: Database, questionnaire: Any, accounts: None) -> AsyncIterator[TestClient]:
    c = await _client(db, questionnaire)
    yield c
    await c.close()


@pytest.fixture
async def proxied(db: Database, questionnaire: Any, accounts: None) -> AsyncIterator[TestClient]:
    c = await _client(db, questionnaire, trusted_proxies=PROXY)
    yield c
    await c.close()


async def _token(client: TestClient) -> str:
    page = await client.get("/login")
    return csrf_of(await page.text())


async def _attempt(
    client: TestClient, token: str, username: str, password: str, **headers: str
) -> int:
    response = await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        headers=headers,
        allow_redirects=False,
    )
    await response.read()
    return response.status


async def test_thirty_attempts_at_once_are_not_all_checked(client: TestClient, gate: Gate) -> None:
    token = await _token(client)
    gate.open.set()
    statuses = await asyncio.gather(
        *(_attempt(client, token, "editor", f"guess-{n}") for n in range(30))
    )
    assert len(gate.checked) <= auth.RATE_LIMIT
    assert statuses.count(401) == len(gate.checked)
    assert statuses.count(429) == 30 - len(gate.checked)


async def test_right_password_among_wrong_ones_in_flight_does_not_sign_in(
    client: TestClient, gate: Gate
) -> None:
    """39 wrong passwords in flight at once, then the right one while they still are."""
    token = await _token(client)
    wrong = [
        asyncio.create_task(_attempt(client, token, "editor", f"guess-{n}")) for n in range(39)
    ]
    # every wrong attempt is either refused (429, done) or held at the password check
    while sum(t.done() for t in wrong) + len(gate.checked) < len(wrong):
        await asyncio.wait(wrong, timeout=0.05, return_when=asyncio.FIRST_COMPLETED)
    assert all(t.result() == 429 for t in wrong if t.done())
    held = len(gate.checked)
    assert held <= auth.RATE_LIMIT  # a burst may admit fewer (even none): never more
    # Top the limit up with further guesses held in flight (a burst may admit fewer than it).
    extra = [
        asyncio.create_task(_attempt(client, token, "editor", f"more-{n}"))
        for n in range(auth.RATE_LIMIT - held)
    ]
    await gate.wait_checked(auth.RATE_LIMIT)
    # None of these checks has finished, so none is a recorded failure yet: the old code
    # let the right password through here.
    right = await _attempt(client, token, "editor", PASSWORD)
    assert right == 429
    assert PASSWORD not in gate.checked
    gate.open.set()
    results = await asyncio.gather(*wrong, *extra)
    assert results.count(401) == auth.RATE_LIMIT
    assert await _attempt(client, token, "editor", PASSWORD) == 429  # still locked


async def test_the_address_limit_holds_across_accounts_at_once(
    client: TestClient, db: Database, gate: Gate
) -> None:
    people = auth.RATE_LIMIT_PER_ADDRESS + 10
    for n in range(people):
        await add_staff(db, f"person{n}", PASSWORD, "viewer")
    token = await _token(client)
    gate.open.set()
    statuses = await asyncio.gather(
        *(_attempt(client, token, f"person{n}", "wrong") for n in range(people))
    )
    checked = len(gate.checked)
    assert checked <= auth.RATE_LIMIT_PER_ADDRESS
    assert statuses.count(401) == checked and statuses.count(429) == people - checked
    # a burst may admit fewer than the limit; the rest of it, one by one, then nothing more
    for n in range(auth.RATE_LIMIT_PER_ADDRESS - checked):
        assert await _attempt(client, token, f"person{n}", "wrong") == 401
    assert await _attempt(client, token, "admin", PASSWORD) == 429
    assert PASSWORD not in gate.checked


async def test_one_persons_mistakes_do_not_lock_out_colleagues_on_the_same_address(
    client: TestClient, gate: Gate
) -> None:
    gate.open.set()
    token = await _token(client)
    for _ in range(auth.RATE_LIMIT):
        assert await _attempt(client, token, "viewer", "typo") == 401
    assert await _attempt(client, token, "viewer", PASSWORD) == 429
    assert await _attempt(client, token, "editor", PASSWORD) == 303


async def test_forwarded_for_counts_only_from_a_trusted_proxy(
    client: TestClient, proxied: TestClient, db: Database, gate: Gate
) -> None:
    gate.open.set()
    for n in range(auth.RATE_LIMIT_PER_ADDRESS):
        await add_staff(db, f"person{n}", PASSWORD, "viewer")
    # Behind the trusted router: one person at 203.0.113.5 uses up their address's limit...
    token = await _token(proxied)
    router = {"X-Forwarded-For": "203.0.113.5"}
    for n in range(auth.RATE_LIMIT_PER_ADDRESS):
        assert await _attempt(proxied, token, f"person{n}", "wrong", **router) == 401
    assert await _attempt(proxied, token, "admin", PASSWORD, **router) == 429
    # ...a colleague at another address signs in, though the router's address is the same;
    colleague = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}  # spoofed first hop ignored
    assert await _attempt(proxied, token, "admin", PASSWORD, **colleague) == 303
    proxied.session.cookie_jar.clear()
    token = await _token(proxied)
    # ...and the rightmost untrusted hop is the client, whatever the client wrote before it.
    spoof = {"X-Forwarded-For": "198.51.100.99, 203.0.113.5"}
    assert await _attempt(proxied, token, "editor", PASSWORD, **spoof) == 429
    # Without TRUSTED_PROXIES the header is anyone's to write: it changes nothing.
    token = await _token(client)
    rotating = [{"X-Forwarded-For": f"192.0.2.{n}"} for n in range(40)]
    statuses = [
        await _attempt(client, token, f"person{n % 20}", "wrong", **rotating[n]) for n in range(40)
    ]
    assert statuses.count(401) <= auth.RATE_LIMIT_PER_ADDRESS
    assert statuses[-1] == 429


async def test_client_address_from_the_proxy_chain(proxied: TestClient) -> None:
    from aiohttp.test_utils import make_mocked_request

    app = proxied.server.app
    cases = {
        "203.0.113.5": "203.0.113.5",
        "10.9.9.9, 203.0.113.5": "203.0.113.5",
        "203.0.113.5, 127.0.0.1": "203.0.113.5",  # a second trusted hop is skipped
        "not-an-address": "127.0.0.1",
        "": "127.0.0.1",
    }
    for header, expected in cases.items():
        headers = {"X-Forwarded-For": header} if header else {}
        mocked = make_mocked_request("POST", "/login", headers=headers, app=app)
        request = mocked.clone(remote=PROXY)
        assert auth.client_ip(request) == expected, header


async def test_hsts_only_when_served_over_https(
    client: TestClient, proxied: TestClient, db: Database, questionnaire: Any
) -> None:
    plain = await client.get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    forged = await client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers  # not from a trusted proxy
    behind = await proxied.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert behind.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in (await proxied.get("/login")).headers
    configured = await _client(db, questionnaire, public_base_url="https://staff.example.org")
    try:
        response = await configured.get("/login")
        assert "max-age=" in response.headers["Strict-Transport-Security"]
    finally:
        await configured.close()


def test_trusted_proxies_setting_is_checked() -> None:
    from bot.settings import ConfigError, load_settings

    settings = load_settings(_env_file=None, trusted_proxies="10.0.0.0/8, ::1,127.0.0.1")
    assert settings.trusted_proxies == ("10.0.0.0/8", "::1/128", "127.0.0.1/32")
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_settings(_env_file=None, trusted_proxies="10.0.0.0/8, router")
