"""Respondents' files in the staff app in real Chromium: the recording plays (its duration
read by the browser), the photo shows, an editor types a transcript; axe clean."""

from __future__ import annotations

import asyncio
import base64
import shutil
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from storage.media_repo import MediaStore, write_file
from storage.models import Media
from tests.e2e.test_staff_browser import ARGS, CHROMIUM, accessible, sign_in
from tests.web.conftest import build_app
from tests.web.seed import add_interview, typical

pytestmark = pytest.mark.browser

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


async def _speech(tmp_path) -> bytes:
    espeak = shutil.which("espeak-ng")
    assert espeak is not None, "needs espeak-ng (.ci/run installs it)"
    out = tmp_path / "speech.wav"
    spoken = await asyncio.create_subprocess_exec(
        espeak, "-v", "en", "-w", str(out), "our biggest success was the new service"
    )
    assert await spoken.wait() == 0
    return out.read_bytes()


@pytest.fixture
async def tab(db, questionnaire, accounts, tmp_path) -> AsyncIterator:
    from playwright.async_api import async_playwright

    root = tmp_path / "media"
    interview_id = await add_interview(db, 1, typical(1))
    for kind, mime, data, suffix, duration in (
        ("audio", "audio/wav", await _speech(tmp_path), ".wav", 3),
        ("photo", "image/png", PNG, ".png", None),
    ):
        path, digest = write_file(root, interview_id, data, suffix)
        await MediaStore(db).add(
            Media(interview_id=interview_id, answer_key="biggest_success", kind=kind,
                  mime_type=mime, size=len(data), duration=duration, sha256=digest,
                  file_id=f"F{kind}", file_unique_id=f"U{kind}", path=path)
        )  # fmt: skip
    app = build_app(db, questionnaire, media_dir=root)
    async with TestServer(app) as server, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(base_url=str(server.make_url("/")), bypass_csp=True)
        page = await context.new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            await browser.close()


async def test_staff_play_see_and_transcribe(tab) -> None:
    await tab.goto("/login")
    await sign_in(tab)
    await tab.goto("/interviews/iv00001")
    await accessible(tab)
    audio = tab.locator("audio")
    await audio.evaluate(
        "(el) => el.readyState >= 1 || new Promise(r => el.addEventListener('loadedmetadata', r))"
    )
    seconds = await audio.evaluate("(el) => el.duration")
    assert 1 < seconds < 10  # the browser decoded the file we served
    width = await tab.locator("img.app-media__photo").evaluate(
        "(el) => el.complete && el.naturalWidth ? el.naturalWidth : new Promise(r => "
        "el.addEventListener('load', () => r(el.naturalWidth)))"
    )
    assert width == 1
    await tab.fill("textarea[name=transcript]", "Our biggest success was the new service.")
    await tab.click("button:has-text('Save transcript')")
    await tab.wait_for_url("**/interviews/iv00001#media-*")
    assert "Transcribed by editor" in await tab.locator("main").inner_text()
    await accessible(tab)


async def test_staff_confirm_a_machine_transcript(tab, db) -> None:
    """The machine's transcript is marked machine-made, with a Confirm button (axe clean);
    confirming marks it confirmed by the editor."""
    from datetime import UTC, datetime

    store = MediaStore(db)
    [audio] = [m for m in await store.for_interviews(["iv00001"]) if m.kind == "audio"]
    assert audio.id is not None
    await store.set_machine_transcript(
        audio.id, "our biggest success was the new service", now=datetime(2026, 5, 1, tzinfo=UTC)
    )
    await tab.goto("/login")
    await sign_in(tab)
    await tab.goto("/interviews/iv00001")
    main = tab.locator("main")
    assert "Machine transcript, not yet checked by a person" in await main.inner_text()
    await accessible(tab)
    await tab.click("button:has-text('Confirm transcript')")
    await tab.wait_for_url("**/interviews/iv00001#media-*")
    assert "Machine transcript confirmed by editor" in await main.inner_text()
    assert await tab.locator("button:has-text('Confirm transcript')").count() == 0
    await accessible(tab)
