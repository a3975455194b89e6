"""Rendering pages: one `render()` that adds what every page needs (who is signed in, CSRF).

The Jinja environment has its own app key, so another part of the process may use
aiohttp-jinja2 for its own pages without the two colliding.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.services import SERVICES
from storage import answer_search

JINJA = web.AppKey("staff_jinja", jinja2.Environment)
log = logging.getLogger(__name__)

NAV = [
    ("/interviews", "Interviews", "viewer"),
    ("/reading", "Reading by question", "viewer"),
    ("/matrix", "Framework matrix", "viewer"),
    ("/themes", "Theme board", "viewer"),
    ("/contributions", "Contributions", "viewer"),
    ("/quotes", "Quotes", "viewer"),
    ("/landscape", "Landscape", "viewer"),
    ("/codebook", "Codebook", "viewer"),
    ("/mentions", "Mentions and leads", "viewer"),
    ("/staff", "Staff", "admin"),
    ("/audit", "Audit log", "admin"),
]
_LANG = re.compile(r"^[a-z]{2}$")


def page_context(request: web.Request) -> dict[str, Any]:
    """What every page's layout needs: who is signed in, their CSRF token, the navigation.

    Also handed to the mention pages (bot.mentions.views), which render their own templates
    but share this layout, so the whole staff app has one navigation.
    """
    from bot.web import language
    from bot.web.auth import STAFF

    staff = request.get(STAFF)
    t = language.translator(request)
    lang = language.language_of(request)
    return {
        "t": t,
        "lang": lang,
        "html_lang": language.HTML_LANG[lang],
        "staff": staff,
        "csrf_token": staff.csrf_token if staff is not None else "",
        "nav": [
            (href, t(f"nav.{href.strip('/')}"))
            for href, _, role in NAV
            if staff is not None and staff.can(role)
        ],
        "path": request.path,
        "path_qs": request.path_qs,
    }


def render(
    request: web.Request, template: str, context: Mapping[str, Any], status: int = 200
) -> web.Response:
    page = {**page_context(request), **context}
    response = aiohttp_jinja2.render_template(template, request, page, app_key=JINJA, status=status)
    return response


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _query(params: Mapping[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return urlencode(merged, doseq=True)  # lists: repeated keys (matrix columns)


def _html_lang(code: str | None) -> str:
    """A tweet's language as an HTML lang value; X's own codes (und, qme...) are not valid."""
    return code if code and _LANG.match(code) else ""


def install(env: jinja2.Environment) -> None:
    env.filters["when"] = _when
    env.filters["html_lang"] = _html_lang
    env.globals["query"] = _query


async def check_search_index(app: web.Application) -> None:
    """Re-create the answer search triggers if a later migration rebuilt `answer`."""
    try:
        await answer_search.ensure(app[SERVICES].db)
    except Exception:  # the list still works without the index, only slower
        log.exception("could not check the answer search index")
