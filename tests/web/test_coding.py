"""Reviewing and coding: list filters and search, quotes, the codebook, landscape, exports."""

from __future__ import annotations

import csv
import io
import json

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook
from sqlalchemy import update

from storage import coding_repo
from storage.models import Interview
from tests.web.conftest import login
from tests.web.seed import add_interview, typical


async def test_list_filters_and_search(client: TestClient, db) -> None:
    for n in range(1, 7):
        await add_interview(db, n, typical(n), language="cy" if n == 6 else "en", source="lead-1")
    await add_interview(
        db, 7, {"biggest_success": "Gwasanaeth digidol ŵ newydd"}, status="in_progress"
    )
    await login(client, "viewer")
    page = await (await client.get("/interviews")).text()
    assert "7 interviews" in page
    assert "3 interviews" in await (await client.get("/interviews?country=GB")).text()
    assert "1 interview" in await (await client.get("/interviews?language=cy")).text()
    assert "1 interview" in await (await client.get("/interviews?status=in_progress")).text()
    assert "1 interview<" in await (await client.get("/interviews?q=3+sprints")).text()
    welsh = await (await client.get("/interviews?q=digidol+%C5%B5")).text()
    assert "iv00007" in welsh and "iv00001" not in welsh
    assert "1 interview" in await (await client.get("/interviews?q=%C5%B5")).text()  # short: LIKE
    matrix = await (await client.get("/interviews?area=platforms&outcome=success")).text()
    assert "6 interviews" in matrix
    dates = await (await client.get("/interviews?since=2026-03-01&until=2026-03-01")).text()
    assert "7 interviews" in dates
    assert "0 interviews" in await (await client.get("/interviews?since=2026-04-01")).text()


async def test_quote_offsets_are_checked(client: TestClient, db) -> None:
    await add_interview(db, 1, typical(1))
    tag = await coding_repo.create_tag(db, "Platforms", "Platfformau", "")
    csrf = await login(client, "editor")
    text = "We rebuilt the tax service in 1 sprints. Then we moved on."
    start = text.index("tax")
    ok = await client.post(
        "/interviews/iv00001/quotes",
        data={
            "csrf_token": csrf,
            "answer_key": "biggest_success",
            "start": str(start),
            "end": str(start + 11),
            "passage": "tax service",
            "tag": str(tag),
        },
        allow_redirects=False,
    )
    assert ok.status == 303
    wrong = await client.post(
        "/interviews/iv00001/quotes",
        data={
            "csrf_token": csrf,
            "answer_key": "biggest_success",
            "start": "0",
            "end": "5",
            "passage": "not in the answer",
        },
    )
    assert wrong.status == 400
    assert "copied exactly" in await wrong.text()
    pasted = await client.post(  # no offsets (no JavaScript): found by the server
        "/interviews/iv00001/quotes",
        data={"csrf_token": csrf, "answer_key": "biggest_success", "passage": "Then we moved on."},
        allow_redirects=False,
    )
    assert pasted.status == 303
    not_text = await client.post(
        "/interviews/iv00001/quotes",
        data={"csrf_token": csrf, "answer_key": "country", "passage": "GB"},
    )
    assert not_text.status == 400
    quotes = await coding_repo.quotes_of(db, "iv00001")
    assert [(q.text, q.start, q.end) for q, _ in quotes] == [
        ("tax service", start, start + 11),
        ("Then we moved on.", text.index("Then"), len(text)),
    ]
    assert [t.label_en for t in quotes[0][1]] == ["Platforms"]
    listed = await (await client.get(f"/quotes?tag={tag}")).text()
    assert "tax service" in listed and "moved on" not in listed


async def test_codebook_create_merge_import_export(client: TestClient, db) -> None:
    await add_interview(db, 1, typical(1))
    csrf = await login(client, "editor")
    for label in ("Funding", "Money", "=cmd"):
        response = await client.post(
            "/codebook",
            data={"csrf_token": csrf, "label_en": label, "label_cy": label + " cy"},
            allow_redirects=False,
        )
        assert response.status == 303
    dup = await client.post("/codebook", data={"csrf_token": csrf, "label_en": "funding"})
    assert dup.status == 400
    tags = {t.label_en: t.id for t in await coding_repo.list_tags(db)}
    await client.post(
        "/interviews/iv00001/tags", data={"csrf_token": csrf, "tag": [str(tags["Money"])]}
    )
    merged = await client.post(
        "/codebook/merge",
        data={"csrf_token": csrf, "source": str(tags["Money"]), "target": str(tags["Funding"])},
        allow_redirects=False,
    )
    assert merged.status == 303
    assert [t.label_en for t in await coding_repo.interview_tags(db, "iv00001")] == ["Funding"]
    form = FormData()
    form.add_field("csrf_token", csrf)
    form.add_field(
        "file",
        b"name,description\nSkills,People and hiring\nFunding,Money matters\n",
        filename="codebook.csv",
        content_type="text/csv",
    )
    imported = await client.post("/codebook/import", data=form, allow_redirects=False)
    assert imported.status == 303
    assert imported.headers["Location"] == "/codebook?notice=imported&new=1&updated=1"
    shown = await (await client.get(imported.headers["Location"])).text()
    assert "Imported: 1 new, 1 updated" in shown
    exported = await (await client.get("/exports/codebook.csv")).text()
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    by_label = {r["label_en"]: r for r in rows}
    assert by_label["Funding"]["description"] == "Money matters"
    assert by_label["Funding"]["uses"] == "1"
    assert "'=cmd" in by_label  # neutralised in the file ...
    form = FormData()
    form.add_field("csrf_token", csrf)
    form.add_field("file", exported.encode(), filename="again.csv", content_type="text/csv")
    await client.post("/codebook/import", data=form)
    labels = {t.label_en for t in await coding_repo.list_tags(db)}
    assert labels == {"Funding", "Skills", "=cmd"}  # ... and round-trips unchanged
    denied = await client.post(f"/codebook/{tags['Funding']}/delete", data={"csrf_token": csrf})
    assert denied.status == 403  # deleting is for admins


async def test_exports_are_formula_safe_filtered_and_audited(client: TestClient, db) -> None:
    hostile = typical(1) | {"biggest_success": '=HYPERLINK("http://x")', "organisation": "+44"}
    await add_interview(db, 1, hostile, name="Ada Lovelace", quote_consent="attributable")
    async with db.transaction() as session:  # the name and title she typed to be credited
        await session.execute(
            update(Interview).where(Interview.id == "iv00001").values(credit="+Ada L., Analyst")
        )
    await add_interview(db, 2, typical(2), name="Secret Person", quote_consent="background")
    await add_interview(db, 3, typical(3), name="Hidden Name", quote_consent="anonymised")
    tag = await coding_repo.create_tag(db, "Tax", "Treth", "")
    for n in (2, 3):
        await coding_repo.add_quote(
            db,
            f"iv0000{n}",
            "biggest_success",
            0,
            10,
            "We rebuilt",
            [tag],
            "editor",
            __import__("datetime").datetime.now(__import__("datetime").UTC),
        )
    await coding_repo.add_quote(
        db,
        "iv00001",
        "biggest_success",
        0,
        10,
        "=HYPERLINK",
        [tag],
        "editor",
        __import__("datetime").datetime.now(__import__("datetime").UTC),
    )
    await login(client, "viewer")
    body = await (await client.get("/exports/interviews.csv")).text()
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 3
    first = next(r for r in rows if r["interview_id"] == "iv00001")
    assert first["biggest_success"].startswith("'=")
    assert first["organisation"] == "'+44"
    only_gb = await (await client.get("/exports/interviews.csv?country=GB")).text()
    assert len(list(csv.DictReader(io.StringIO(only_gb.lstrip("\ufeff"))))) == 2
    data = json.loads(await (await client.get("/exports/interviews.json")).text())
    assert {d["interview_id"] for d in data} == {"iv00001", "iv00002", "iv00003"}
    xlsx = await (await client.get("/exports/interviews.xlsx")).read()
    sheet = load_workbook(io.BytesIO(xlsx), read_only=True)["interviews"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert '\'=HYPERLINK("http://x")' in cells
    quotes = await (await client.get("/exports/quotes.csv")).text()
    quote_rows = list(csv.DictReader(io.StringIO(quotes.lstrip("\ufeff"))))
    assert {r["interview_id"] for r in quote_rows} == {"iv00001", "iv00003"}  # no background
    credits = {r["interview_id"]: r["attribution"] for r in quote_rows}
    assert credits["iv00001"] == "'+Ada L., Analyst"  # as typed, formula-safe
    assert "Hidden" not in credits["iv00003"] and "United Kingdom" in credits["iv00003"]
    assert next(r for r in quote_rows if r["interview_id"] == "iv00001")["passage"] == "'=HYPERLINK"
    client.session.cookie_jar.clear()
    await login(client, "admin")
    audit = await (await client.get("/audit?q=export")).text()
    assert audit.count("export") >= 5


async def test_interview_page_and_landscape(client: TestClient, db) -> None:
    for n in range(1, 5):
        await add_interview(db, n, typical(n), name=f"Person {n}")
    csrf = await login(client, "editor")
    page = await (await client.get("/interviews/iv00001")).text()
    assert "We rebuilt the tax service" in page and 'data-answer-key="biggest_success"' in page
    assert "Person 1" in page
    saved = await client.post(
        "/interviews/iv00001/review",
        data={"csrf_token": csrf, "status": "follow_up", "notes": "ask about <b>data</b>"},
        allow_redirects=False,
    )
    assert saved.status == 303
    page = await (await client.get("/interviews/iv00001")).text()
    assert "ask about &lt;b&gt;data&lt;/b&gt;" in page
    assert "1 interview" in await (await client.get("/interviews?review=follow_up")).text()
    assert "3 interviews" in await (await client.get("/interviews?review=new")).text()
    landscape = await (await client.get("/landscape")).text()
    assert 'role="img"' in landscape and "<title" in landscape and "<desc" in landscape
    assert "/quotes?area=platforms&amp;outcome=success" in landscape
    assert "Consented" in landscape and "Completed" in landscape
    assert ">4<" in landscape  # four interviews in the platforms/success cell and funnel
