"""The staff pages render escaped, filter, and triage; mounted the way the staff app will."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.mentions import leads, views
from bot.mentions.client import RetryPolicy
from bot.mentions.monitor import MentionMonitor
from bot.services import SERVICES, Services
from storage.database import Database
from tests.fakes.x_api import FakeXApi


@dataclass
class StaffStub:
    username: str = "rhian"
    csrf_token: str = "tok"


def _app(services: Services, marked: dict[str, str]) -> web.Application:
    @web.middleware
    async def signed_in(request: web.Request, handler: Any) -> Any:
        with warnings.catch_warnings():  # the staff app keys request["staff"] by string
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request["staff"] = StaffStub()
        return await handler(request)

    def require_role(role: str) -> Callable[[Any], Any]:
        def mark(handler: Any) -> Any:
            marked[handler.__name__] = role
            return handler

        return mark

    app = web.Application(middlewares=[signed_in])
    app[SERVICES] = services
    assert len(views.setup_routes(app, require_role=require_role)) == len(views.ROUTES)
    return app


async def test_pages_and_triage(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    x.mention(
        "<script>alert(1)</script> about service design?", author=x.add_user("nia"), lang="cy"
    )
    services = make_services(x_dry_run=True)
    monitor = MentionMonitor(services, policy=policy)
    [lead_id] = (await monitor.poll_once()).new_leads
    await monitor.close()
    marked: dict[str, str] = {}
    async with TestClient(TestServer(_app(services, marked))) as client:
        assert marked["send_invitation"] == "editor" and marked["leads_page"] == "viewer"
        page = await (await client.get("/mentions?status=new&lang=cy&min_score=1")).text()
        assert "&lt;script&gt;" in page and "<script>alert" not in page
        assert f"/mentions/leads/{lead_id}" in page and "Dry run" in page
        assert (
            f"/mentions/leads/{lead_id}" not in await (await client.get("/mentions?lang=en")).text()
        )
        detail = await (await client.get(f"/mentions/leads/{lead_id}")).text()
        assert "Diolch" in detail and f"start=lead-{lead_id}" in detail and 'value="tok"' in detail
        r = await client.post(
            f"/mentions/leads/{lead_id}/invite",
            data={"text": "Diolch / Thanks", "csrf_token": "tok"},
        )
        assert r.status == 200 and "Dry run" in await r.text()
        [reply] = await leads.replies(db, lead_id)
        assert reply.dry_run and reply.staff_user == "rhian" and x.created == []
        r = await client.post(
            f"/mentions/leads/{lead_id}/contribution",
            data={"contribution": "1", "tags": "welsh, design", "note": "n"},
        )
        assert r.status == 200
        [row] = await leads.contributions(db)
        assert row["lead_id"] == lead_id and [t["en"] for t in row["tags"]] == ["design", "welsh"]
        assert row["marked_by"] == "rhian" and row["note"] == "n"
        detail = await (await client.get(f"/mentions/leads/{lead_id}")).text()
        assert 'name="tag"' in detail and "checked" in detail and "/contributions/" in detail
        # the codebook checkboxes replace the tags (an empty choice clears them)
        r = await client.post(
            f"/mentions/leads/{lead_id}/contribution",
            data={"contribution": "1", "tags_shown": "1", "note": "n"},
        )
        assert r.status == 200 and (await leads.contributions(db))[0]["tags"] == []
        # contributions now live in the staff app, beside interviews
        moved = await client.get("/mentions/contributions?q=x", allow_redirects=False)
        assert moved.status == 301 and moved.headers["Location"] == "/contributions?q=x"
        moved = await client.get("/mentions/contributions.json", allow_redirects=False)
        assert moved.headers["Location"] == "/exports/contributions.json"
        r = await client.post(f"/mentions/leads/{lead_id}/status", data={"status": "dismissed"})
        assert r.status == 200 and (await leads.get_lead(db, lead_id)).status == "dismissed"  # type: ignore[union-attr]
        assert (
            await client.post(f"/mentions/leads/{lead_id}/status", data={"status": "completed"})
        ).status == 400
        assert (await client.get("/mentions/leads/9999")).status == 404
        usage_page = await (await client.get("/mentions/usage")).text()
        assert "posts read of 10000" in usage_page
        figures = await (await client.get("/mentions/usage.json")).json()
        assert figures["reads_used"] == 1 and figures["accounts"][0]["handle"] == "cdps_cymru"
