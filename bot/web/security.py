"""Response headers, the session cookie and CSRF tokens for the staff web app.

Sessions live in the database (`staff_session`); the cookie carries only a random token.
Forms carry a per-session CSRF token; the sign-in form, used before there is a session,
uses a double-submit cookie instead.
"""

from __future__ import annotations

import hmac
import secrets
from ipaddress import IPv4Network, IPv6Network, ip_address

from aiohttp import web

from bot.services import SERVICES

SESSION_COOKIE = "dgu_staff"
LOGIN_CSRF_COOKIE = "dgu_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


#: a year, as GOV.UK services do; no includeSubDomains (we don't own the parent domain)
HSTS = "max-age=31536000"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def is_https(request: web.Request) -> bool:
    """True behind a TLS-terminating proxy too, so the cookie gets `Secure` in production."""
    if request.secure:
        return True
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    if proto == "https":
        return True
    base = request.app[SERVICES].settings.public_base_url or ""
    return base.lower().startswith("https://")


def trusted(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def from_trusted_proxy(request: web.Request) -> bool:
    """Did a proxy named in TRUSTED_PROXIES send this request (so its X-Forwarded-* hold)?"""
    networks = request.app[SERVICES].settings.trusted_proxy_networks
    return bool(networks) and trusted(request.remote or "", networks)


def served_over_https(request: web.Request) -> bool:
    """For HSTS, stricter than `is_https`: TLS here, a trusted proxy saying so
    (TRUSTED_PROXIES + X-Forwarded-Proto), or PUBLIC_BASE_URL on https://."""
    if request.secure:
        return True
    if from_trusted_proxy(request):
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip().lower()
        if proto == "https":
            return True
    base = request.app[SERVICES].settings.public_base_url or ""
    return base.lower().startswith("https://")


def set_cookie(
    response: web.StreamResponse, request: web.Request, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=is_https(request),
    )


def clear_cookie(response: web.StreamResponse, request: web.Request, name: str) -> None:
    response.del_cookie(name, path="/", secure=is_https(request), httponly=True, samesite="Lax")


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare` hook: every response of our routes, streamed or not, errors too."""
    from bot.web.routes import is_staff_route

    if not is_staff_route(request):
        return
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if served_over_https(request):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if "Cache-Control" not in response.headers and not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
