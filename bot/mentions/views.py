"""Staff pages for leads: list and filter, triage, invite, contributions, read budget.

These are plain aiohttp handlers the staff app mounts with `setup_routes(app,
require_role=...)`; they render their own Jinja templates (autoescaped) so this package does
not depend on bot.web. They read the signed-in person from `request["staff"]` (username,
csrf_token) by duck typing; the staff app's middleware enforces sign-in, roles and CSRF.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from aiohttp.web_urldispatcher import AbstractResource

from bot.mentions import leads
from bot.mentions.monitor import usage
from bot.services import SERVICES
from storage.mentions import LEAD_STATUSES

Handler = Callable[[web.Request], Any]

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)

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


def _render(request: web.Request, name: str, **context: Any) -> web.Response:
    staff = request.get("staff")
    services = request.app[SERVICES]
    text = _env.get_template(name).render(  # autoescaped: tweets are untrusted
        csrf_token=getattr(staff, "csrf_token", ""),
        staff_name=getattr(staff, "username", ""),
        dry_run=services.settings.x_dry_run,
        **context,
    )
    return web.Response(text=text, content_type="text/html")


def _staff_user(request: web.Request) -> str:
    return str(getattr(request.get("staff"), "username", "staff"))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


async def leads_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    q = request.query
    status = q.get("status") if q.get("status") in LEAD_STATUSES else None
    min_score = _int(q.get("min_score"))
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
    lead_id = int(request.match_info["lead_id"])
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
        statuses=LEAD_STATUSES,
        message=request.query.get("message", "")[:300],
        can_reply=services.settings.x_user_context,
    )


def _back(lead_id: int, message: str = "") -> web.HTTPSeeOther:
    from urllib.parse import quote

    suffix = f"?message={quote(message)}" if message else ""
    return web.HTTPSeeOther(f"/mentions/leads/{lead_id}{suffix}")


async def set_status(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    lead_id = int(request.match_info["lead_id"])
    form = await request.post()
    status = str(form.get("status", ""))
    if status not in ("new", "dismissed"):  # the rest follow invitations and interviews
        raise web.HTTPBadRequest(text="status must be new or dismissed")
    if not await leads.set_status(services.db, lead_id, status):
        raise web.HTTPNotFound()
    raise _back(lead_id, f"Status set to {status}.")


async def set_contribution(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    lead_id = int(request.match_info["lead_id"])
    form = await request.post()
    flag = str(form.get("contribution", "")) in ("1", "on", "true")
    tags = [t for t in str(form.get("tags", "")).split(",") if t.strip()][:20]
    note = str(form.get("note", ""))[:2000]
    if not await leads.mark_contribution(services.db, lead_id, flag, tags=tags, note=note):
        raise web.HTTPNotFound()
    raise _back(lead_id, "Contribution saved.")


async def send_invitation(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    lead_id = int(request.match_info["lead_id"])
    form = await request.post()
    text = str(form.get("text", ""))[:2000]
    result = await leads.invite(services, lead_id, text, staff_user=_staff_user(request))
    if not result.ok:
        raise _back(lead_id, f"Not sent: {result.error}")
    if result.dry_run:
        raise _back(lead_id, "Dry run: the reply was recorded, not sent.")
    raise _back(lead_id, f"Reply sent (tweet {result.reply_tweet_id}).")


async def contributions_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    q = (request.query.get("q") or "").strip()[:200] or None
    tag = (request.query.get("tag") or "").strip()[:64] or None
    rows = await leads.contributions(services.db, q=q, tag=tag)
    return _render(request, "mentions_contributions.html", rows=rows, q=q or "", tag=tag or "")


async def contributions_json(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    return web.json_response(await leads.contributions(services.db))


async def usage_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    figures = await usage(services.db, services.settings.x_monthly_read_budget)
    return _render(request, "mentions_usage.html", usage=figures, settings=services.settings)


async def usage_json(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    return web.json_response(await usage(services.db, services.settings.x_monthly_read_budget))


def setup_routes(
    app: web.Application, *, require_role: Callable[[str], Callable[[Handler], Handler]]
) -> list[AbstractResource]:
    """Add the mention pages; `require_role(role)` marks each handler with its least role.

    Returns the resources added: the staff app must add them to its guarded set
    (STAFF_RESOURCES), or its sign-in, role and CSRF checks will not cover these pages.
    """
    added: list[AbstractResource] = []
    for method, path, role, name in ROUTES:
        handler = require_role(role)(globals()[name])
        route = app.router.add_route(method, path, handler, name=f"mentions.{name}")
        added.append(route.resource)  # type: ignore[arg-type]
    return added
