"""Query values the staff app corrects or refuses, page by page (the fuzz test in
tests/security/test_query_fuzz.py throws many more; these pin down what each one gives)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from storage import staff_repo
from storage.database import Database
from tests.web.conftest import login
from tests.web.seed import add_interview, add_lead, typical


async def _exports_audited(db: Database) -> int:
    entries = await staff_repo.audit_page(db, before_id=None, limit=100)
    return sum(1 for e in entries if e.action == "export")


async def test_out_of_range_values_are_corrected(client: TestClient, db: Database) -> None:
    for n in (1, 2, 3):
        await add_interview(db, n, typical(n))
    await add_lead(db, 1, "A contribution #govtech")
    await login(client, "admin")
    for path in (
        "/interviews?page=99999999999999999999",
        "/contributions?page=99999999999999999999",
        "/audit?before=99999999999999999999",
        "/mentions?min_score=99999999999999999999",
        "/mentions?min_score=",
        "/interviews?tag=",
        "/audit?before=",
        "/landscape?until=9999-12-31",
        "/quotes?until=9999-12-31",
    ):
        response = await client.get(path)
        assert response.status == 200, path
    wide = await client.get("/interviews?until=9999-12-31")
    assert "iv00003" in await wide.text()  # "until the end of time" keeps everything


async def test_an_export_to_the_end_of_time_is_the_whole_export(
    client: TestClient, db: Database
) -> None:
    for n in (1, 2):
        await add_interview(db, n, typical(n))
    await login(client, "viewer")
    response = await client.get("/exports/interviews.csv?until=9999-12-31")
    body = (await response.read()).decode("utf-8-sig")
    assert response.status == 200
    assert "iv00001" in body and "iv00002" in body
    assert await _exports_audited(db) == 1


async def test_values_that_mean_nothing_are_a_clear_400_and_export_nothing(
    client: TestClient, db: Database
) -> None:
    await add_interview(db, 1, typical(1))
    await add_lead(db, 1, "A contribution #govtech")
    await login(client, "admin")
    cases = {
        "/exports/interviews.csv?until=2026-02-30": "until must be a date",
        "/exports/interviews.json?since=yesterday": "since must be a date",
        "/exports/interviews.xlsx?since=2026-03-02&until=2026-03-01": "since must not be after",
        "/exports/contributions.csv?tag=abc": "tag must be a whole number",
        "/exports/quotes.csv?tag=0": "tag must be the number of an existing record",
        "/interviews?page=²": "page must be a whole number",
        "/interviews?tag=99999999999999999999": "tag must be the number",
        "/landscape?until=9999-99-99": "until must be a date",
        "/contributions?since=1e9": "since must be a date",
        "/audit?before=abc": "before must be a whole number",
        "/mentions?min_score=high": "min_score must be a whole number",
        "/interviews?q=%00": "not allowed",
    }
    for path, message in cases.items():
        response = await client.get(path, allow_redirects=False)
        assert response.status == 400, path
        assert message in await response.text(), path
    assert await _exports_audited(db) == 0


async def test_ids_past_any_column_are_not_found(client: TestClient) -> None:
    await login(client, "viewer")
    for path in (
        "/interviews/99999999999999999999",
        "/contributions/99999999999999999999",
        "/mentions/leads/99999999999999999999",
    ):
        response = await client.get(path)
        assert response.status == 404, path


async def test_landscape_filtered_by_country_and_level(client: TestClient, db: Database) -> None:
    """The value counts once failed with "no FROM clauses" whenever country, level or a
    search was chosen (the filter's subquery correlated with the outer query on answers)."""
    for n in (1, 2, 3):
        await add_interview(db, n, typical(n))
    await login(client, "viewer")
    for query in ("country=GB", "level=national", "q=tax+service", "country=EE&q=sprints"):
        response = await client.get(f"/landscape?{query}")
        assert response.status == 200, query
    one = await client.get("/landscape?country=EE")
    assert "Estonia" in await one.text()
