"""Hostile answers (and a hostile name) in the staff app and in every export: pages show them
escaped, never as markup; CSV and XLSX neutralise anything a spreadsheet would run as a
formula; JSON gives them back exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from bot import exports
from bot.interview import load_questionnaire
from bot.web.accounts import add_staff
from handlers.turn import storable
from storage.database import Database
from tests.web.conftest import PASSWORD, build_app, login
from tests.web.seed import add_interview

ROOT = Path(__file__).resolve().parents[2]
CORPUS = json.loads((ROOT / "tests" / "fixtures" / "hostile_inputs.json").read_text())
#: as the bot stores them (no NUL, no surrounding whitespace)
INPUTS: list[str] = [
    storable(t).strip() for t in CORPUS["text"] + CORPUS["long_text"] if storable(t).strip()
]
TEXT_KEYS = ["role", "organisation", "remit", "biggest_success", "biggest_failure", "evidence"]
HOSTILE_NAME = '<script>alert("name")</script> =HYPERLINK("x")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
async def seeded(migrated_url: str):
    db = Database(migrated_url)
    ids = []
    chunks = [INPUTS[i : i + len(TEXT_KEYS)] for i in range(0, len(INPUTS), len(TEXT_KEYS))]
    for n, chunk in enumerate(chunks, start=1):
        answers = dict(zip(TEXT_KEYS, chunk, strict=False))
        ids.append(
            await add_interview(db, n, answers, name=HOSTILE_NAME, quote_consent="attributable")
        )
    await add_staff(db, "admin", PASSWORD, "admin")
    yield db, ids, chunks
    await db.dispose()


async def test_pages_show_hostile_answers_escaped(seeded) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    db, ids, chunks = seeded
    questionnaire = load_questionnaire(ROOT / "prompts" / "dgu_landscape.yaml")
    app = build_app(db, questionnaire)
    async with TestClient(TestServer(app)) as client:
        await login(client, "admin")
        for interview_id, chunk in zip(ids, chunks, strict=True):
            page = await client.get(f"/interviews/{interview_id}")
            assert page.status == 200
            html = await page.text()
            assert "<script>alert" not in html and "onerror=alert" not in html.replace(
                "onerror=alert(1)&gt;", ""
            )
            assert HOSTILE_NAME not in html and str(escape(HOSTILE_NAME)) in html
            for value in chunk:
                if "<" in value and len(value) >= 10:  # long enough not to occur by chance
                    assert value not in html, value[:60]
                if "\n" not in value and "\r" not in value and len(value) < 300:
                    assert str(escape(value)) in html, value[:60]
        listing = await client.get("/interviews", params={"q": "<script>alert(1)</script>"})
        assert listing.status == 200
        assert "<script>alert(1)</script>" not in await listing.text()
        for path in ("/interviews", "/quotes", "/landscape"):
            response = await client.get(path)
            assert response.status == 200, path
            assert "<script>alert" not in await response.text(), path


def _formula(cell: object) -> bool:
    return isinstance(cell, str) and cell.startswith(FORMULA_START)


async def test_exports_neutralise_formulas_and_keep_text_exact(seeded, tmp_path: Path) -> None:
    db, _ids, _chunks = seeded
    # the full export: every value out, so every hostile input is checked for formula safety
    selection = exports.ExportFilter(status="all", personal=frozenset(), full=True)
    body = "".join([c async for c in exports.csv_chunks(db, selection)])
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    dangerous = [cell for row in rows for cell in row if _formula(cell)]
    assert dangerous == [], dangerous[:5]
    assert any(cell == "'=1+1" for row in rows for cell in row)

    target = tmp_path / "export.xlsx"
    await exports.write_xlsx(db, selection, str(target))
    sheet = load_workbook(target, read_only=True).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.value for c in cells if c.data_type == "f"] == []
    assert [c.value for c in cells if _formula(c.value)] == []

    data = json.loads("".join([c async for c in exports.json_chunks(db, selection)]))
    stored = {a["value"] for interview in data for a in interview["answers"]}
    assert set(INPUTS) <= stored, "JSON gives every answer back exactly as stored"


async def test_staff_downloads_are_formula_safe(seeded) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    db, _ids, _chunks = seeded
    questionnaire = load_questionnaire(ROOT / "prompts" / "dgu_landscape.yaml")
    async with TestClient(TestServer(build_app(db, questionnaire))) as client:
        await login(client, "admin")
        for path in ("/exports/interviews.csv", "/exports/quotes.csv"):
            response = await client.get(path, params={"status": "all"})
            assert response.status == 200, path
            text = (await response.text()).lstrip("\ufeff")
            cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
            assert [c for c in cells if _formula(c)] == [], path
        response = await client.get("/exports/interviews.xlsx", params={"status": "all"})
        assert response.status == 200
        sheet = load_workbook(io.BytesIO(await response.read()), read_only=True).active
        values = [cell.value for row in sheet.iter_rows() for cell in row]
        assert [v for v in values if _formula(v)] == []
