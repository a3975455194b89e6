"""In real Chromium, in English and Welsh, axe-core on each page: the error pages (404, 400,
403; signed out they follow the browser's language) and the theme board's choice of which
quotes go into the report pack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage import coding_repo
from storage.staff import Quote
from tests.e2e.test_staff_browser import accessible, page, sign_in  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.browser
WHEN = datetime(2026, 3, 2, tzinfo=UTC)


async def _sign_in(tab, username: str) -> None:
    await tab.goto("/login")
    await sign_in(tab, username, submit="#main-content button[type=submit]")


async def _error(tab, path: str, status: int, heading: str, lang: str) -> None:
    response = await tab.goto(path)
    assert response is not None and response.status == status, path
    assert await tab.locator("h1").inner_text() == heading, path
    assert await tab.get_attribute("html", "lang") == lang, path
    await accessible(tab)


async def test_error_pages_in_both_languages(page) -> None:  # noqa: F811
    tab = page
    await tab.set_extra_http_headers({"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.4"})
    await _error(tab, "/no-such-page", 404, "Heb ddod o hyd i'r dudalen", "cy")
    assert "Mynd i'r dudalen fewngofnodi" in await tab.locator("main").inner_text()
    await tab.set_extra_http_headers({"Accept-Language": "en-GB,en;q=0.9"})
    await _error(tab, "/no-such-page", 404, "Page not found", "en-GB")

    await _sign_in(tab, "editor")
    await _error(tab, "/interviews/iv09999", 404, "Page not found", "en-GB")
    assert "There is no such interview" in await tab.locator("main").inner_text()
    await _error(tab, "/interviews?page=abc", 400, "There is a problem with the request", "en-GB")
    await _error(tab, "/staff", 403, "Not allowed", "en-GB")

    await tab.goto("/interviews")
    await tab.click("#language-switch")
    await tab.wait_for_url("**/interviews")
    await _error(tab, "/interviews/iv09999", 404, "Heb ddod o hyd i'r dudalen", "cy")
    assert "Nid oes cyfweliad o'r fath" in await tab.locator("main").inner_text()
    await _error(tab, "/interviews?page=abc", 400, "Mae problem gyda'r cais", "cy")
    await _error(tab, "/staff", 403, "Dim caniatâd", "cy")
    assert "eich rôl chi yw golygydd" in await tab.locator("main").inner_text()


async def test_choose_quotes_for_the_report_pack_in_both_languages(page, db) -> None:  # noqa: F811
    tab = page
    tag = await coding_repo.create_tag(db, "Fast delivery", "Cyflawni'n gyflym", "")
    quote = await coding_repo.add_quote(
        db, "iv00001", "biggest_success", -1, -1, "We rebuilt the tax service", [tag], "e", WHEN
    )
    await _sign_in(tab, "editor")
    await tab.goto("/themes")
    await accessible(tab)
    item = tab.locator(f"#q-{tag}-{quote}")
    assert "In the report pack" in await item.inner_text()
    await item.locator("button:has-text('Leave out of the report pack')").focus()
    await tab.keyboard.press("Enter")
    await tab.wait_for_url(f"**/themes#q-{tag}-{quote}")
    assert "Left out of the report pack" in await item.inner_text()
    await accessible(tab)
    async with db.reading() as session:
        stored = await session.get(Quote, quote)
        assert stored is not None and stored.in_pack is False

    await tab.click("#language-switch")
    await tab.wait_for_url("**/themes*")
    assert await tab.get_attribute("html", "lang") == "cy"
    assert "Wedi'i adael allan o'r pecyn adroddiad" in await item.inner_text()
    await accessible(tab)
    await item.locator("button:has-text('Rhoi yn y pecyn adroddiad')").click()
    await tab.wait_for_url(f"**/themes#q-{tag}-{quote}")
    assert "Yn y pecyn adroddiad" in await item.inner_text()
    await accessible(tab)
    async with db.reading() as session:
        stored = await session.get(Quote, quote)
        assert stored is not None and stored.in_pack is True
