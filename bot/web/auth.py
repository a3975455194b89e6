"""Signing in and out, and the middleware that guards every staff route.

Every handler declares the least role it needs with `@requires(...)` (or `@public`); the
middleware refuses anonymous visitors, checks the role, and checks the CSRF token on every
POST, so a view cannot forget any of the three.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from ipaddress import ip_address
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from aiohttp import web
from aiohttp.web_urldispatcher import StaticResource
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.services import SERVICES
from bot.web import security
from bot.web.filters import BadQuery
from bot.web.templating import render
from storage import staff_repo
from storage.staff import ROLES

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# a view keeps its own signature (some take keyword arguments to re-render with an error)
View = TypeVar("View", bound=Handler)

SESSION_LIFETIME = timedelta(hours=12)
RATE_WINDOW = timedelta(minutes=15)
#: attempts per account in the window: guessing one person's password
RATE_LIMIT = 5
#: attempts per address in the window: one machine trying many accounts. Higher than the
#: account limit, since an office shares one address and one person's typos must not lock
#: out their colleagues (behind a proxy, see TRUSTED_PROXIES and `client_ip`).
RATE_LIMIT_PER_ADDRESS = 20
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password")  # verified for unknown names: equal timing


@dataclass(frozen=True)
class Staff:
    """The signed-in person, as views and templates see them."""

    user_id: int
    username: str
    role: str
    csrf_token: str
    session_token: str
    language: str = "en"  # the staff app's language for this person (bot.web.language)

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def requires(role: str | None) -> Callable[[View], View]:
    """Declare the least role a view needs; None means anyone (sign-in page, static files)."""

    def mark(handler: View) -> View:
        handler.staff_role = role  # type: ignore[attr-defined]
        return handler

    return mark


public = requires(None)
STAFF = web.RequestKey("staff", Staff)


def current(request: web.Request) -> Staff:
    return request[STAFF]


def client_ip(request: web.Request) -> str:
    """The address of the person signing in, for the sign-in limit.

    X-Forwarded-For is anyone's to write, so it counts only when the connection comes from
    a trusted proxy; then the client is the rightmost address no trusted proxy added.
    """
    remote = request.remote or "unknown"
    if not security.from_trusted_proxy(request):
        return remote
    networks = request.app[SERVICES].settings.trusted_proxy_networks
    hops = [h.strip() for h in ",".join(request.headers.getall("X-Forwarded-For", [])).split(",")]
    hops = [h for h in hops if h]
    for hop in reversed(hops):
        if not security.trusted(hop, networks):
            try:
                return str(ip_address(hop))
            except ValueError:
                return remote  # a proxy that writes nonsense: fall back to what we saw
    return str(ip_address(hops[0])) if hops else remote


def _safe_next(target: str | None) -> str:
    """Only local paths, so the sign-in page can't be used to send people elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/interviews"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return "/interviews"
    return target


async def identify(request: web.Request) -> None:
    """Put the signed-in person at `request[STAFF]`, when the session cookie is a live one."""
    services = request.app[SERVICES]
    token = request.cookies.get(security.SESSION_COOKIE)
    if token:
        found = await staff_repo.session_user(services.db, token, services.clock())
        if found is not None:
            session, user = found
            assert user.id is not None
            request[STAFF] = Staff(
                user.id, user.username, user.role, session.csrf_token, token, user.language
            )


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    from bot.web.routes import is_staff_route

    if not is_staff_route(request):
        return await handler(request)
    if "\x00" in request.path or any("\x00" in v for v in request.query.values()):
        raise web.HTTPBadRequest(text="The address contains a character that is not allowed.")
    await identify(request)
    if isinstance(request.match_info.route.resource, StaticResource):
        role: str | None = None  # CSS, scripts and images are public
    else:  # a view that forgot to declare a role is for admins only
        role = getattr(request.match_info.handler, "staff_role", "admin")
    staff: Staff | None = request.get(STAFF)
    if role is not None:
        if staff is None:
            if request.method in ("GET", "HEAD"):
                raise web.HTTPFound("/login?next=" + quote(request.path_qs, safe=""))
            raise web.HTTPUnauthorized(text="Sign in first.")
        if not staff.can(role):
            t = _translator(request)
            return _forbidden(
                request,
                t("error.needs_role", role=t(f"role.{role}"), current=t(f"role.{staff.role}")),
            )
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        expected = (
            staff.csrf_token
            if staff is not None
            else request.cookies.get(security.LOGIN_CSRF_COOKIE)
        )
        given = request.headers.get(security.CSRF_HEADER)
        if given is None:
            form = await request.post()
            value = form.get(security.CSRF_FIELD)
            given = value if isinstance(value, str) else None
        if not security.tokens_match(given, expected):
            return _forbidden(request, _translator(request)("error.csrf"))
    try:
        return await handler(request)
    except BadQuery as exc:
        from bot.web import errors

        return errors.page(request, 400, str(exc))


def _translator(request: web.Request) -> Callable[..., str]:
    from bot.web import language

    return language.translator(request)


def _forbidden(request: web.Request, message: str) -> web.StreamResponse:
    """A 403 page whose message is already in the reader's language."""
    t = _translator(request)
    return render(request, "error.html", {"title": t("error.title.403"), "message": message}, 403)


@public
async def login_form(request: web.Request) -> web.StreamResponse:
    if request.get(STAFF) is not None:
        raise web.HTTPFound(_safe_next(request.query.get("next")))
    return _login_page(request, {})


def _login_page(
    request: web.Request, context: dict[str, Any], status: int = 200
) -> web.StreamResponse:
    csrf = request.cookies.get(security.LOGIN_CSRF_COOKIE) or security.new_token()
    context = {
        "title": _translator(request)("login.title"),
        "login_csrf": csrf,
        "next": _safe_next(request.query.get("next") or context.get("next")),
        **context,
    }
    response = render(request, "login.html", context, status=status)
    security.set_cookie(response, request, security.LOGIN_CSRF_COOKIE, csrf, max_age=3600)
    from bot.web import language

    language.remember(response, request)
    return response


@public
async def login(request: web.Request) -> web.StreamResponse:
    from bot.web import language

    services = request.app[SERVICES]
    form = await request.post()
    if str(form.get("lang", "")) in language.LANGUAGES:
        request[language.CHOSEN] = str(form.get("lang"))
    t = language.translator(request)
    username = str(form.get("username", "")).strip()[:64]
    password = str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    now = services.clock()
    ip = client_ip(request)
    context: dict[str, Any] = {"username": username, "next": target}
    # Counted before the password is checked, so attempts sent at once are counted too.
    attempt = await staff_repo.begin_attempt(
        services.db, username.lower(), ip, now, now - RATE_WINDOW
    )
    if attempt.by_user > RATE_LIMIT or attempt.by_ip > RATE_LIMIT_PER_ADDRESS:
        await staff_repo.end_attempt(services.db, attempt.id)  # only checked ones count
        context["error"] = t("login.too_many")
        return _login_page(request, context, status=429)
    user = await staff_repo.find_user(services.db, username) if username else None
    if not await _password_ok(user.password_hash if user else None, password):
        context["error"] = t("login.wrong")
        return _login_page(request, context, status=401)
    assert user is not None and user.id is not None
    await staff_repo.clear_failures(services.db, username.lower())
    old = request.cookies.get(security.SESSION_COOKIE)
    if old:
        await staff_repo.end_session(services.db, old)  # a new id at every sign-in
    token = security.new_token()
    await staff_repo.start_session(
        services.db, user.id, token, security.new_token(), now, SESSION_LIFETIME
    )
    response = web.HTTPSeeOther(target)
    security.set_cookie(
        response, request, security.SESSION_COOKIE, token, int(SESSION_LIFETIME.total_seconds())
    )
    security.clear_cookie(response, request, security.LOGIN_CSRF_COOKIE)
    raise response


async def _password_ok(stored: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@requires("viewer")
async def logout(request: web.Request) -> web.StreamResponse:
    staff = current(request)
    await staff_repo.end_session(request.app[SERVICES].db, staff.session_token)
    response = web.HTTPSeeOther("/login")
    security.clear_cookie(response, request, security.SESSION_COOKIE)
    raise response
