"""Mentions, leads and contributions in real Chromium, with axe-core on every page.

Shares the staff app fixtures and the `page` fixture (seven interviews, a signed-out tab) of
test_staff_browser; a serious or critical accessibility violation fails the test.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage import coding_repo, contribution_repo
from tests.required import browser

browser()  # before importing the other module: skip, or fail when DGU_REQUIRE_BROWSER is set
from tests.e2e.test_staff_browser import accessible, page, sign_in  # noqa: E402, F401 - the fixture
from tests.web.seed import add_lead  # noqa: E402

pytestmark = pytest.mark.browser
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


async def test_mentions_and_contributions_pages(page, db) -> None:  # noqa: F811
    tab = page
    tag = await coding_repo.create_tag(db, "Standards", "Safonau", "")
    welsh = await add_lead(
        db, 1, "@cdps_cymru Rydyn ni'n cyhoeddi ein safonau gwasanaeth yn Gymraeg", lang="cy"
    )
    await contribution_repo.set_tags(db, welsh, [tag], "editor", NOW)
    await add_lead(
        db, 2, "@cdps_cymru <b>hello</b> 🎉 https://t.co/x", contribution=False, lang="qme"
    )
    lead = await add_lead(
        db, 3, "@cdps_cymru How did your digital team start?", contribution=False, lang="en"
    )

    await tab.goto("/mentions")
    await sign_in(tab, landing="**/mentions")
    assert "<b>hello</b>" in await tab.locator("table").inner_text()  # shown, not rendered
    await accessible(tab)
    assert await tab.locator("nav[aria-label='Main'] a[href='/contributions']").count() == 1

    await tab.click(f"a[href='/mentions/leads/{lead}']")
    await tab.wait_for_url(f"**/mentions/leads/{lead}")
    await accessible(tab)
    await tab.check("#contribution-flag")
    await tab.check(f"#ctag-{tag}")
    await tab.click("button:has-text('Save')")
    await tab.wait_for_url(f"**/mentions/leads/{lead}?message=*")
    assert await tab.locator("#contribution-flag").is_checked()

    await tab.goto("/mentions/usage")
    await accessible(tab)

    await tab.goto("/contributions")
    assert await tab.locator("#contributions caption").inner_text() == "2 contributions"
    await accessible(tab)
    await tab.fill("#c-q", "SAFONAU")
    await tab.click("button:has-text('Apply filters')")
    await tab.wait_for_url("**q=SAFONAU**")
    assert await tab.locator("#contributions caption").inner_text() == "1 contribution"

    await tab.click(f"a[href='/contributions/{welsh}']")
    await tab.wait_for_url(f"**/contributions/{welsh}")
    await accessible(tab)
    tweet = tab.locator("[data-answer-key='tweet']")
    await tweet.evaluate(
        """(el) => {
            const text = el.firstChild; const start = text.data.indexOf('safonau gwasanaeth');
            const range = document.createRange();
            range.setStart(text, start); range.setEnd(text, start + 18);
            const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
            el.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }"""
    )
    assert await tab.input_value("#quote-passage") == "safonau gwasanaeth"
    await tab.check(f"#qtag-{tag}")
    await tab.click("button:has-text('Save quote')")
    await tab.wait_for_url(f"**/contributions/{welsh}#quotes")
    assert "“safonau gwasanaeth”" in await tab.locator("#quotes + table").inner_text()
    await accessible(tab)

    await tab.goto("/interviews")
    assert "Contributions from X (2)" in await tab.locator("nav.app-tabs").inner_text()
    await accessible(tab)
    await tab.goto("/landscape")
    assert await tab.locator("#leads ~ div svg[role='img']").count() >= 1
    await accessible(tab)
