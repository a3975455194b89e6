"""Tweets marked as contributions, beside interviews: list, search, open, tag, quote.

A contribution is a public post addressed to @cdps_cymru that staff judged to be evidence in
itself (marked on its lead page under /mentions). It is coded with the same codebook as the
interviews: tags on the whole tweet and exact passages as quotes (storage.contribution_repo).
"""

from __future__ import annotations

from aiohttp import web
from multidict import MultiDict, MultiMapping

from bot.services import SERVICES
from bot.web import filters as filtering
from bot.web.auth import current, requires
from bot.web.language import translator
from bot.web.templating import render
from storage import coding_repo, contribution_repo, review_query
from storage.contribution_repo import ContributionError, ContributionFilters

FILTER_KEYS = ("q", "tag", "language", "since", "until")


def parse(query: MultiMapping[str]) -> ContributionFilters:
    """The filters contributions share with interviews: search, tag, language and dates."""
    chosen = filtering.parse(query)
    return ContributionFilters(
        q=chosen.q,
        tag=chosen.tag,
        language=chosen.language,
        since=chosen.since,
        until=chosen.until,
    )


def shared_params(query: MultiMapping[str]) -> dict[str, str]:
    """The part of an interviews query string that also narrows contributions (tab links)."""
    return {k: query[k] for k in FILTER_KEYS if query.get(k)}


@requires("viewer")
async def index(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    chosen = parse(request.query)
    page = filtering.page_number(request.query)
    rows, total = await contribution_repo.page(services.db, chosen, page)
    params = shared_params(request.query)
    interviews = await _interview_count(request)
    return render(
        request,
        "contributions.html",
        {
            "title": translator(request)("contrib.title"),
            "rows": rows,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // contribution_repo.PAGE_SIZE)),
            "params": params,
            "form": {k: request.query.get(k, "") for k in FILTER_KEYS},
            "tags": await coding_repo.list_tags(services.db),
            "tabs": {"interviews": interviews, "contributions": total},
        },
    )


async def _interview_count(request: web.Request) -> int:
    chosen = filtering.parse(_only(request.query, FILTER_KEYS), request.app[SERVICES].questionnaire)
    return await review_query.count(request.app[SERVICES].db, chosen)


def _only(query: MultiMapping[str], keys: tuple[str, ...]) -> MultiMapping[str]:
    return MultiDict((k, v) for k, v in query.items() if k in keys)


async def _load(request: web.Request) -> contribution_repo.Contribution:
    lead_id = request.match_info["id"]
    found = (
        await contribution_repo.get(request.app[SERVICES].db, int(lead_id))
        if lead_id.isascii() and lead_id.isdigit() and int(lead_id) <= filtering.MAX_ID
        else None
    )
    if found is None:
        raise web.HTTPNotFound(text="No such contribution.")
    return found


@requires("viewer")
async def show(request: web.Request) -> web.StreamResponse:
    return await _show(request)


async def _show(request: web.Request, error: str = "", status: int = 200) -> web.StreamResponse:
    services = request.app[SERVICES]
    item = await _load(request)
    return render(
        request,
        "contribution.html",
        {
            "title": translator(request)("contrib.one", id=item.lead.id),
            "item": item,
            "lead": item.lead,
            "tags": await coding_repo.list_tags(services.db),
            "chosen": {t.id for t in item.tags},
            "error": error,
        },
        status=status,
    )


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@requires("editor")
async def save_tags(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    item = await _load(request)
    form = await request.post()
    assert item.lead.id is not None
    await contribution_repo.set_tags(
        services.db,
        item.lead.id,
        _ids([str(v) for v in form.getall("tag", [])]),
        current(request).username,
        services.clock(),
    )
    raise web.HTTPSeeOther(f"/contributions/{item.lead.id}#tags")


@requires("editor")
async def add_quote(request: web.Request) -> web.StreamResponse:
    """Save a passage of the tweet; offsets from the selection script, or found by the server."""
    services = request.app[SERVICES]
    item = await _load(request)
    assert item.lead.id is not None
    form = await request.post()
    start, end = str(form.get("start", "")), str(form.get("end", ""))
    try:
        await contribution_repo.add_quote(
            services.db,
            item.lead.id,
            int(start) if start.isdigit() else -1,
            int(end) if end.isdigit() else -1,
            str(form.get("passage", "")),
            _ids([str(v) for v in form.getall("tag", [])]),
            current(request).username,
            services.clock(),
        )
    except ContributionError as exc:
        return await _show(request, str(exc), 400)
    raise web.HTTPSeeOther(f"/contributions/{item.lead.id}#quotes")


@requires("editor")
async def delete_quote(request: web.Request) -> web.StreamResponse:
    quote_id = request.match_info["id"]
    if not quote_id.isdigit():
        raise web.HTTPNotFound()
    quote = await contribution_repo.delete_quote(request.app[SERVICES].db, int(quote_id))
    if quote is None:
        raise web.HTTPNotFound(text="No such quote.")
    raise web.HTTPSeeOther(f"/contributions/{quote.lead_id}#quotes")
