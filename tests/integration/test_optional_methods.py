"""A Bot API server other than Telegram's (a self-hosted telegram-bot-api, a test server)
may lack an optional method or fail it: the bot starts without its command menu, /mydata
comes as text saying the file could not be sent, each is logged once, and a method that
does not exist is never asked again (let alone retried three times per update).

Through the real process: `dgu-bot serve` against the emulator configured to lack methods.
And no apology after a delivered reply: a send whose answer cannot be read was delivered.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.interview import load_questionnaire
from bot.sandbox.faults import GARBLED
from tests.integration.chatkit import BotChat
from tests.reliability.processes import ROOT, ServeProcess

UI = load_questionnaire(ROOT / "prompts" / "dgu_landscape.yaml")
TIMEOUT = 30.0  # a subprocess on a shared machine


def _calls(emulator, method: str) -> int:
    return sum(1 for c in emulator.calls if c.method == method)


@pytest.mark.parametrize("status", [404, 500])
async def test_a_server_without_set_my_commands_or_send_document(
    emulator, database_url: str, tmp_path: Path, status: int
) -> None:
    emulator.lacks("setMyCommands", status)
    emulator.lacks("sendDocument", status)
    bot = ServeProcess.for_emulator(emulator, database_url, tmp_path, name=f"lacks{status}")
    await bot.start()  # it starts: the menu is optional
    try:
        assert _calls(emulator, "setMyCommands") == 1, "tried once, not per language/retry"
        chat = BotChat(None, emulator.chat(5100, first_name="Ffion"))
        await chat.consent()
        before = len(chat.messages)
        await chat.send("/mydata", timeout=TIMEOUT)
        await chat.settle(timeout=TIMEOUT)
        replies = [m.text for m in chat.messages[before:]]
        assert replies[0].startswith(UI.ui("en", "mydata.intro"))
        assert replies[-1] == UI.ui("en", "mydata.no_document")
        assert UI.ui("en", "error.generic") not in replies
        assert chat.documents == []
        # again: the same degraded answer, and the missing method is not asked again
        before = len(chat.messages)
        await chat.send("/mydata", timeout=TIMEOUT)
        await chat.settle(timeout=TIMEOUT)
        again = [m.text for m in chat.messages[before:]]
        assert again[-1] == UI.ui("en", "mydata.no_document")
        assert UI.ui("en", "error.generic") not in again
        assert _calls(emulator, "sendDocument") == 1
        assert emulator.violations == []
    finally:
        await bot.stop()
    log = bot.log_text()
    if status == 404:
        assert log.count("has no sendDocument") == 1
        assert log.count("has no setMyCommands") == 1
    else:
        assert log.count("sendDocument failed (HTTP 500)") == 1
        assert log.count("setMyCommands failed (HTTP 500)") == 1
    assert "retry 1 of" not in log  # optional methods are never retried


async def test_the_file_comes_with_the_text_when_the_server_has_it(bot, emulator) -> None:
    """The control: with sendDocument, /mydata sends the file and no notice."""
    chat = bot.chat(5200)
    await chat.consent()
    await chat.send("/mydata")
    await chat.settle()
    assert len(chat.documents) == 1
    assert UI.ui("en", "mydata.no_document") not in [m.text for m in chat.messages]


async def test_a_delivered_reply_whose_answer_is_unreadable_gets_no_apology(bot, emulator) -> None:
    chat = bot.chat(5300)
    await chat.consent()
    emulator.faults.inject("sendMessage", kind=GARBLED)
    before = len(chat.messages)
    await chat.send("/help")
    await chat.settle()
    replies = [m.text for m in chat.messages[before:]]
    # the introduction and the help, delivered once, and nothing after it
    assert len(replies) == 1 and replies[0].endswith(UI.ui("en", "help")), replies
    assert emulator.faults.injected == [("sendMessage", GARBLED)]
    # /mydata: its first text's answer is unreadable; the rest still follows, no apology
    emulator.faults.inject("sendMessage", kind=GARBLED)
    before = len(chat.messages)
    await chat.send("/mydata")
    await chat.settle()
    replies = [m.text for m in chat.messages[before:]]
    assert replies[0].startswith(UI.ui("en", "mydata.intro"))
    assert UI.ui("en", "error.generic") not in replies
    assert len(chat.documents) == 1


async def test_no_apology_when_the_file_fails_after_the_text(bot, emulator) -> None:
    """sendDocument refused with a plain 400 (not a missing method): reported for what it is."""
    chat = bot.chat(5400)
    await chat.consent()
    emulator.faults.inject("sendDocument", status=400, description="Bad Request: file is too big")
    before = len(chat.messages)
    await chat.send("/mydata")
    await chat.settle()
    replies = [m.text for m in chat.messages[before:]]
    assert replies[-1] == UI.ui("en", "mydata.no_document")
    assert UI.ui("en", "error.generic") not in replies


async def test_an_edit_whose_answer_is_unreadable_is_not_sent_again(bot, emulator) -> None:
    """A button answer edits the question into the answer and the next question; if that
    edit's answer cannot be read, it was done: the next question is not sent a second time."""
    control, garbled = bot.chat(5500), bot.chat(5501)
    for chat in (control, garbled):
        await chat.consent()
        if chat is garbled:  # the first edit from here on answers 200 with a garbled body
            emulator.faults.inject("editMessageText", kind=GARBLED)
        for _ in range(4):
            await chat.answer()
    assert emulator.faults.injected == [("editMessageText", GARBLED)]
    assert [m.text for m in garbled.messages] == [m.text for m in control.messages]
    assert UI.ui("en", "error.generic") not in [m.text for m in garbled.messages]
