"""The simulator page drives the bot through the emulator and refuses cross-site requests."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.simulator import setup_simulator_routes
from tests.integration.chatkit import polling, ptb_builder


def _simulator(**options: int) -> tuple[BotApiEmulator, web.Application]:
    """The emulator at /botapi and the simulator pages, in an app with aiohttp's default 1 MB
    request limit."""
    emulator = BotApiEmulator()
    app = web.Application()
    app.add_subapp("/botapi", emulator.make_app())
    setup_simulator_routes(app, emulator, **options)
    return emulator, app


async def test_simulator_round_trip_and_csrf():
    emulator, app = _simulator()

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

    emulator, app = _simulator()
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
    emulator, app = _simulator()

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


def _webm_opus() -> bytes:
    """Opus audio in WebM, what Chromium's MediaRecorder makes (a second of a tone)."""
    import io
    import math

    import av

    out = io.BytesIO()
    with av.open(out, "w", format="webm") as target:
        stream = target.add_stream("libopus", rate=48000, layout="mono")
        samples = [int(8000 * math.sin(2 * math.pi * 440 * n / 48000)) for n in range(48000)]
        pcm = b"".join(s.to_bytes(2, "little", signed=True) for s in samples)
        frame = av.AudioFrame(format="s16", layout="mono", samples=48000)
        frame.planes[0].update(pcm)
        frame.sample_rate = 48000
        for packet in stream.encode(frame):
            target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)
    return out.getvalue()


async def test_simulator_uploads_up_to_the_media_limit_and_voice_notes_as_ogg():
    """Uploads are not held to the app's 1 MB request limit but to a little over the bot's
    media limit (the bot, not the page, refuses a file too large); a WebM/Opus recording from
    the browser reaches the bot as an Ogg/Opus voice note (remuxed, not re-encoded)."""
    import base64

    import av
    from telegram.ext import MessageHandler, filters

    emulator, app = _simulator(upload_max_bytes=3 * 1024 * 1024)  # the app's limit: 1 MB
    fetched: list[tuple[str, bytes]] = []

    async def got(update: Update, context) -> None:
        message = update.message
        item = message.voice or message.document
        file = await context.bot.get_file(item.file_id)
        fetched.append((type(item).__name__, bytes(await file.download_as_bytearray())))
        await message.reply_text("ok")

    webm = _webm_opus()
    assert webm[:4] == b"\x1aE\xdf\xa3"  # EBML: a WebM file
    big = b"%PDF-1.4 " + bytes(2_500_000)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        emulator.root = str(client.make_url("/botapi")).rstrip("/")
        origin = {"Origin": str(client.make_url("")).rstrip("/")}
        bot_app = ptb_builder(emulator).build()
        bot_app.add_handler(MessageHandler(filters.VOICE | filters.Document.ALL, got))
        async with polling(bot_app):
            chat = emulator.chat(79)
            user = {"user_id": 79, "first_name": "Ann"}
            recorded = {**user, "kind": "voice", "mime_type": "audio/webm", "duration": 1,
                        "data": base64.b64encode(webm).decode()}  # fmt: skip
            assert (await client.post("/simulator/api/upload", json=recorded, headers=origin)).ok
            await chat.settle()
            document = {**user, "kind": "document", "mime_type": "application/pdf",
                        "file_name": "big.pdf", "data": base64.b64encode(big).decode()}  # fmt: skip
            assert (await client.post("/simulator/api/upload", json=document, headers=origin)).ok
            await chat.settle()
            huge = {**document, "data": base64.b64encode(bytes(5 * 1024 * 1024)).decode()}
            too_big = await client.post("/simulator/api/upload", json=huge, headers=origin)
            assert too_big.status == 413
            noise = {**recorded, "data": base64.b64encode(b"not audio at all").decode()}
            bad = await client.post("/simulator/api/upload", json=noise, headers=origin)
            assert bad.status == 400 and "Opus" in await bad.text()
    [(kind, ogg), (doc_kind, doc)] = fetched
    assert (kind, doc_kind, doc) == ("Voice", "Document", big)
    assert ogg[:4] == b"OggS" and b"OpusHead" in ogg[:100]
    import io

    with av.open(io.BytesIO(ogg)) as container:
        assert container.streams.audio[0].codec_context.name == "opus"
        frames = sum(f.samples for f in container.decode(audio=0))
    assert 40000 < frames < 60000  # the second of audio, whole
    assert emulator.violations == []
