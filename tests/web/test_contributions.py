"""Tweets marked as contributions, beside interviews: tab, search, tags, quotes, exports,
the codebook's upkeep of their tags, the leads funnel on the landscape, the navigation."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient
from sqlalchemy import text

from storage import coding_repo, contribution_repo
from storage.contribution_repo import ContributionFilters
from storage.database import Database
from storage.mentions import XCursor
from storage.migrate import upgrade_async
from tests.web.conftest import login
from tests.web.seed import add_interview, add_lead, typical

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


async def test_contributions_sit_beside_interviews_and_are_searchable(
    client: TestClient, db: Database
) -> None:
    await add_interview(db, 1, typical(1), source="lead-1")
    await add_interview(db, 2, typical(2), language="cy")
    first = await add_lead(db, 1, "@cdps_cymru Our service standard is open to all")
    welsh = await add_lead(db, 2, "@cdps_cymru Ŵyr ni'n gweithio ar safonau gwasanaeth", lang="cy")
    await add_lead(db, 3, "@cdps_cymru just saying hi", contribution=False)
    await login(client, "viewer")

    listing = await (await client.get("/interviews")).text()
    assert "Interviews (2)" in listing and "Contributions from X (2)" in listing
    assert 'href="/contributions"' in listing  # tab and navigation
    assert 'href="/mentions"' in listing

    page = await (await client.get("/contributions")).text()
    assert "2 contributions" in page and "just saying hi" not in page
    assert f'href="/contributions/{welsh}"' in page and 'lang="cy"' in page
    assert 'aria-current="page">Contributions from X (2)' in page
    # full-text search over the tweet text, Unicode case-insensitive (ŵ finds Ŵ)
    found = await (await client.get("/contributions?q=%C5%B5yr")).text()
    assert "1 contribution<" in found and "safonau" in found and "standard is open" not in found
    assert "1 contribution<" in await (await client.get("/contributions?q=STANDARD")).text()
    assert "1 contribution<" in await (await client.get("/contributions?q=tweeter1")).text()
    assert "1 contribution<" in await (await client.get("/contributions?language=cy")).text()
    assert "0 contributions" in await (await client.get("/contributions?since=2026-03-04")).text()
    # the search carries over between the tabs
    both = await (await client.get("/interviews?q=safonau")).text()
    assert "Contributions from X (1)" in both and "/contributions?q=safonau" in both
    assert (await client.get("/contributions/9999")).status == 404
    unmarked = await contribution_repo.count(db, ContributionFilters())
    assert unmarked == 2 and first < welsh


async def test_tags_and_quotes_from_the_codebook(client: TestClient, db: Database) -> None:
    lead_id = await add_lead(db, 1, "@cdps_cymru We publish every service standard in Welsh")
    standards = await coding_repo.create_tag(db, "Standards", "Safonau", "")
    welsh = await coding_repo.create_tag(db, "Welsh language", "Y Gymraeg", "")
    csrf = await login(client, "editor")
    page = await (await client.get(f"/contributions/{lead_id}")).text()
    assert 'data-answer-key="tweet"' in page and "Safonau" in page and "/static/quote.js" in page

    saved = await client.post(
        f"/contributions/{lead_id}/tags",
        data={"csrf_token": csrf, "tag": [str(standards)]},
        allow_redirects=False,
    )
    assert saved.status == 303
    tagged = await (await client.get(f"/contributions?tag={standards}")).text()
    assert "1 contribution<" in tagged
    assert "0 contributions" in await (await client.get(f"/contributions?tag={welsh}")).text()

    body = "@cdps_cymru We publish every service standard in Welsh"
    start = body.index("every")
    quoted = await client.post(
        f"/contributions/{lead_id}/quotes",
        data={
            "csrf_token": csrf,
            "start": str(start),
            "end": str(start + len("every service standard")),
            "passage": "every service standard",
            "tag": [str(welsh)],
        },
        allow_redirects=False,
    )
    assert quoted.status == 303
    pasted = await client.post(  # no offsets: found by the server when unique
        f"/contributions/{lead_id}/quotes",
        data={"csrf_token": csrf, "passage": "in Welsh"},
        allow_redirects=False,
    )
    assert pasted.status == 303
    wrong = await client.post(
        f"/contributions/{lead_id}/quotes", data={"csrf_token": csrf, "passage": "not there"}
    )
    assert wrong.status == 400 and "copied exactly" in await wrong.text()
    item = await contribution_repo.get(db, lead_id)
    assert item is not None
    assert [(q.text, [t.label_en for t in tags]) for q, tags in item.quotes] == [
        ("every service standard", ["Welsh language"]),
        ("in Welsh", []),
    ]
    # a tag used only by a contribution's quote also finds it
    assert "1 contribution<" in await (await client.get(f"/contributions?tag={welsh}")).text()
    removed = await client.post(
        f"/contribution-quotes/{item.quotes[1][0].id}/delete",
        data={"csrf_token": csrf},
        allow_redirects=False,
    )
    assert removed.status == 303

    # the codebook counts, merges and deletes contribution tags too
    usage = await coding_repo.tag_usage(db)
    assert usage[standards] == 1 and usage[welsh] == 1
    await coding_repo.merge_tags(db, welsh, standards)
    item = await contribution_repo.get(db, lead_id)
    assert item is not None and [t.label_en for t in item.tags] == ["Standards"]
    assert [t.label_en for t in item.quotes[0][1]] == ["Standards"]
    await coding_repo.delete_tag(db, standards)
    item = await contribution_repo.get(db, lead_id)
    assert item is not None and item.tags == [] and item.quotes[0][1] == []

    client.session.cookie_jar.clear()
    viewer = await login(client, "viewer")
    denied = await client.post(f"/contributions/{lead_id}/tags", data={"csrf_token": viewer})
    assert denied.status == 403


async def test_contribution_exports_are_formula_safe_filtered_and_audited(
    client: TestClient, db: Database
) -> None:
    await add_interview(db, 1, typical(1))
    hostile = await add_lead(db, 1, '=HYPERLINK("http://x") says @cdps_cymru', lang="en")
    await add_lead(db, 2, "@cdps_cymru Gwasanaethau digidol", lang="cy")
    tag = await coding_repo.create_tag(db, "Tax", "Treth", "")
    await contribution_repo.set_tags(db, hostile, [tag], "editor", NOW)
    await contribution_repo.add_quote(db, hostile, 0, 10, "=HYPERLINK", [tag], "editor", NOW)
    await login(client, "viewer")
    body = await (await client.get("/exports/contributions.csv")).text()
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 2 and {r["source"] for r in rows} == {"x"}
    first = next(r for r in rows if r["lead_id"] == str(hostile))
    assert first["text"].startswith("'=") and first["quotes"].startswith("'=")
    assert first["tags_en"] == "Tax" and first["tags_cy"] == "Treth"
    assert first["author_username"] == "tweeter1" and first["link"].startswith("https://x.com/")
    only_cy = await (await client.get("/exports/contributions.csv?language=cy")).text()
    assert len(list(csv.DictReader(io.StringIO(only_cy.lstrip("\ufeff"))))) == 1
    data = json.loads(await (await client.get(f"/exports/contributions.json?tag={tag}")).text())
    assert [d["lead_id"] for d in data] == [hostile]
    assert data[0]["source"] == "x" and data[0]["public"] is True
    assert data[0]["text"].startswith("=HYPERLINK")  # JSON keeps the text exactly
    assert data[0]["quotes"][0]["tags"] == [{"en": "Tax", "cy": "Treth"}]
    # the interview export keeps its own schema: interviews only
    interviews = json.loads(await (await client.get("/exports/interviews.json")).text())
    assert [i["interview_id"] for i in interviews] == ["iv00001"]
    client.session.cookie_jar.clear()
    await login(client, "admin")
    audit = await (await client.get("/audit?q=export")).text()
    assert audit.count("contributions") >= 3


async def test_landscape_shows_the_leads_funnel_and_read_budget(
    client: TestClient, db: Database
) -> None:
    await add_lead(db, 1, "a", contribution=False)
    await add_lead(db, 2, "b", contribution=False, invitation_tweet_id="99")
    await add_lead(db, 3, "c", contribution=False, status="started", interview_id="iv1")
    await add_lead(db, 4, "d", status="completed", invitation_tweet_id="98", interview_id="iv2")
    await add_lead(db, 5, "e", contribution=False, status="dismissed")
    async with db.transaction() as session:
        month = datetime.now(UTC).strftime("%Y-%m")
        session.add(XCursor(handle="cdps_cymru", month_key=month, reads_used=1234))
    await login(client, "viewer")
    page = await (await client.get("/landscape")).text()
    assert 'id="leads"' in page and "Leads to interviews" in page
    table = page[page.index("Leads at each stage") :]
    for label, n in (("Leads found", 5), ("Invited", 3), ("Started", 2), ("Completed", 1)):
        assert f'{label}</th><td class="govuk-table__cell govuk-table__cell--numeric">{n}<' in table
    assert "1 were dismissed" in page and "1 marked as" in page
    assert "1234 of 10000 posts read (12.3%)" in page and 'href="/mentions/usage"' in page


async def test_mention_pages_share_the_staff_layout(client: TestClient, db: Database) -> None:
    lead_id = await add_lead(db, 1, "@cdps_cymru hello", contribution=False)
    csrf = await login(client, "editor")
    leads_page = await (await client.get("/mentions")).text()
    assert "govuk-frontend.min.css" in leads_page and 'aria-label="Main"' in leads_page
    assert 'href="/contributions"' in leads_page and f'value="{csrf}"' in leads_page
    assert 'aria-current="page">Mentions and leads' in leads_page
    marked = await client.post(
        f"/mentions/leads/{lead_id}/contribution",
        data={"csrf_token": csrf, "contribution": "1", "tags_shown": "1", "note": "good"},
        allow_redirects=False,
    )
    assert marked.status == 303
    assert f"/contributions/{lead_id}" in await (await client.get("/contributions")).text()
    page = await (await client.get(f"/contributions/{lead_id}")).text()
    assert "Marked by" in page and "editor" in page and "good" in page
    moved = await client.get("/mentions/contributions", allow_redirects=False)
    assert moved.status == 301 and moved.headers["Location"] == "/contributions"


async def test_migration_moves_free_text_lead_tags_into_the_codebook(database_url: str) -> None:
    url = database_url
    await upgrade_async(url, "0004_mentions")
    await upgrade_async(url, "0003_staff")
    database = Database(url)
    try:
        async with database.transaction() as session:
            await session.execute(
                text(
                    "INSERT INTO tag (label_en, label_cy, description, created_at) "
                    "VALUES ('Open', 'Agored', '', '2026-01-01 00:00:00')"
                )
            )
            await session.execute(
                text(
                    "INSERT INTO lead (tweet_id, author_id, text, link, score, reasons, status, "
                    "contribution, tags, fetched_at, updated_at) VALUES ('1', '2', 't', 'l', 0, "
                    "'[]', 'new', true, '[\"open\", \"standards\"]', '2026-01-01 00:00:00', "
                    "'2026-01-01 00:00:00')"
                )
            )
        await upgrade_async(url)
        item = await contribution_repo.get(database, 1)
        assert item is not None
        assert [t.label_en for t in item.tags] == ["Open", "standards"]  # existing tag reused
        assert item.lead.tags == []
    finally:
        await database.dispose()
