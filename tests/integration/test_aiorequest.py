"""AiohttpRequest speaks the Bot API exactly as PTB's HTTPXRequest does (same emulator checks)."""

from __future__ import annotations

import asyncio
import os

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.aiorequest import AiohttpRequest
from tests.integration.chatkit import polling, ptb_builder, running_emulator

os.environ.setdefault("PTB_TIMEDELTA", "1")


def bot_for(emu) -> Bot:
    return Bot(
        emu.token,
        base_url=emu.base_url,
        base_file_url=emu.base_file_url,
        request=AiohttpRequest(connection_pool_size=8),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )


async def test_messages_buttons_documents_and_polling():
    async with running_emulator() as emu, bot_for(emu) as bot:
        assert bot.username == "dgu_local_bot"
        chat = emu.chat(42, "Ann")
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Cymraeg ŵ", callback_data="L|cy")]])
        sent = await bot.send_message(
            42, "<b>Helo</b> &amp; croeso", parse_mode="HTML", reply_markup=markup
        )
        assert chat.last_reply.text == "Helo & croeso"
        assert chat.last_reply.keyboard == [[("Cymraeg ŵ", "L|cy")]]
        await bot.edit_message_text("Diolch", chat_id=42, message_id=sent.message_id)
        assert chat.last_reply.text == "Diolch" and chat.last_reply.buttons == []
        document = await bot.send_document(42, b"a,b\n1,2\n", filename="answers.csv", caption="CSV")
        assert document.document.file_name == "answers.csv"
        assert chat.documents[0].data == b"a,b\n1,2\n"
        await chat.send("hello", wait=False)
        updates = await bot.get_updates(timeout=1)
        assert [u.message.text for u in updates] == ["hello"]
        assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
        assert emu.violations == []


async def test_errors_map_to_the_same_ptb_exceptions():
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
        with pytest.raises(TimedOut):
            await bot.send_message(5, "d", read_timeout=0.2)
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(6, "e")
        emu.blocked_by(5)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(5, "f")


async def test_unreachable_server_is_a_network_error():
    request = AiohttpRequest()
    bot = Bot("123:" + "A" * 30, base_url="http://127.0.0.1:9/bot", request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await bot.get_me()
    finally:
        await request.shutdown()


async def test_an_application_runs_on_it():
    async with running_emulator() as emu:
        app = (
            ptb_builder(emu)
            .request(AiohttpRequest(connection_pool_size=16))
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
            .build()
        )

        async def echo(update, context) -> None:
            await update.effective_message.reply_text("echo: " + update.effective_message.text)

        from telegram.ext import MessageHandler, filters

        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with polling(app):
            chat = emu.chat(7)
            for n in range(3):
                await chat.send(f"m{n}")
                assert chat.last_reply.text == f"echo: m{n}"
        await asyncio.sleep(0)
        assert emu.violations == []
