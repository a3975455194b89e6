"""The simulator records a voice note from the microphone (MediaRecorder) in real Chromium,
with Chromium's fake microphone (a beeping tone), and sends it to the real bot through the
emulator: the bot confirms it, keeps it as an Ogg/Opus voice note, and it decodes."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.sandbox.simulator import setup_simulator_routes
from tests.e2e.test_simulator_browser import ARGS, CHROMIUM, show_chat
from tests.integration.chatkit import running_bot, running_emulator

pytestmark = pytest.mark.browser

MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


async def test_a_voice_note_recorded_in_the_simulator_is_an_answer(tmp_path) -> None:
    from playwright.async_api import async_playwright

    from bot import transcription
    from storage.interviews import InterviewStore
    from storage.media_repo import MediaStore

    user = 14100
    database_url = f"sqlite:///{tmp_path}/sim.sqlite3"
    media = tmp_path / "media"
    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url, media_dir=media) as bot,
    ):
        chat = bot.chat(user)
        await chat.consent("English")
        await chat.advance_to("organisation", limit=40)
        page_app = web.Application()
        setup_simulator_routes(page_app, emulator)
        async with TestServer(page_app, host="127.0.0.1") as server, async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *MICROPHONE])
            try:
                tab = await browser.new_page(base_url=str(server.make_url("/")))
                tab.set_default_timeout(30_000)  # a loaded machine: the page polls every 0.7 s
                await show_chat(tab, user)
                await tab.click("#record")
                await tab.wait_for_selector("#record[aria-pressed='true']")
                # recorded until the page's own counter says two seconds of chunks came in
                await tab.wait_for_function(
                    "() => Number(document.getElementById('recording').dataset.seconds) >= 2"
                )
                await tab.click("#record")
                await tab.wait_for_selector(".msg.bot:has-text('Received: [voice note 0:0')")
            finally:
                await browser.close()
        await bot.idle()
        await transcription.settle()
        respondent = await InterviewStore(bot.services.db).respondent(user)
        assert respondent is not None and respondent.id is not None
        [row] = await MediaStore(bot.services.db).for_respondent(respondent.id)
        assert (row.kind, row.mime_type, row.answer_key) == ("voice", "audio/ogg", "organisation")
        assert row.duration is not None and 2 <= row.duration <= 10
        kept = (media / row.path).read_bytes()
        assert kept[:4] == b"OggS" and b"OpusHead" in kept[:100]
        pcm = transcription.to_pcm(media / row.path)
        assert len(pcm) >= 2 * 16000 * 2 * 0.9  # about two seconds or more of 16 kHz audio
        assert row.transcription == "done"  # decoded and heard (a beep: perhaps no words)
        assert emulator.violations == []
