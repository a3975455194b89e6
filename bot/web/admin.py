"""Administrators' pages: staff accounts and the audit log."""

from __future__ import annotations

from aiohttp import web

from bot.services import SERVICES
from bot.web import filters as filtering
from bot.web.accounts import AccountError
from bot.web.accounts import add_staff as create_account
from bot.web.auth import current, requires
from bot.web.language import translator
from bot.web.templating import render
from storage import staff_repo
from storage.staff import ROLES

AUDIT_PAGE = 100
#: the actions the staff app records, each worded as `audit.action.<action>` in the catalogue
AUDIT_ACTIONS = (
    "view_personal_data",
    "export",
    "delete_interview",
    "delete_quote",
    "delete_staff",
    "delete_tag",
    "download_media",
    "edit_transcript",
    "quote_pack",
    "save_cell_summary",
    "remove_cell_summary",
)


@requires("admin")
async def audit(request: web.Request) -> web.StreamResponse:
    before = filtering.whole_number(request.query, "before", low=1, high=filtering.MAX_ID)
    search = request.query.get("q", "").strip()[:100]
    entries = await staff_repo.audit_page(
        request.app[SERVICES].db,
        before_id=before,
        limit=AUDIT_PAGE,
        search=search,
    )
    older = entries[-1].id if len(entries) == AUDIT_PAGE else None
    return render(
        request,
        "audit.html",
        {
            "title": translator(request)("nav.audit"),
            "actions": {a: translator(request)(f"audit.action.{a}") for a in AUDIT_ACTIONS},
            "entries": entries,
            "older": older,
            "q": search,
        },
    )


@requires("admin")
async def staff(request: web.Request, *, error: str = "", status: int = 200) -> web.StreamResponse:
    users = await staff_repo.list_users(request.app[SERVICES].db)
    return render(
        request,
        "staff.html",
        {
            "title": translator(request)("staff.title"),
            "users": users,
            "roles": ROLES,
            "error": error,
        },
        status=status,
    )


@requires("admin")
async def add_staff(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        await create_account(
            request.app[SERVICES].db,
            str(form.get("username", "")).strip(),
            str(form.get("password", "")),
            str(form.get("role", "viewer")),
        )
    except AccountError as exc:
        error = translator(request)(exc.key, **exc.params)
        return await staff(request, error=error, status=400)
    raise web.HTTPSeeOther("/staff")


def _user_id(request: web.Request) -> int:
    value = request.match_info["id"]
    if not value.isdigit():
        raise web.HTTPNotFound()
    return int(value)


@requires("admin")
async def change_role(request: web.Request) -> web.StreamResponse:
    role = str((await request.post()).get("role", ""))
    if role not in ROLES:
        return await staff(request, error=translator(request)("error.choose_role"), status=400)
    if _user_id(request) == current(request).user_id and role != "admin":
        return await staff(request, error=translator(request)("error.own_admin"), status=400)
    await staff_repo.set_role(request.app[SERVICES].db, _user_id(request), role)
    raise web.HTTPSeeOther("/staff")


@requires("admin")
async def remove_staff(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    if _user_id(request) == current(request).user_id:
        return await staff(request, error=translator(request)("error.own_account"), status=400)
    name = await staff_repo.delete_user(services.db, _user_id(request))
    if name is None:
        raise web.HTTPNotFound()
    await staff_repo.audit(
        services.db, current(request).username, "delete_staff", name, services.clock()
    )
    raise web.HTTPSeeOther("/staff")
