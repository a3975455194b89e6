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


async def test_simulator_uploads_a_voice_note_and_a_document_the_bot_can_fetch():
    """The page's Attach: the file becomes the user's voice note / document; the bot sees a
    Voice / Document object, getFile gives its path and the file route its bytes."""
    import base64

    from telegram.ext import MessageHandler, filters

    emulator = BotApiEmulator()
    app = web.Application()
    app.add_subapp("/botapi", emulator.make_app())
    setup_simulator_routes(app, emulator)
    fetched: list[tuple[str, bytes, object]] = []

    async def got(update: Update, context) -> None:
        message = update.message
        item = message.voice or message.document
        file = await context.bot.get_file(item.file_id)
        data = bytes(await file.download_as_bytearray())
        fetched.append((type(item).__name__, data, message.caption))
        await message.reply_text(f"{len(data)} bytes")

    voice, pdf = b"OggS\x00recorded", b"%PDF-1.4 report"
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        emulator.root = str(client.make_url("/botapi")).rstrip("/")
        origin = {"Origin": str(client.make_url("")).rstrip("/")}
        bot_app = ptb_builder(emulator).build()
        bot_app.add_handler(MessageHandler(filters.VOICE | filters.Document.ALL, got))
        async with polling(bot_app):
            chat = emulator.chat(78)
            user = {"user_id": 78, "first_name": "Ann"}
            upload = {**user, "kind": "voice", "mime_type": "audio/ogg", "duration": 4.4,
                      "data": base64.b64encode(voice).decode(), "caption": "my answer"}  # fmt: skip
            refused = await client.post("/simulator/api/upload", json=upload,
                                        headers={"Origin": "http://evil.example"})  # fmt: skip
            assert refused.status == 403
            assert (await client.post("/simulator/api/upload", json=upload, headers=origin)).ok
            await chat.settle()
            encoded = base64.b64encode(pdf).decode()
            document = {**user, "kind": "document", "mime_type": "application/pdf",
                        "file_name": "report.pdf", "data": encoded}  # fmt: skip
            assert (await client.post("/simulator/api/upload", json=document, headers=origin)).ok
            await chat.settle()
            bad = {**user, "kind": "sticker", "data": "AAAA"}
            assert (
                await client.post("/simulator/api/upload", json=bad, headers=origin)
            ).status == 400
            state = await (await client.get("/simulator/api/chat?user_id=78")).json()
    assert fetched == [("Voice", voice, "my answer"), ("Document", pdf, None)]
    assert [m["text"] for m in state["messages"] if m["from"] == "bot"] == [
        f"{len(voice)} bytes",
        f"{len(pdf)} bytes",
    ]
    assert emulator.violations == []


async def test_simulator_shows_the_text_a_tap_was_answered_with():
    """answerCallbackQuery's text is a toast in Telegram's apps; the page gets it with the chat
    (an answer without text is not one)."""
    emulator = BotApiEmulator()
    app = web.Application()
    app.add_subapp("/botapi", emulator.make_app())
    setup_simulator_routes(app, emulator)

    async def start(update: Update, context) -> None:
        kb = InlineKeyboardMarkup([[InlineKeyboardButton("Ie", callback_data="yes")]])
        await update.message.reply_text("Barod?", reply_markup=kb)

    async def tapped(update: Update, context) -> None:
        first = not context.user_data.get("seen")
        context.user_data["seen"] = True
        await update.callback_query.answer(None if first else "Wedi'i nodi eisoes")

    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        emulator.root = str(client.make_url("/botapi")).rstrip("/")
        bot_app = ptb_builder(emulator).build()
        bot_app.add_handler(CommandHandler("start", start))
        bot_app.add_handler(CallbackQueryHandler(tapped))
        async with polling(bot_app):
            chat = emulator.chat(79)
            await chat.send("/start")
            for _ in range(2):
                await chat.tap("Ie")
            state = await (await client.get("/simulator/api/chat?user_id=79")).json()
    assert state["toasts"] == [{"text": "Wedi'i nodi eisoes", "alert": False}]
    assert emulator.violations == []
