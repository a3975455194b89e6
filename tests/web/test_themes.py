"""The theme board: quotes grouped by tag with counts by country, level and outcome; consent
honoured (background never quoted, anonymised carry no name, attributable carry their credit)."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

from aiohttp.test_utils import TestClient

from storage import coding_repo
from storage.models import Interview
from tests.web.conftest import login
from tests.web.seed import add_interview, typical

WHEN = datetime(2026, 3, 2, tzinfo=UTC)


async def _seed(db) -> tuple[int, int]:
    platforms = await coding_repo.create_tag(db, "Shared platforms", "Platfformau a rennir", "")
    other = await coding_repo.create_tag(db, "Unused", "", "")
    answers = {
        1: "Nobody funded the platform after launch.",
        2: "The platform team had a minister behind it.",
        3: "Secret: the platform was cancelled in cabinet.",
    }
    consents = {1: "anonymised", 2: "attributable", 3: "background"}
    for n, text in answers.items():
        await add_interview(
            db,
            n,
            {**typical(n), "difference@platforms": text, "organisation": f"Org {n}"},
            quote_consent=consents[n],
            name=f"Person {n}",
        )
        await coding_repo.add_quote(
            db, f"iv{n:05d}", "difference@platforms", -1, -1, text[:20], [platforms], "e", WHEN
        )
    # a passage of a personal answer, from an anonymised interview: never on the board
    await coding_repo.add_quote(
        db, "iv00001", "organisation", -1, -1, "Org 1", [platforms], "e", WHEN
    )
    async with db.transaction() as session:
        interview = await session.get(Interview, "iv00002")
        interview.credit = "Siân Jones, Head of Platforms"
    return platforms, other


async def test_quotes_grouped_by_tag_with_counts_and_consent(client: TestClient, db) -> None:
    await _seed(db)
    await login(client, "viewer")
    html = unescape(await (await client.get("/themes")).text())
    assert "Shared platforms" in html and "2 quotes" in html
    assert "“Nobody funded the pl”" in html and "“The platform team ha”" in html
    assert "Secret" not in html  # background only: never a quote
    assert "“Org 1”" not in html  # a personal answer without attributable consent
    assert "2 tagged passages are left out" in html
    assert "Siân Jones, Head of Platforms" in html  # attributable: their typed credit
    assert "Person 1" not in html and "Person 2" not in html and "user1" not in html
    assert "A digital government unit (" in html  # anonymised: unit and country only
    assert 'href="/interviews/iv00001#answer-difference@platforms"' in html
    assert "Unused" not in html.split("<main", 1)[1].split("Filter", 1)[1].split("</form>", 1)[1]


async def test_filters_and_welsh(client: TestClient, db) -> None:
    await _seed(db)
    csrf = await login(client, "viewer")
    html = unescape(await (await client.get("/themes", params={"country": "EE"})).text())
    assert "The platform team h" in html and "Nobody funded" not in html
    await client.post("/account/language", data={"csrf_token": csrf, "language": "cy"})
    html = unescape(await (await client.get("/themes")).text())
    assert "Bwrdd themâu" in html and "Platfformau a rennir" in html
    assert "Uned llywodraeth ddigidol (" in html and "2 dyfyniad" in html
    assert "Llwyddiant" in html  # outcome counts in Welsh (typical: platforms succeeded)
