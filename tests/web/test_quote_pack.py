"""Staff choose which tagged quotes go into the report pack: a choice per quote on the theme
board (editors; stored; audited), every quote in until left out; consent is still checked
when the pack is built (a background-only quote never goes in, whatever the choice)."""

from __future__ import annotations

import io
import zipfile
from html import unescape

from aiohttp.test_utils import TestClient
from docx import Document
from sqlmodel import select

from storage import staff_repo
from storage.staff import Quote
from tests.web.conftest import csrf_of, login
from tests.web.test_themes import _seed


async def _pack_text(client: TestClient) -> str:
    response = await client.get("/exports/report-pack.zip")
    assert response.status == 200
    pack = zipfile.ZipFile(io.BytesIO(await response.read()))
    return "\n".join(p.text for p in Document(io.BytesIO(pack.read("report.docx"))).paragraphs)


async def _quote_ids(db) -> dict[str, int]:
    async with db.reading() as session:
        rows = (await session.execute(select(Quote))).scalars().all()
        return {q.interview_id: q.id for q in rows if q.answer_key == "difference@platforms"}


async def test_leave_a_quote_out_of_the_pack_and_put_it_back(client: TestClient, db) -> None:
    await _seed(db)
    ids = await _quote_ids(db)
    await login(client, "editor")
    board = unescape(await (await client.get("/themes")).text())
    assert board.count("In the report pack") == 2 and "Left out of the report pack" not in board
    assert f'action="/quotes/{ids["iv00001"]}/pack"' in board
    assert "“Nobody funded the pl”" in await _pack_text(client)

    csrf = csrf_of(board)
    left = await client.post(
        f"/quotes/{ids['iv00001']}/pack",
        data={"csrf_token": csrf, "in_pack": "0", "next": "/themes?country=GB#q-1-1"},
        allow_redirects=False,
    )
    assert left.status == 303 and left.headers["Location"] == "/themes?country=GB#q-1-1"
    async with db.reading() as session:
        stored = await session.get(Quote, ids["iv00001"])
        assert stored is not None and stored.in_pack is False
    board = unescape(await (await client.get("/themes")).text())
    assert "“Nobody funded the pl”" in board  # still on the board, marked
    assert board.count("Left out of the report pack") == 1
    assert "Put in the report pack" in board
    text = await _pack_text(client)
    assert "Nobody funded" not in text and "“The platform team ha”" in text
    assert "Secret" not in text  # background only: never, whatever the choice

    await client.post(f"/quotes/{ids['iv00001']}/pack", data={"csrf_token": csrf, "in_pack": "1"})
    assert "“Nobody funded the pl”" in await _pack_text(client)
    audit = await staff_repo.audit_page(db, before_id=None, limit=20)
    choices = [(a.username, a.target, a.detail) for a in audit if a.action == "quote_pack"]
    assert choices == [
        ("editor", "iv00001", {"quote": ids["iv00001"], "in_pack": True}),
        ("editor", "iv00001", {"quote": ids["iv00001"], "in_pack": False}),
    ]


async def test_a_background_quote_chosen_in_stays_out(client: TestClient, db) -> None:
    await _seed(db)
    ids = await _quote_ids(db)
    csrf = await login(client, "editor")
    chosen = await client.post(
        f"/quotes/{ids['iv00003']}/pack", data={"csrf_token": csrf, "in_pack": "1"}
    )
    assert chosen.status == 200  # followed back to the board
    assert "Secret" not in await _pack_text(client)


async def test_only_editors_choose_and_viewers_see_the_choice(client: TestClient, db) -> None:
    await _seed(db)
    ids = await _quote_ids(db)
    csrf = await login(client, "viewer")
    board = await (await client.get("/themes")).text()
    assert "/pack" not in board and "In the report pack" in board
    refused = await client.post(
        f"/quotes/{ids['iv00001']}/pack", data={"csrf_token": csrf, "in_pack": "0"}
    )
    assert refused.status == 403
    async with db.reading() as session:
        stored = await session.get(Quote, ids["iv00001"])
        assert stored is not None and stored.in_pack is True


async def test_the_choice_in_welsh_and_an_unknown_quote(client: TestClient, db) -> None:
    await _seed(db)
    csrf = await login(client, "editor")
    await client.post("/account/language", data={"csrf_token": csrf, "language": "cy"})
    board = unescape(await (await client.get("/themes")).text())
    assert "Gadael allan o'r pecyn adroddiad" in board and "Yn y pecyn adroddiad" in board
    missing = await client.post("/quotes/999999/pack", data={"csrf_token": csrf, "in_pack": "0"})
    assert missing.status == 404
    assert "Nid oes dyfyniad o'r fath" in unescape(await missing.text())
