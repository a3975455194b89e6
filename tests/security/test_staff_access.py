"""The whole process, not just the staff app on its own: every URL create_app mounts is behind
sign-in except the few that must not be; every POST needs the CSRF token; every staff page
carries the security headers. (tests/web covers the staff app's own list in detail.)"""

from __future__ import annotations

import re

from aiohttp import web

from bot.web.accounts import add_staff
from tests.integration.chatkit import running_bot, running_emulator
from tests.web.conftest import PASSWORD, login

#: reachable without signing in, each for a reason
PUBLIC = {
    "/healthz",  # the platform's health check: no data, only ok/unavailable
    "/telegram/webhook",  # Telegram; guarded by the webhook secret instead
    "/login",
    "/logout",  # POST only, and refused (401) without a session
}


def _paths(app: web.Application) -> list[tuple[str, str]]:
    out = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix")
        if path is None or route.method == "HEAD":
            continue
        path = re.sub(r"\{[^}]+\}", "1", path)
        out.append((route.method, path))
    return sorted(set(out))


async def test_every_route_needs_sign_in_and_csrf(migrated_url: str) -> None:
    async with running_emulator() as emulator, running_bot(emulator, migrated_url) as bot:
        routes = _paths(bot.app)
        assert ("GET", "/metrics") in routes and ("GET", "/mentions") in routes
        open_doors = []
        for method, path in routes:
            if path in PUBLIC or path.startswith("/static"):
                continue
            response = await bot.client.request(method, path, allow_redirects=False)
            if method == "GET":
                ok = response.status == 302 and response.headers["Location"].startswith("/login")
            else:
                ok = response.status in (401, 403)
            if not ok:
                open_doors.append(f"{method} {path}: {response.status}")
        assert open_doors == []

        await add_staff(bot.services.db, "admin", PASSWORD, "admin")
        csrf = await login(bot.client, "admin")
        forged = []
        for method, path in routes:
            if method != "POST" or path in PUBLIC:
                continue
            response = await bot.client.post(path, data={"x": "1"}, allow_redirects=False)
            if response.status != 403:
                forged.append(f"{path}: {response.status}")
        assert forged == [], "a POST went through without the CSRF token"
        assert csrf


async def test_staff_pages_carry_the_security_headers(migrated_url: str) -> None:
    async with running_emulator() as emulator, running_bot(emulator, migrated_url) as bot:
        await add_staff(bot.services.db, "admin", PASSWORD, "admin")
        await login(bot.client, "admin")
        for path in ("/interviews", "/mentions", "/metrics", "/landscape", "/no-such-page"):
            response = await bot.client.get(path, allow_redirects=False)
            headers = response.headers
            if path == "/no-such-page":  # not ours: the staff headers are for staff routes
                assert response.status == 404
                continue
            csp = headers.get("Content-Security-Policy", "")
            assert "frame-ancestors 'none'" in csp, path
            assert "default-src" in csp and "unsafe-inline" not in csp, path
            assert headers.get("Referrer-Policy") == "same-origin", path
            assert headers.get("X-Content-Type-Options") == "nosniff", path
            assert headers.get("Cache-Control") == "no-store", path
