"""Version 2 of the questionnaire does not ask the level of government (version 1 did; v2
asks the respondent's relationship to the unit, which says nothing about the level). Reading
by question, the matrix (page and exports) and the theme board show a v2 interview's level as
"Not asked in version 2026.2", never as "Not answered", which stays for a v1 interview that
skipped it; the level filter's help text says so, in both languages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from html import unescape

from aiohttp.test_utils import TestClient

from storage import coding_repo
from tests.web.conftest import login
from tests.web.seed import add_interview, typical
from tests.web.test_versions import V2

WHEN = datetime(2026, 3, 2, tzinfo=UTC)
NOT_ASKED = "Not asked in version 2026.2"


async def _seed(db) -> int:
    v1 = {**typical(1), "difference@platforms": "Version one, national."}
    skipped = {k: v for k, v in typical(3).items() if k != "level"}
    await add_interview(db, 1, v1, version="2026.1")
    await add_interview(db, 2, {**V2, "difference@platforms": "Version two."}, version="2026.2")
    await add_interview(
        db, 3, {**skipped, "difference@platforms": "Version one, no level."}, version="2026.1"
    )
    tag = await coding_repo.create_tag(db, "Platforms", "Platfformau", "")
    for n in (1, 2, 3):
        await coding_repo.add_quote(
            db, f"iv0000{n}", "difference@platforms", -1, -1, "Version", [tag], "e", WHEN
        )
    return tag


def _level_cells(html: str) -> dict[str, str]:
    """Reading page: each row's interview id and its level cell (the 4th column)."""
    found: dict[str, str] = {}
    for row in html.split('<tr class="govuk-table__row"')[2:]:
        cells = [c.split("</td>")[0].strip() for c in row.split('<td class="govuk-table__cell">')]
        ids = [i for i in ("iv00001", "iv00002", "iv00003") if i in row]
        if ids and len(cells) > 2:
            found[ids[0]] = cells
    return found  # type: ignore[return-value]


async def test_reading_shows_not_asked_for_version_two(client: TestClient, db) -> None:
    await _seed(db)
    await login(client, "viewer")
    html = unescape(await (await client.get("/reading?question=difference&area=platforms")).text())
    rows = _level_cells(html)
    assert set(rows) == {"iv00001", "iv00002", "iv00003"}
    assert "National" in rows["iv00001"]
    assert NOT_ASKED in rows["iv00002"] and "Not answered" not in " ".join(rows["iv00002"])
    assert NOT_ASKED not in " ".join(rows["iv00003"]) and "—" in rows["iv00003"]
    assert "Only questionnaire version 2026.1 asks the level of government" in html
    assert 'aria-describedby="f-level-hint"' in html


async def test_matrix_export_and_theme_counts(client: TestClient, db) -> None:
    await _seed(db)
    await login(client, "viewer")
    body = await (await client.get("/exports/matrix.csv?col=q:attempted")).text()
    table = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert table[0][2] == "Level"
    levels = {line[0]: line[2] for line in table[1:]}
    assert levels == {"iv00001": "National", "iv00002": NOT_ASKED, "iv00003": ""}
    themes = unescape(await (await client.get("/themes")).text())
    by_level = themes.split("Quotes by Level", 1)[1].split("</table>", 1)[0]
    assert f">{NOT_ASKED}</th>" in by_level and ">Not answered</th>" in by_level
    assert ">National</th>" in by_level
    matrix = unescape(await (await client.get("/matrix")).text())
    assert "Only questionnaire version 2026.1 asks the level of government" in matrix


async def test_in_welsh(client: TestClient, db) -> None:
    await _seed(db)
    csrf = await login(client, "viewer")
    await client.post("/account/language", data={"csrf_token": csrf, "language": "cy"})
    html = unescape(await (await client.get("/reading?question=difference&area=platforms")).text())
    assert "Heb ei ofyn yn fersiwn 2026.2" in _level_cells(html)["iv00002"]
    assert NOT_ASKED not in html
    assert "Dim ond fersiwn 2026.1 o'r holiadur sy'n gofyn am lefel llywodraeth" in html
    themes = unescape(await (await client.get("/themes")).text())
    by_level = themes.split("Dyfyniadau fesul Lefel", 1)[1].split("</table>", 1)[0]
    assert ">Heb ei ofyn yn fersiwn 2026.2</th>" in by_level


async def test_landscape_and_report_pack_count_not_asked_apart(client: TestClient, db) -> None:
    import zipfile

    from docx import Document

    await _seed(db)
    await login(client, "viewer")
    page = unescape(await (await client.get("/landscape")).text())
    table = page.split("Interviews by level of government</caption>")[1]
    table = table.split("</table>", 1)[0]
    assert f">{NOT_ASKED}</a></th>" in table and ">Not answered</th>" in table
    assert f'href="/interviews?level=not_asked">{NOT_ASKED}</a>' in table  # the filter's option
    assert "Only questionnaire version 2026.1 asks the level of government" in page
    body = await (await client.get("/exports/report-pack.zip")).read()
    docx = zipfile.ZipFile(io.BytesIO(body)).read("report.docx")
    cells = [
        [c.text for c in row.cells] for t in Document(io.BytesIO(docx)).tables for row in t.rows
    ]
    assert [NOT_ASKED, "1"] in cells and ["Not answered", "1"] in cells


def _ids(html: str) -> set[str]:
    return {i for i in ("iv00001", "iv00002", "iv00003") if f"/interviews/{i}" in html}


def _level_options(html: str) -> list[str]:
    select = html.split('id="f-level"', 1)[1].split("</select>", 1)[0]
    return [o.split(">", 1)[1].split("<", 1)[0] for o in select.split("<option")[1:]]


async def test_filter_for_not_asked_finds_version_two_only(client: TestClient, db) -> None:
    """A level filter option for "Not asked in version 2026.2": on the list, reading by
    question, the matrix and the exports, never the v1 interview that skipped the level."""
    await _seed(db)
    await login(client, "viewer")
    listing = unescape(await (await client.get("/interviews?level=not_asked")).text())
    assert _ids(listing) == {"iv00002"}
    assert _level_options(listing)[-1] == NOT_ASKED
    assert f'<option value="not_asked" selected>{NOT_ASKED}</option>' in listing
    assert "choose “Not asked in version 2026.2” to see only them" in listing
    national = unescape(await (await client.get("/interviews?level=national")).text())
    assert _ids(national) == {"iv00001"}
    everyone = unescape(await (await client.get("/interviews")).text())
    assert _ids(everyone) == {"iv00001", "iv00002", "iv00003"}
    assert f'<option value="not_asked">{NOT_ASKED}</option>' in everyone

    reading = unescape(
        await (
            await client.get("/reading?question=difference&area=platforms&level=not_asked")
        ).text()
    )
    assert set(_level_cells(reading)) == {"iv00002"}
    matrix = unescape(await (await client.get("/matrix?col=q:attempted&level=not_asked")).text())
    assert _ids(matrix) == {"iv00002"}
    body = await (await client.get("/exports/interviews.csv?level=not_asked")).text()
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [r["interview_id"] for r in rows] == ["iv00002"]
    body = await (await client.get("/exports/matrix.csv?col=q:attempted&level=not_asked")).text()
    assert [line[0] for line in csv.reader(io.StringIO(body.lstrip("\ufeff")))][1:] == ["iv00002"]


async def test_not_asked_filter_in_welsh(client: TestClient, db) -> None:
    await _seed(db)
    csrf = await login(client, "viewer")
    await client.post("/account/language", data={"csrf_token": csrf, "language": "cy"})
    listing = unescape(await (await client.get("/interviews?level=not_asked")).text())
    assert _ids(listing) == {"iv00002"}
    assert _level_options(listing)[-1] == "Heb ei ofyn yn fersiwn 2026.2"
    assert "dewiswch “Heb ei ofyn yn fersiwn 2026.2” i weld y rheini yn unig" in listing
    assert NOT_ASKED not in listing
