"""The browser simulator in real Chromium, against the real bot and the emulator (issue 12):
ticking choices of a multi-select question edits its keyboard in place, the question is on
screen once, and answered questions show no buttons. A screenshot of each language is kept in
test-artifacts/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.sandbox.simulator import setup_simulator_routes
from tests.integration.chatkit import running_bot, running_emulator
from tests.required import browser

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = browser()  # skips the module, or fails it when DGU_REQUIRE_BROWSER is set
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
LANGUAGES = {"en": "English", "cy": "Cymraeg"}


@asynccontextmanager
async def simulator_tab(emulator, **context: Any) -> AsyncIterator[Any]:
    """A Chromium tab on the simulator's page for this emulator (`context`: the browser
    context's options, e.g. a phone's viewport)."""
    from playwright.async_api import async_playwright

    page_app = web.Application()
    setup_simulator_routes(page_app, emulator)
    async with TestServer(page_app, host="127.0.0.1") as server, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            opened = await browser.new_context(base_url=str(server.make_url("/")), **context)
            tab = await opened.new_page()
            tab.set_default_timeout(30_000)  # a loaded machine: the page polls every 0.7 s
            yield tab
        finally:
            await browser.close()


async def show_chat(tab, user: int) -> None:
    """Open /simulator on one user's chat."""
    await tab.goto("/simulator")
    await tab.fill("#uid", str(user))
    await tab.dispatch_event("#uid", "change")


@pytest.mark.parametrize("lang", ["en", "cy"])
async def test_simulator_shows_a_multi_select_question_once(tmp_path, lang) -> None:
    database_url = f"sqlite:///{tmp_path}/sim.sqlite3"
    user = 14000 + list(LANGUAGES).index(lang)
    async with running_emulator() as emulator, running_bot(emulator, database_url) as bot:
        q = bot.services.questionnaire
        chat = bot.chat(user, language_code=lang)
        await chat.consent(LANGUAGES[lang])
        await chat.advance_to("attempted", limit=40)
        text = q.question_text("attempted", lang)
        async with simulator_tab(emulator) as tab:
            await show_chat(tab, user)
            await tab.wait_for_selector(f".msg.bot:has-text({text!r})")
            labels = [q.choice_label("attempted", c, lang) for c in ("uptake", "platforms")]
            for n, label in enumerate(labels, start=1):
                await tab.click(f".kb button:has-text({label!r})")
                await chat.settle()
                await tab.wait_for_function(
                    "n => [...document.querySelectorAll('.kb button')]"
                    ".filter(b => b.textContent.startsWith('☑')).length === n",
                    arg=n,
                )
            assert await tab.locator(f".msg.bot:has-text({text!r})").count() == 1
            assert await tab.locator(".kb").count() == 1  # no dead buttons anywhere
            ARTIFACTS.mkdir(exist_ok=True)
            await tab.screenshot(path=str(ARTIFACTS / f"simulator-multi-{lang}.png"))
        assert emulator.violations == [] and emulator.refused == []


@pytest.mark.parametrize("lang", ["en", "cy"])
async def test_simulator_layered_notice_on_a_phone(tmp_path, lang) -> None:
    """On a 390 px phone: the notice's short first layer with its three buttons; "Read the full
    privacy notice" shows the whole notice with the choices under it (one keyboard on screen);
    agreeing from there goes on to how they may be quoted."""
    database_url = f"sqlite:///{tmp_path}/sim.sqlite3"
    user = 14100 + list(LANGUAGES).index(lang)
    async with running_emulator() as emulator, running_bot(emulator, database_url) as bot:
        chat = bot.chat(user, language_code=lang)
        await chat.send("/start")
        await chat.tap(LANGUAGES[lang])
        summary = chat.ui(lang, "consent.summary.title")
        full, agree = chat.ui(lang, "consent.notice.full"), chat.ui(lang, "consent.agree")
        async with simulator_tab(emulator, viewport={"width": 390, "height": 844}) as tab:
            await show_chat(tab, user)  # the user-id field keeps the focus: the click below
            # blurs it, whose "change" once cleared the page between mousedown and mouseup
            first = tab.locator(f".msg.bot:has-text({summary!r})")
            await first.wait_for()
            buttons = await first.locator(".kb button").all_inner_texts()
            assert buttons == [agree, chat.ui(lang, "consent.decline"), full]
            ARTIFACTS.mkdir(exist_ok=True)
            await tab.screenshot(path=str(ARTIFACTS / f"simulator-notice-{lang}.png"))
            await first.locator(".kb button", has_text=full).click()
            title = chat.ui(lang, "privacy.title", version="2026-12.3")
            await tab.wait_for_selector(f".msg.bot:has-text({title!r}) .kb")
            await chat.settle()
            await tab.wait_for_function("() => document.querySelectorAll('.kb').length === 1")
            assert await first.locator(".kb").count() == 0, "the choices moved down"
            await tab.screenshot(path=str(ARTIFACTS / f"simulator-full-notice-{lang}.png"))
            await tab.locator(".kb button", has_text=agree).click()
            quote = chat.ui(lang, "consent.quote.question")
            await tab.wait_for_selector(f".msg.bot:has-text({quote!r})")
            await chat.settle()
        assert (await chat.state()) is not None, "agreed: the interview exists"
        assert emulator.violations == [] and emulator.refused == []


async def test_a_refresh_keeps_the_messages_that_did_not_change(tmp_path) -> None:
    """The page redraws only what changed: when the language prompt loses its buttons and the
    notice arrives, the messages before stay the same elements, so a click on a button there
    cannot be lost to a redraw in the middle of it (seen: mousedown on the old button, mouseup on
    its replacement, no click)."""
    user = 14200
    async with (
        running_emulator() as emulator,
        running_bot(emulator, f"sqlite:///{tmp_path}/sim.sqlite3") as bot,
    ):
        chat = bot.chat(user, language_code="en")
        await chat.send("/start")
        async with simulator_tab(emulator) as tab:
            await show_chat(tab, user)
            prompt = tab.locator(".msg.bot", has=tab.locator(".kb button", has_text="English"))
            await prompt.wait_for()
            start = await tab.locator(".msg.user", has_text="/start").element_handle()
            await chat.tap("English")  # the prompt changes (buttons go), the notice arrives
            await tab.wait_for_selector(".msg.bot:has-text('I agree')")
            await tab.wait_for_function("() => document.querySelectorAll('.kb').length === 1")
            assert await start.evaluate("e => e.isConnected"), "an unchanged message was redrawn"
            assert await tab.locator(".msg").count() == 3
        assert emulator.violations == []
