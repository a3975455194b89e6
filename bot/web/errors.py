"""Error pages: every refusal on a staff address is a GOV.UK page in the reader's language.

Views and the guard keep raising aiohttp's HTTP exceptions with a plain English `text` (what
a script or `curl` reads in the code); the `pages` middleware turns a 400, 401, 403, 404, 405
or 413 on a staff route, or on an address no route matches, into `error.html` with a title
for the status and the message in the signed-in person's language (signed out: `?lang=`, the
sign-in page's language cookie, then Accept-Language). A message we know is translated
through `MESSAGES`; one we don't is replaced by the status's general message, so English
never leaks into a Welsh page (tests/web/test_staff_welsh.py checks every raise site is known).
"""

from __future__ import annotations

import re

from aiohttp import web

from bot.web import language
from bot.web.auth import STAFF, Handler, identify
from bot.web.language import Translate
from bot.web.templating import render

PAGES = (400, 401, 403, 404, 405, 413)

#: English texts raised by views, the guard, filters and the mention pages, by catalogue key;
#: named groups are the key's placeholders
MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), key)
    for p, key in (
        (r"No such interview\.", "error.no_interview"),
        (r"No such quote\.", "error.no_quote"),
        (r"No such contribution\.", "error.no_contribution"),
        (r"No such tag\.", "error.no_tag"),
        (r"No such column\.", "error.no_column"),
        (r"No such file\.", "error.no_file"),
        (r"This file is no longer kept\.", "error.file_gone"),
        (r"Choose en or cy\.", "error.choose_language"),
        (r"The address contains a character that is not allowed\.", "error.bad_character"),
        (r"Sign in first\.", "error.sign_in_first"),
        (r"status must be new or dismissed", "error.lead_status"),
        (r"(?P<name>\w+) must be a whole number, not (?P<value>.*)\.", "error.whole_number"),
        (r"(?P<name>\w+) must be the number of an existing record\.", "error.record_id"),
        (r"(?P<name>\w+) must be a date like 2026-03-01, not (?P<value>.*)\.", "error.date"),
        (r"since must not be after until\.", "error.since_until"),
    )
]


def message(t: Translate, text: str, status: int) -> str:
    """`text` in the reader's language when we know it, else the status's general message."""
    for pattern, key in MESSAGES:
        found = pattern.fullmatch(text)
        if found:
            return t(key, **found.groupdict())
    return t(f"error.message.{status}" if status in PAGES else "error.message.400")


def page(request: web.Request, status: int, text: str = "") -> web.Response:
    """The error page for `status`, with `text` (English, as raised) in the reader's words."""
    t = language.translator(request)
    context = {
        "title": t(f"error.title.{status}" if status in PAGES else "error.title.400"),
        "message": message(t, text, status),
        "status": status,
    }
    response = render(request, "error.html", context, status=status)
    language.remember(response, request)
    return response


def _covered(request: web.Request) -> bool:
    from bot.web.routes import is_staff_route

    return is_staff_route(request) or request.match_info.route.resource is None


@web.middleware
async def pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outside the guard: its refusals, and the views', become pages."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status not in PAGES or not _covered(request):
            raise
        if STAFF not in request:  # no route: the guard did not look at the session
            await identify(request)
        response = page(request, exc.status, exc.text or "")
        for name in ("Allow", "WWW-Authenticate"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
