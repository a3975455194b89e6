"""The framework matrix: chosen questions and tags as columns, staff cell summaries (kept apart
from the answers, audited), exports as CSV and XLSX (one sheet per theme), consent honoured;
built from seeded data on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html import unescape

import openpyxl
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web.accounts import add_staff
from storage import coding_repo, staff_repo
from storage.database import Database
from tests.web.conftest import PASSWORD, build_app, csrf_of, login
from tests.web.seed import add_interview, typical

WHEN = datetime(2026, 3, 2, tzinfo=UTC)
COLUMNS = [
    ("col", "q:biggest_success"),
    ("col", "q:organisation"),
    ("col", "q:difference@platforms"),
]


@pytest.fixture
async def any_db(migrated_url: str) -> AsyncIterator[Database]:
    """A migrated database on each backend (SQLite, and PostgreSQL when given)."""
    database = Database(migrated_url)
    for role in ("viewer", "editor"):
        await add_staff(database, role, PASSWORD, role)
    yield database
    await database.dispose()


@pytest.fixture
async def any_client(any_db: Database, questionnaire) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(build_app(any_db, questionnaire))) as test_client:
        yield test_client


async def _seed(db: Database) -> int:
    await add_interview(
        db,
        1,
        {**typical(1), "difference@platforms": "Funding stopped after a year."},
        quote_consent="anonymised",
    )
    await add_interview(db, 2, typical(2), quote_consent="attributable")
    await add_interview(db, 3, typical(3), quote_consent="background")
    await add_interview(db, 4, typical(4), status="withdrawn")
    tag = await coding_repo.create_tag(db, "Delivery", "Cyflawni", "")
    for n in (1, 3):
        await coding_repo.add_quote(
            db, f"iv{n:05d}", "biggest_success", -1, -1, "tax service", [tag], "editor", WHEN
        )
    return tag


async def _summary(client: TestClient, csrf: str, interview: str, column: str, text: str):
    return await client.post(
        "/matrix/cell",
        data={
            "csrf_token": csrf,
            "interview": interview,
            "column": column,
            "summary": text,
            "next": "/matrix?col=q:biggest_success",
        },
        allow_redirects=False,
    )


async def test_matrix_cells_summaries_and_consent(any_client: TestClient, any_db) -> None:
    tag = await _seed(any_db)
    csrf = await login(any_client, "editor")
    page = await any_client.get("/matrix", params=[*COLUMNS, ("col", f"tag:{tag}")])
    html = unescape(await page.text())
    assert page.status == 200
    assert "3 interviews" in html  # the withdrawn one is left out
    assert "Funding stopped after a year." in html
    assert "Digital Unit 2" in html  # attributable: the organisation is shown
    assert "Digital Unit 1" not in html and "Digital Unit 3" not in html
    assert "1 tagged passages, background only" in html  # interview 3's quote is not shown
    assert html.count("“tax service”") == 1  # interview 1's quote is

    saved = await _summary(any_client, csrf, "iv00001", "q:biggest_success", "Rebuilt tax, fast")
    assert saved.status == 303
    assert saved.headers["Location"] == "/matrix?col=q:biggest_success#row-iv00001"
    html = unescape(await (await any_client.get("/matrix?col=q:biggest_success")).text())
    assert "Rebuilt tax, fast" in html
    assert "We rebuilt the tax service in 1 sprints" in html  # the answer is kept apart
    await _summary(any_client, csrf, "iv00001", "q:biggest_success", "")  # removed
    html = unescape(await (await any_client.get("/matrix?col=q:biggest_success")).text())
    assert "Rebuilt tax, fast" not in html
    audit = await staff_repo.audit_page(any_db, before_id=None, limit=50)
    actions = [(a.action, a.target, (a.detail or {}).get("column")) for a in audit]
    assert ("save_cell_summary", "iv00001", "q:biggest_success") in actions
    assert ("remove_cell_summary", "iv00001", "q:biggest_success") in actions


async def test_exports_csv_and_xlsx_one_sheet_per_theme(any_client: TestClient, any_db) -> None:
    tag = await _seed(any_db)
    csrf = await login(any_client, "editor")
    await _summary(any_client, csrf, "iv00002", "q:biggest_success", "=cmd|' /C calc'!A0")
    params = [*COLUMNS, ("col", f"tag:{tag}")]
    response = await any_client.get("/exports/matrix.csv", params=params)
    assert response.status == 200
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Interview", "Country", "Level", "Relationship to the unit"]
    assert len(header) == 4 + 2 * 4
    assert [r[0] for r in body] == ["iv00001", "iv00002", "iv00003"]
    flat = "\n".join(",".join(r) for r in body)
    assert (
        "Digital Unit 2" in flat and "Digital Unit 1" not in flat and "Digital Unit 3" not in flat
    )
    assert "'=cmd" in flat  # a summary is never run as a formula
    assert "Person" not in flat and "user1" not in flat

    response = await any_client.get("/exports/matrix.xlsx", params=params)
    book = openpyxl.load_workbook(io.BytesIO(await response.read()), read_only=True)
    # biggest_success is version 1's (its section), organisation and difference version 2's
    assert book.sheetnames == ["Lessons", "You and the unit", "Areas of work", "Delivery"]
    delivery = [list(r) for r in book["Delivery"].iter_rows(values_only=True)]
    assert delivery[0][4:] == ["Delivery – Summary", "Delivery"]
    assert delivery[1][5] == "“tax service”" and "background only" in delivery[3][5]
    audit = await staff_repo.audit_page(any_db, before_id=None, limit=50)
    assert [a.target for a in audit if a.action == "export"] == ["matrix", "matrix"]


async def test_headers_in_welsh(client: TestClient, db) -> None:
    await _seed(db)
    csrf = await login(client, "viewer")
    await client.post("/account/language", data={"csrf_token": csrf, "language": "cy"})
    html = unescape(await (await client.get("/matrix")).text())
    assert "Matrics fframwaith" in html and "Framework matrix" not in html
    body = (await (await client.get("/exports/matrix.csv")).read()).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Cyfweliad,Gwlad,Lefel,Perthynas â'r uned")


async def test_summaries_need_the_editor_role_and_csrf(client: TestClient, db) -> None:
    await _seed(db)
    csrf = await login(client, "viewer")
    assert (await _summary(client, csrf, "iv00001", "q:biggest_success", "x")).status == 403
    html = await (await client.get("/matrix")).text()
    assert "/matrix/cell?" not in html
    await client.post("/logout", data={"csrf_token": csrf})
    csrf = await login(client, "editor")
    assert (await _summary(client, "forged", "iv00001", "q:biggest_success", "x")).status == 403
    assert (await _summary(client, csrf, "iv00001", "q:nonsense", "x")).status == 404
    form = await client.get(
        "/matrix/cell", params={"interview": "iv00001", "column": "q:biggest_success"}
    )
    assert form.status == 200 and csrf_of(await form.text()) == csrf
    away = await _summary(client, csrf, "iv00001", "q:biggest_success", "y")
    assert away.status == 303


async def test_summaries_are_in_a_persons_data_and_erased_with_it(client: TestClient, db) -> None:
    from storage import matrix_query, privacy

    await _seed(db)
    await matrix_query.save_cell(db, "iv00001", "q:biggest_success", "Fast tax rebuild", "e", WHEN)
    data = await privacy.personal_data(db, 1001)  # the seed's Telegram id for interview 1
    assert data is not None
    notes = data["interviews"][0]["staff_notes"]
    assert notes["summaries"][0]["summary"] == "Fast tax rebuild"
    await privacy.erase_person(db, 1001, counter="erased", now=WHEN)
    assert await matrix_query.cell(db, "iv00001", "q:biggest_success") is None
