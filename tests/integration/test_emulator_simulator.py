"""The simulator page drives the bot through the emulator and refuses cross-site requests."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.simulator import setup_simulator_routes
from tests.integration.chatkit import polling, ptb_builder


async def test_simulator_round_trip_and_csrf():
    emulator = BotApiEmulator()
    app = web.Application()
    app.add_subapp("/botapi", emulator.make_app())
    setup_simulator_routes(app, emulator)

    async def start(update: Update, context) -> None:
        kb = InlineKeyboardMarkup([[InlineKeyboardButton("Cymraeg", callback_data="cy")]])
        await update.message.reply_html("<b>Croeso</b> &lt;script&gt;", reply_markup=kb)

    async def chosen(update: Update, context) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("Diolch")

    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        emulator.root = str(client.make_url("/botapi")).rstrip("/")
        origin = str(client.make_url("")).rstrip("/")
        bot_app = ptb_builder(emulator).build()
        bot_app.add_handler(CommandHandler("start", start))
        bot_app.add_handler(CallbackQueryHandler(chosen))
        async with polling(bot_app):
            page = await client.get("/simulator")
            assert page.status == 200 and "<button" in await page.text()
            body = {"user_id": 77, "first_name": "Ann", "language_code": "cy", "text": "/start"}
            refused = await client.post("/simulator/api/send", json=body,
                                        headers={"Origin": "http://evil.example"})  # fmt: skip
            assert refused.status == 403
            sent = await client.post("/simulator/api/send", json=body, headers={"Origin": origin})
            assert sent.status == 200
            chat = emulator.chat(77)
            await chat.settle()
            state = await (await client.get("/simulator/api/chat?user_id=77")).json()
            bot_msg = state["messages"][-1]
            assert bot_msg["nodes"][0] == {"kind": "bold", "attrs": {}, "children": ["Croeso"]}
            assert bot_msg["nodes"][1] == " <script>"  # text node, rendered as text by the page
            assert bot_msg["buttons"] == [[{"text": "Cymraeg", "data": "cy", "url": None}]]
            tap = {"user_id": 77, "message_id": bot_msg["id"], "data": "cy"}
            assert (await client.post("/simulator/api/tap", json=tap,
                                      headers={"Origin": origin})).status == 200  # fmt: skip
            await chat.settle()
            assert chat.last_reply.text == "Diolch"
    assert emulator.violations == []
