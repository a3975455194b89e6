"""Who may do what: anonymous visitors, CSRF, roles, rate limits, cookies, headers."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.web.routes import STAFF_RESOURCES
from tests.web.conftest import PASSWORD, csrf_of, login
from tests.web.seed import add_interview, typical


@pytest.fixture
def backend() -> str:
    """Access rules live in the app, not in queries: SQLite only (the rest of tests/web and
    tests/security/test_staff_access run on both backends)."""
    return "sqlite"


GET_ROUTES = [
    "/",
    "/interviews",
    "/interviews/iv00001",
    "/quotes",
    "/reading",
    "/themes",
    "/matrix",
    "/matrix/cell",
    "/exports/matrix.csv",
    "/exports/report-pack.zip",
    "/exports/matrix.xlsx",
    "/codebook",
    "/landscape",
    "/audit",
    "/staff",
    "/exports/interviews.csv",
    "/exports/interviews.xlsx",
    "/exports/interviews.json",
    "/exports/interviews-full.csv",
    "/exports/interviews-full.json",
    "/exports/interviews-full.zip",
    "/exports/files-full.csv",
    "/exports/interviews.zip",
    "/exports/files.csv",
    "/exports/quotes.csv",
    "/exports/codebook.csv",
    "/exports/contributions.csv",
    "/exports/contributions.json",
    "/contributions",
    "/contributions/1",
    "/mentions",
    "/mentions/leads/1",
    "/mentions/contributions",
    "/mentions/contributions.json",
    "/mentions/usage",
    "/mentions/usage.json",
    "/metrics",
    "/media/1",
]
POST_ROUTES = [
    "/logout",
    "/account/language",
    "/matrix/cell",
    "/interviews/iv00001/review",
    "/interviews/iv00001/tags",
    "/interviews/iv00001/quotes",
    "/interviews/iv00001/delete",
    "/quotes/1/delete",
    "/quotes/1/pack",
    "/media/1/transcript",
    "/media/1/confirm",
    "/codebook",
    "/codebook/merge",
    "/codebook/import",
    "/codebook/1",
    "/codebook/1/delete",
    "/staff",
    "/staff/1/role",
    "/staff/1/delete",
    "/contributions/1/tags",
    "/contributions/1/quotes",
    "/contribution-quotes/1/delete",
    "/mentions/leads/1/status",
    "/mentions/leads/1/contribution",
    "/mentions/leads/1/invite",
]


def test_every_route_is_covered_by_these_lists(client: TestClient) -> None:
    resources = client.server.app[STAFF_RESOURCES]
    paths = {r.canonical for r in resources} - {"/static", "/login"}
    listed = {p.replace("iv00001", "{id}").replace("/1", "/{id}") for p in GET_ROUTES + POST_ROUTES}
    listed |= {p.replace("/1", "/{lead_id}") for p in GET_ROUTES + POST_ROUTES}
    assert paths <= listed


@pytest.mark.parametrize("path", GET_ROUTES)
async def test_anonymous_get_goes_to_sign_in(client: TestClient, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", POST_ROUTES)
async def test_anonymous_post_is_refused(client: TestClient, path: str) -> None:
    response = await client.post(path, data={"csrf_token": "x"}, allow_redirects=False)
    assert response.status == 401


@pytest.mark.parametrize("path", POST_ROUTES)
async def test_post_without_or_with_wrong_csrf_is_forbidden(client: TestClient, path: str) -> None:
    await login(client, "admin")
    missing = await client.post(path, data={"label_en": "x"}, allow_redirects=False)
    assert missing.status == 403
    wrong = await client.post(path, data={"csrf_token": "forged"}, allow_redirects=False)
    assert wrong.status == 403


async def test_login_itself_needs_the_form_token(client: TestClient) -> None:
    response = await client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status == 403


async def test_other_routes_are_left_alone(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert "Content-Security-Policy" not in response.headers


async def test_static_files_need_no_sign_in(client: TestClient) -> None:
    for path in ("/static/app.css", "/static/quote.js"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 200
    await login(client, "viewer")
    assert (await client.get("/static/init.mjs", allow_redirects=False)).status == 200


async def test_session_cookie_flags_and_renewal(client: TestClient) -> None:
    page = await client.get("/login")
    token = csrf_of(await page.text())
    client.session.cookie_jar.update_cookies({"dgu_staff": "planted-by-attacker"})
    response = await client.post(
        "/login",
        data={"username": "viewer", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    cookie = response.headers.getall("Set-Cookie")
    session = next(c for c in cookie if c.startswith("dgu_staff="))
    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert "Secure" not in session  # plain HTTP in the test
    assert "planted-by-attacker" not in session


async def test_cookie_is_secure_behind_https_proxy(client: TestClient) -> None:
    page = await client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in page.headers["Set-Cookie"]


async def test_security_headers(client: TestClient) -> None:
    response = await client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


async def test_wrong_password_then_rate_limit(client: TestClient) -> None:
    page = await client.get("/login")
    token = csrf_of(await page.text())
    for _ in range(5):
        bad = await client.post(
            "/login", data={"username": "editor", "password": "nope", "csrf_token": token}
        )
        assert bad.status == 401
        assert "not right" in await bad.text()
    blocked = await client.post(
        "/login", data={"username": "editor", "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status == 429
    assert "Too many failed sign-in attempts" in await blocked.text()


async def test_logout_ends_the_session(client: TestClient) -> None:
    csrf = await login(client, "viewer")
    await client.post("/logout", data={"csrf_token": csrf}, allow_redirects=False)
    response = await client.get("/interviews", allow_redirects=False)
    assert response.status == 302


async def test_next_parameter_stays_on_this_site(client: TestClient) -> None:
    page = await client.get("/login?next=//evil.example/")
    token = csrf_of(await page.text())
    response = await client.post(
        "/login",
        data={
            "username": "viewer",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/interviews"


async def test_viewer_cannot_edit_and_editor_cannot_administer(client: TestClient, db) -> None:
    await add_interview(db, 1, typical(1))
    csrf = await login(client, "viewer")
    response = await client.post(
        "/interviews/iv00001/review", data={"csrf_token": csrf, "status": "reviewed"}
    )
    assert response.status == 403
    client.session.cookie_jar.clear()
    csrf = await login(client, "editor")
    ok = await client.post(
        "/interviews/iv00001/review",
        data={"csrf_token": csrf, "status": "reviewed", "notes": "fine"},
        allow_redirects=False,
    )
    assert ok.status == 303
    assert (await client.get("/audit")).status == 403
    denied = await client.post(
        "/interviews/iv00001/delete", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert denied.status == 403


async def test_admin_deletes_and_it_is_audited(client: TestClient, db) -> None:
    await add_interview(db, 1, typical(1), name="Ada")
    csrf = await login(client, "admin")
    assert (await client.get("/interviews/iv00001")).status == 200
    deleted = await client.post(
        "/interviews/iv00001/delete", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert deleted.status == 303
    assert (await client.get("/interviews/iv00001")).status == 404
    audit = await (await client.get("/audit")).text()
    assert "deleted an interview" in audit and "viewed personal data" in audit


async def test_admin_manages_staff(client: TestClient, db) -> None:
    csrf = await login(client, "admin")
    response = await client.post(
        "/staff",
        data={
            "csrf_token": csrf,
            "username": "newbie",
            "password": "long enough pw",
            "role": "editor",
        },
        allow_redirects=False,
    )
    assert response.status == 303
    page = await (await client.get("/staff")).text()
    assert "newbie" in page
    short = await client.post(
        "/staff", data={"csrf_token": csrf, "username": "x", "password": "short", "role": "editor"}
    )
    assert short.status == 400
