"""The analysis workspace in real Chromium, in English and Welsh: reading by question, quoting
and tagging a passage in place with the keyboard, and the language switch. axe-core runs on
every page (no serious or critical violations)."""

from __future__ import annotations

import pytest

from storage import coding_repo
from tests.e2e.test_staff_browser import accessible, page, sign_in  # noqa: F401 - the shared fixture
from tests.web.seed import add_lead

pytestmark = pytest.mark.browser


async def test_read_by_question_quote_in_place_and_switch_to_welsh(page, db) -> None:  # noqa: F811
    tab = page
    tag = await coding_repo.create_tag(db, "Fast delivery", "Cyflawni'n gyflym", "")
    await tab.goto("/reading")
    await sign_in(tab, landing="**/reading")
    await accessible(tab)

    await tab.select_option("#f-question", "biggest_success")
    await tab.select_option("#f-level", "local")
    await tab.click("button:has-text('Apply filters')")
    await tab.wait_for_url("**question=biggest_success**")
    assert "2 answers" in await tab.locator("#answers caption").inner_text()
    await accessible(tab)

    # keyboard only: open the quote form of the first answer, trim the passage, tag, save
    row = tab.locator("#answers tbody tr").first
    summary = row.locator("summary")
    await summary.focus()
    await tab.keyboard.press("Enter")
    passage = row.locator("textarea")
    await passage.focus()
    await tab.keyboard.press("Control+A")
    await tab.keyboard.type("We rebuilt the tax service")
    await row.locator(f"input[name='tag'][value='{tag}']").focus()
    await tab.keyboard.press("Space")
    await row.locator("button:has-text('Save quote')").focus()
    await tab.keyboard.press("Enter")
    await tab.wait_for_url("**/reading?**#answer-**")
    assert "question=biggest_success" in tab.url and "level=local" in tab.url
    quotes = await coding_repo.quotes_of(db, "iv00006")
    assert [(q.text, [t.id for t in tags]) for q, tags in quotes] == [
        ("We rebuilt the tax service", [tag])
    ]

    # the tagged passage is on the theme board, one click from its place in the transcript
    await tab.goto("/themes")
    await accessible(tab)
    board = tab.locator(f"section[aria-labelledby='theme-{tag}']")
    assert "“We rebuilt the tax service”" in await board.inner_text()
    async with tab.expect_download() as info:
        await tab.click("a:has-text('Download the report pack')")
    download = await info.value
    assert download.suggested_filename.startswith("report-pack-")
    assert download.suggested_filename.endswith(".zip")
    await board.locator("a:has-text('In context')").first.click()
    await tab.wait_for_url("**/interviews/iv00006#answer-biggest_success")
    await tab.go_back()
    await tab.go_back()

    await tab.click("#language-switch")
    await tab.wait_for_url("**/reading?**")
    assert await tab.get_attribute("html", "lang") == "cy"
    assert "2 ateb" in await tab.locator("#answers caption").inner_text()
    assert await tab.locator("h1").inner_text() == "Darllen fesul cwestiwn"
    await accessible(tab)
    await tab.goto("/interviews")
    assert await tab.locator("h1").inner_text() == "Cyfweliadau"
    await accessible(tab)
    for path, heading in (
        ("/landscape", "Tirwedd"),
        ("/quotes", "Dyfyniadau"),
        ("/themes", "Bwrdd themâu"),
        ("/interviews/iv00006", "Cyfweliad: "),
    ):
        await tab.goto(path)
        assert (await tab.locator("h1").inner_text()).startswith(heading)
        await accessible(tab)
    assert "Cyfweliadau fesul gwlad" in await (await tab.goto("/landscape")).text()
    await tab.goto("/interviews")
    await tab.click("#language-switch")
    await tab.wait_for_url("**/interviews")
    assert await tab.get_attribute("html", "lang") == "en-GB"


async def test_sign_in_page_in_welsh_is_accessible(page) -> None:  # noqa: F811
    await page.goto("/login?lang=cy")
    assert await page.locator("h1").inner_text() == "Mewngofnodi"
    await accessible(page)


async def test_matrix_choose_columns_write_a_summary_in_both_languages(page) -> None:  # noqa: F811
    tab = page
    await tab.goto("/matrix")
    await sign_in(tab, landing="**/matrix")
    assert "7 interviews" in await tab.locator("#matrix caption").inner_text()
    await accessible(tab)

    await tab.click("summary:has-text('Areas of work')")
    await tab.check("#col-q-outcome-platforms")
    await tab.click("button:has-text('Apply filters')")
    await tab.wait_for_url("**outcome%40platforms**")
    assert await tab.locator("#matrix thead th").count() == 5
    row = tab.locator("#row-iv00002")
    await row.locator("a:has-text('Write a summary')").first.click()
    await tab.wait_for_url("**/matrix/cell?**")
    await accessible(tab)
    await tab.fill("#summary", "Tax rebuilt in two sprints")
    await tab.click("button:has-text('Save summary')")
    await tab.wait_for_url("**/matrix?**#row-iv00002")
    assert "Tax rebuilt in two sprints" in await tab.locator("#row-iv00002").inner_text()

    await tab.click("#language-switch")
    await tab.wait_for_url("**/matrix?**")
    assert await tab.locator("h1").inner_text() == "Matrics fframwaith"
    assert (await tab.locator("#matrix thead th").first.inner_text()) == "Cyfweliad"
    assert "Tax rebuilt in two sprints" in await tab.locator("#row-iv00002").inner_text()
    await accessible(tab)


async def test_admin_pages_in_welsh_are_accessible(page, db) -> None:  # noqa: F811
    tab = page
    lead = await add_lead(db, 1, "Our unit publishes its service standard in Welsh and English.")
    await tab.goto("/login?lang=cy")
    await sign_in(tab, "admin", submit="button:has-text('Mewngofnodi')")
    await tab.click("#language-switch")
    await tab.wait_for_url("**/interviews")
    assert await tab.get_attribute("html", "lang") == "cy"
    for path, heading in (
        ("/codebook", "Llyfr codau"),
        ("/staff", "Cyfrifon staff"),
        ("/audit", "Log archwilio"),
        ("/contributions", "Cyfraniadau o X"),
    ):
        await tab.goto(path)
        assert await tab.locator("h1").inner_text() == heading
        await accessible(tab)
    await tab.goto("/mentions")
    assert await tab.get_attribute("html", "lang") == "cy"
    assert await tab.locator("#language-switch").inner_text() == "English"
    await accessible(tab)
    assert await tab.locator("h1").inner_text() == "Arweinion o grybwylliadau"
    await tab.goto("/mentions/usage")
    assert (await tab.locator("h1").inner_text()).startswith("Cyllideb darllen X")
    await accessible(tab)
    for path in (f"/mentions/leads/{lead}", f"/contributions/{lead}"):
        await tab.goto(path)
        assert (await tab.locator("h1").inner_text()).startswith(("Arweinydd", "Cyfraniad"))
        await accessible(tab)
