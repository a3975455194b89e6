"""The staff app in real Chromium: sign in, filter, open, tag a passage, export, landscape.

axe-core runs on every page; a serious or critical violation fails the test. A failing test
leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from tests.required import AXE, browser
from tests.web.conftest import PASSWORD, build_app
from tests.web.seed import add_interview, typical

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = browser()  # skips the module, or fails it when DGU_REQUIRE_BROWSER is set
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
async def page(db, questionnaire, accounts, request) -> AsyncIterator:
    from playwright.async_api import async_playwright

    for n in range(1, 8):
        await add_interview(db, n, typical(n), name=f"Person {n}")
    async with TestServer(build_app(db, questionnaire)) as server, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(
            accept_downloads=True,
            base_url=str(server.make_url("/")),
            bypass_csp=True,  # for axe
        )
        tab = await context.new_page()
        tab.set_default_timeout(10_000)
        try:
            yield tab
        finally:
            if getattr(request.node, "failed", False):
                ARTIFACTS.mkdir(exist_ok=True)
                await tab.screenshot(
                    path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True
                )
            await browser.close()


async def sign_in(
    tab, username: str = "editor", landing: str = "**/interviews", submit: str | None = None
) -> None:
    """On the sign-in page (or a page that sent the browser there): sign in with the shared
    test password and wait for `landing`."""
    await tab.fill("#username", username)
    await tab.fill("#password", PASSWORD)
    await tab.click(submit or "button:has-text('Sign in')")
    await tab.wait_for_url(landing)


async def accessible(tab) -> None:
    await tab.add_script_tag(path=str(AXE))
    result = await tab.evaluate("async () => JSON.stringify(await axe.run())")
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in json.loads(result)["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{tab.url}: {bad}"


async def test_researcher_journey(page) -> None:
    tab = page
    await tab.goto("/interviews")
    assert "/login" in tab.url
    await accessible(tab)
    await sign_in(tab)
    assert await tab.locator("#interviews caption").inner_text() == "7 interviews"
    await accessible(tab)

    await tab.select_option("#f-level", "local")
    await tab.click("button:has-text('Apply filters')")
    await tab.wait_for_url("**level=local**")
    assert "2 interviews" in await tab.locator("#interviews caption").inner_text()

    await tab.click("a:has-text('iv00003')")
    await tab.wait_for_url("**/interviews/iv00003")
    await accessible(tab)
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("console", lambda m: errors.append(m.text))
    answer = tab.locator("[data-answer-key='biggest_success']")
    await answer.evaluate(
        """(el) => {
            const text = el.firstChild; const start = text.data.indexOf('tax service');
            const range = document.createRange();
            range.setStart(text, start); range.setEnd(text, start + 11);
            const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
            el.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }"""
    )
    assert await tab.input_value("#quote-passage") == "tax service", errors
    await tab.click("button:has-text('Save quote')")
    await tab.wait_for_url("**/interviews/iv00003#quotes")
    assert "“tax service”" in await tab.locator("#quotes + table").inner_text()

    await tab.goto("/interviews?level=local")
    async with tab.expect_download() as info:
        await tab.click("a:has-text('CSV')")
    download = await info.value
    path = await download.path()
    body = await asyncio.to_thread(Path(path).read_text, "utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(r["interview_id"] for r in rows) == ["iv00003", "iv00006"]

    await tab.goto("/landscape")
    await accessible(tab)
    assert await tab.locator("svg[role='img']").count() >= 3
    for path_ in ("/codebook", "/quotes"):
        await tab.goto(path_)
        await accessible(tab)
