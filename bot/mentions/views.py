"""Staff pages for leads: list and filter, triage, invite, mark contributions, read budget.

These are plain aiohttp handlers the staff app mounts with `setup_routes(app,
require_role=..., page_context=..., loader=...)`, so this package does not depend on bot.web.
Their templates extend the one staff layout, `base.html` of bot/web/templates: the
composition root (bot/app.py) hands the staff app and these pages the same Jinja loader.
`page_context(request)` gives what that layout needs (signed-in person, CSRF token,
navigation); without it they read `request["staff"]` by duck typing, and without a loader
they find the layout in its folder (tests that mount these pages alone). The staff app's
middleware enforces sign-in, roles and CSRF. Contributions are listed and coded in the
staff app beside interviews (/contributions); the old addresses here redirect there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web
from aiohttp.web_urldispatcher import AbstractResource

from bot.interview import Catalogue, load_catalogue
from bot.mentions import leads, scoring
from bot.mentions.monitor import usage
from bot.services import SERVICES
from storage import coding_repo, contribution_repo
from storage.mentions import LEAD_STATUSES

Handler = Callable[[web.Request], Any]
PageContext = Callable[[web.Request], dict[str, Any]]
PAGE_CONTEXT: web.AppKey[PageContext] = web.AppKey("mentions_page_context")
DEFAULT_NAV = [
    ("/interviews", "Interviews"),
    ("/contributions", "Contributions"),
    ("/mentions", "Mentions"),
]

TEMPLATES = Path(__file__).with_name("templates")
STAFF_LAYOUT = Path(__file__).parents[1] / "web" / "templates"
"""Where `base.html` is when no loader is handed in (a folder, not an import of bot.web)."""
JINJA: web.AppKey[jinja2.Environment] = web.AppKey("mentions_jinja")
PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
_CATALOGUE: Catalogue | None = None
_LANG = re.compile(r"^[a-z]{2}$")


def html_lang(code: str | None) -> str:
    """X's language as an HTML lang value, or "" for X's own codes (und, qme, zxx...)."""
    return code if code and _LANG.match(code) else ""


def environment(loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    """The pages' Jinja environment (autoescaped: tweets are untrusted)."""
    env = jinja2.Environment(
        loader=loader
        or jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(TEMPLATES), jinja2.FileSystemLoader(STAFF_LAYOUT)]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["html_lang"] = html_lang
    return env


ROUTES = [
    ("GET", "/mentions", "viewer", "leads_page"),
    ("GET", "/mentions/leads/{lead_id:\\d+}", "viewer", "lead_page"),
    ("POST", "/mentions/leads/{lead_id:\\d+}/status", "editor", "set_status"),
    ("POST", "/mentions/leads/{lead_id:\\d+}/contribution", "editor", "set_contribution"),
    ("POST", "/mentions/leads/{lead_id:\\d+}/invite", "editor", "send_invitation"),
    ("GET", "/mentions/contributions", "viewer", "contributions_page"),
    ("GET", "/mentions/contributions.json", "viewer", "contributions_json"),
    ("GET", "/mentions/usage", "viewer", "usage_page"),
    ("GET", "/mentions/usage.json", "viewer", "usage_json"),
]


def _page(request: web.Request) -> dict[str, Any]:
    """Who is signed in and the navigation, from the staff app (or a stub in tests)."""
    provider = request.app.get(PAGE_CONTEXT)
    if provider is not None:
        return dict(provider(request))
    staff = request.get("staff")
    return {
        "staff": staff,
        "csrf_token": getattr(staff, "csrf_token", ""),
        "nav": DEFAULT_NAV,
        "path": request.path,
        "path_qs": request.path_qs,
        "lang": "en",
        "html_lang": "en-GB",
        "t": _english,
    }


def _english(key: str, **params: object) -> str:
    """The staff strings in English, when these pages run without the staff app's layout."""
    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = load_catalogue(PROMPTS / "dgu_landscape.yaml", "staff")
    return _CATALOGUE.text("en", key, **params)


reason_text = scoring.reason_text
"""A stored scoring reason in the reader's language (kept here for the pages' callers)."""


#: the notes a lead page shows after an action (`?message=<code>`, `&detail=` a tweet id or
#: X's own error), by the staff catalogue key that words them
FLASH = {
    "status_new": "lead.flash.status_new",
    "status_dismissed": "lead.flash.status_dismissed",
    "contribution": "lead.flash.contribution",
    "saved": "lead.flash.saved",
    "dry_run": "lead.flash.dry_run",
    "sent": "lead.flash.sent",
    "not_sent": "lead.flash.not_sent",
}


def flash_text(t: Callable[..., str], code: str, detail: str) -> str:
    """The note for `?message=code`; nothing for a code we never send."""
    if code not in FLASH:
        return ""
    if code == "not_sent":
        why = t(f"lead.invite_error.{detail}") if detail in leads.INVITE_ERRORS else detail
        return t(FLASH[code], error=why)
    return t(FLASH[code], tweet=detail)


def _render(request: web.Request, name: str, **context: Any) -> web.Response:
    services = request.app[SERVICES]
    page = _page(request)
    staff = page.get("staff")
    t = page["t"]
    page["reason"] = lambda text: reason_text(t, text)
    text = (
        request.app[JINJA]
        .get_template(name)
        .render(  # autoescaped
            staff_name=getattr(staff, "username", ""),
            staff_role=getattr(staff, "role", ""),
            dry_run=services.settings.x_dry_run,
            **page,
            **context,
        )
    )
    return web.Response(text=text, content_type="text/html")


def _staff_user(request: web.Request) -> str:
    return str(getattr(_page(request).get("staff"), "username", "staff"))


#: the largest id or score a column holds on both backends (PostgreSQL INTEGER)
_MAX_INT = 2**31 - 1


def _int(name: str, value: str | None) -> int | None:
    """An optional whole number: empty is None, past a column's range the nearest end,
    anything else a 400 that says what is wrong (never silently ignored)."""
    text = (value or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 40):
        raise web.HTTPBadRequest(text=f"{name} must be a whole number, not {text[:40]!r}.")
    return max(-_MAX_INT, min(_MAX_INT, int(text)))


def _lead_id(request: web.Request) -> int:
    """The lead in the path (the route allows digits only); 404 past any stored id."""
    lead_id = int(request.match_info["lead_id"])
    if lead_id > _MAX_INT:
        raise web.HTTPNotFound()
    return lead_id


async def leads_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    q = request.query
    status = q.get("status") if q.get("status") in LEAD_STATUSES else None
    min_score = _int("min_score", q.get("min_score"))
    lang = (q.get("lang") or "").strip()[:16] or None
    text = (q.get("q") or "").strip()[:200] or None
    rows = await leads.list_leads(
        services.db, status=status, min_score=min_score, lang=lang, q=text
    )
    figures = await usage(services.db, services.settings.x_monthly_read_budget)
    return _render(
        request,
        "mentions_leads.html",
        leads=rows,
        statuses=LEAD_STATUSES,
        filters={
            "status": status or "",
            "min_score": min_score,
            "lang": lang or "",
            "q": text or "",
        },
        usage=figures,
    )


async def lead_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    lead_id = _lead_id(request)
    lead = await leads.get_lead(services.db, lead_id)
    if lead is None:
        raise web.HTTPNotFound()
    draft = lead.invitation_text or leads.invitation_text(lead, services.bot_username)
    return _render(
        request,
        "mentions_lead.html",
        lead=lead,
        draft=draft,
        draft_length=leads.x_length(draft),
        deep_link=leads.deep_link(services.bot_username, lead_id),
        replies=await leads.replies(services.db, lead_id),
        tags=await coding_repo.list_tags(services.db),
        lead_tags=await contribution_repo.tag_ids_of(services.db, lead_id),
        statuses=LEAD_STATUSES,
        message=flash_text(
            page_t(request), request.query.get("message", ""), request.query.get("detail", "")[:300]
        ),
        can_reply=services.settings.x_user_context,
    )


def page_t(request: web.Request) -> Callable[..., str]:
    return _page(request)["t"]  # type: ignore[no-any-return]


def _back(lead_id: int, code: str = "", detail: str = "") -> web.HTTPSeeOther:
    suffix = f"?message={code}" if code else ""
    if detail:
        suffix += f"&detail={quote(detail, safe='')}"
    return web.HTTPSeeOther(f"/mentions/leads/{lead_id}{suffix}")


async def set_status(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    lead_id = _lead_id(request)
    form = await request.post()
    status = str(form.get("status", ""))
    if status not in ("new", "dismissed"):  # the rest follow invitations and interviews
        raise web.HTTPBadRequest(text="status must be new or dismissed")
    if not await leads.set_status(services.db, lead_id, status):
        raise web.HTTPNotFound()
    raise _back(lead_id, f"status_{status}")


async def set_contribution(request: web.Request) -> web.Response:
    """Mark or unmark the tweet as a contribution, with its note and codebook tags.

    Tags arrive as codebook ids (`tag`, the checkboxes), or as comma-separated English
    labels (`tags`, for scripts); a new label is added to the codebook.
    """
    services = request.app[SERVICES]
    lead_id = _lead_id(request)
    form = await request.post()
    flag = str(form.get("contribution", "")) in ("1", "on", "true")
    tag_ids = [int(str(v)) for v in form.getall("tag", []) if str(v).isdigit()][:50]
    labels = [t for t in str(form.get("tags", "")).split(",") if t.strip()][:20]
    note = str(form.get("note", ""))[:2000]
    if not await leads.mark_contribution(
        services.db,
        lead_id,
        flag,
        labels if "tags" in form else None,
        note,
        tag_ids=tag_ids if "tags_shown" in form or tag_ids else None,
        by=_staff_user(request),
    ):
        raise web.HTTPNotFound()
    raise _back(lead_id, "contribution" if flag else "saved")


async def send_invitation(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    lead_id = _lead_id(request)
    form = await request.post()
    text = str(form.get("text", ""))[:2000]
    result = await leads.invite(services, lead_id, text, staff_user=_staff_user(request))
    if not result.ok:
        raise _back(lead_id, "not_sent", result.code or str(result.error or ""))
    if result.dry_run:
        raise _back(lead_id, "dry_run")
    raise _back(lead_id, "sent", str(result.reply_tweet_id))


async def contributions_page(request: web.Request) -> web.Response:
    """Contributions moved into the staff app, beside interviews."""
    raise web.HTTPMovedPermanently(
        "/contributions" + (f"?{request.query_string}" if request.query_string else "")
    )


async def contributions_json(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/exports/contributions.json")


async def usage_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    figures = await usage(services.db, services.settings.x_monthly_read_budget)
    return _render(request, "mentions_usage.html", usage=figures, settings=services.settings)


async def usage_json(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    return web.json_response(await usage(services.db, services.settings.x_monthly_read_budget))


def setup_routes(
    app: web.Application,
    *,
    require_role: Callable[[str], Callable[[Handler], Handler]],
    page_context: PageContext | None = None,
    loader: jinja2.BaseLoader | None = None,
) -> list[AbstractResource]:
    """Add the mention pages; `require_role(role)` marks each handler with its least role,
    `page_context(request)` supplies the staff layout's values (person, CSRF, navigation)
    and `loader` finds the templates, these pages' and the staff layout.

    Returns the resources added: the staff app must add them to its guarded set
    (STAFF_RESOURCES), or its sign-in, role and CSRF checks will not cover these pages.
    """
    if page_context is not None:
        app[PAGE_CONTEXT] = page_context
    app[JINJA] = environment(loader)
    added: list[AbstractResource] = []
    for method, path, role, name in ROUTES:
        handler = require_role(role)(globals()[name])
        route = app.router.add_route(method, path, handler, name=f"mentions.{name}")
        added.append(route.resource)  # type: ignore[arg-type]
    return added
