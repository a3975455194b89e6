"""The emulator behaves like Telegram towards the real PTB Bot and Application."""

from __future__ import annotations

import asyncio
import os

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from tests.integration.chatkit import polling, ptb_builder, running_emulator

os.environ.setdefault("PTB_TIMEDELTA", "1")


def bot_for(emu, token=None) -> Bot:
    return Bot(token or emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)


async def test_long_polling_application_echoes_and_handles_buttons():
    async def start(update: Update, context) -> None:
        kb = InlineKeyboardMarkup(
            [[InlineKeyboardButton("English", callback_data="en"),
              InlineKeyboardButton("Cymraeg", callback_data="cy")]]
        )  # fmt: skip
        await update.message.reply_html(f"<b>Hi</b> {context.args}", reply_markup=kb)

    async def chosen(update: Update, context) -> None:
        await update.callback_query.answer("OK")
        await update.callback_query.edit_message_text(f"lang={update.callback_query.data}")

    async def echo(update: Update, context) -> None:
        await update.effective_message.reply_text("echo: " + update.effective_message.text)

    async with running_emulator() as emu:
        app = ptb_builder(emu).build()
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(chosen))
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with polling(app):
            chat = emu.chat(1001, "Ann", language_code="cy")
            await chat.send("/start campaign_7")
            assert chat.last_reply.text == "Hi ['campaign_7']"
            assert chat.last_reply.buttons == [["English", "Cymraeg"]]
            assert chat.last_reply.keyboard == [[("English", "en"), ("Cymraeg", "cy")]]
            await chat.tap("Cymraeg")
            assert chat.last_reply.text == "lang=cy" and chat.last_reply.buttons == []
            assert chat.answered_callbacks[0]["text"] == "OK"
            mid = await chat.send("one")
            await chat.send("two")
            assert [m.text for m in chat.messages][-2:] == ["echo: one", "echo: two"]
            await chat.edit(mid, "uno")
            assert chat.last_reply.text == "echo: uno"
    assert emu.violations == []


async def test_webhook_delivery_with_secret_and_retries():
    seen: list[tuple[str | None, int]] = []
    refuse = {"count": 1}

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        seen.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), update["update_id"]))
        if refuse["count"]:
            refuse["count"] -= 1
            return web.Response(status=403)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    async with TestServer(app, host="127.0.0.1") as hook_server, running_emulator() as emu:
        async with bot_for(emu) as bot:
            await bot.set_webhook(str(hook_server.make_url("/hook")), secret_token="Sekret_1")
            with pytest.raises(Conflict):
                await bot.get_updates(timeout=0)
            chat = emu.chat(7, "Bob")
            first = await chat.send("a", wait=False)
            await chat.send("b", wait=False)
            await chat.settle()
            info = await bot.get_webhook_info()
            assert info.pending_update_count == 0
            assert info.last_error_message == "Wrong response from the webhook: 403"
        assert first == 1
        assert [s for s, _ in seen] == ["Sekret_1"] * 3
        assert [u for _, u in seen] == [1, 1, 2]  # retried, and in order
        assert [a.status for a in emu.webhook_attempts] == [403, 200, 200]


async def test_not_modified_and_missing_message():
    async with running_emulator() as emu, bot_for(emu) as bot:
        emu.chat(5, "Cat")
        msg = await bot.send_message(5, "same")
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("same", chat_id=5, message_id=msg.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", chat_id=5, message_id=999)
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(6, "nobody here")
    assert emu.violations == []


async def test_spec_violation_is_400_and_recorded():
    async with running_emulator() as emu, bot_for(emu) as bot:
        emu.chat(5, "Cat")
        kb = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(5, "hi", reply_markup=kb)
        with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
            await bot.send_message(5, "<p>hi</p>", parse_mode="HTML")
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")
        assert len(emu.violations) == 3


async def test_flood_limits_answer_429_with_retry_after():
    async with running_emulator(flood=True) as emu, bot_for(emu) as bot:
        emu.chat(5, "Cat")
        for _ in range(3):  # the burst allowance
            await bot.send_message(5, "ok")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(5, "too fast")
        assert caught.value.retry_after.total_seconds() >= 1
        assert emu.flood.hits == 1


async def test_fault_injection_blocked_and_wrong_token():
    async with running_emulator(fault_timeout=1.0) as emu, bot_for(emu) as bot:
        emu.chat(5, "Cat")
        emu.faults.inject("sendMessage", status=429, retry_after=2)
        with pytest.raises(RetryAfter):
            await bot.send_message(5, "a")
        emu.faults.inject("sendMessage", status=500)
        with pytest.raises(NetworkError):
            await bot.send_message(5, "b")
        emu.faults.inject("sendMessage", kind="drop")
        with pytest.raises(NetworkError):
            await bot.send_message(5, "c")
        emu.faults.inject("sendMessage", kind="timeout")
        with pytest.raises(NetworkError):  # TimedOut is a NetworkError
            await bot.send_message(5, "d", read_timeout=0.2)
        await bot.send_message(5, "e")
        emu.blocked_by(5)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(5, "f")
        assert [c.status for c in emu.calls if c.method == "sendMessage"][-2:] == [200, 403]
        assert emu.chat(5).last_reply.text == "e"
    async with running_emulator() as emu:
        with pytest.raises(InvalidToken):
            async with bot_for(emu, token="999:AAAAAAAAAAAAAAAAAAAAAAAAAAAAA"):
                pass


async def test_random_faults_are_seeded():
    async with running_emulator() as emu, bot_for(emu) as bot:
        emu.chat(5, "Cat")
        emu.faults.rate(0.5, kinds=["500"], seed=3)
        outcomes = []
        for _ in range(10):
            try:
                await bot.send_message(5, "x")
                outcomes.append("ok")
            except NetworkError:
                outcomes.append("err")
        assert "ok" in outcomes and "err" in outcomes
        assert len(emu.faults.injected) == outcomes.count("err")


async def test_long_poll_conflict_between_two_pollers():
    async with running_emulator() as emu, bot_for(emu) as first, bot_for(emu) as second:
        before = emu.poll_generation
        waiting = asyncio.create_task(first.get_updates(timeout=60))
        while emu.poll_generation == before:  # until the first long poll is being held
            await emu.wait_change(1.0)
        await second.get_updates(timeout=0)
        with pytest.raises(Conflict, match="terminated by other getUpdates"):
            await waiting
