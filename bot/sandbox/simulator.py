"""The browser simulator: a phone-like chat page that talks to the bot through the emulator.

Local mode listens on 127.0.0.1, so the page's POST endpoints still guard against other sites
(CSRF) and DNS rebinding: they accept only JSON bodies, an ``Origin`` equal to the page's own
origin, and a loopback ``Host``. Bot messages reach the browser as a parsed node tree, never as
raw HTML, and the page builds DOM nodes from an allow-list.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.sandbox.emulator import BotApiEmulator, StoredMessage
from bot.sandbox.users import Chat

EMULATOR_KEY = web.AppKey("sandbox_emulator", BotApiEmulator)
_PAGE = Path(__file__).with_name("templates") / "simulator.html"
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


def setup_simulator_routes(app: web.Application, emulator: BotApiEmulator) -> None:
    """Add ``/simulator`` and its JSON API (``/simulator/api/...``) to the main app."""
    app[EMULATOR_KEY] = emulator
    app.router.add_get("/simulator", _page)
    app.router.add_get("/simulator/api/chat", _chat_state)
    app.router.add_post("/simulator/api/send", _send)
    app.router.add_post("/simulator/api/tap", _tap)
    app.router.add_post("/simulator/api/edit", _edit)
    app.router.add_post("/simulator/api/upload", _upload)
    app.router.add_get("/simulator/api/document/{file_id}", _document)


def _check_host(request: web.Request) -> None:
    host = (
        (request.host or "").rsplit(":", 1)[0]
        if not request.host.startswith("[")
        else (request.host.split("]")[0] + "]")
    )
    if host not in _LOOPBACK_HOSTS:
        raise web.HTTPForbidden(text="the simulator answers on loopback addresses only")


async def _json_body(request: web.Request) -> dict[str, Any]:
    """CSRF guard: same-origin JSON only (a cross-site form can send neither)."""
    _check_host(request)
    origin = request.headers.get("Origin")
    if origin != f"{request.scheme}://{request.host}":
        raise web.HTTPForbidden(text="cross-origin request refused")
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON")
    body = await request.json()
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


def _chat_for(request: web.Request, body: dict[str, Any]) -> Chat:
    try:
        user_id = int(body["user_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise web.HTTPBadRequest(text="user_id must be a number") from exc
    emulator = request.app[EMULATOR_KEY]
    chat = emulator.chat(user_id, str(body.get("first_name") or "Ann")[:64])
    if body.get("first_name"):
        chat.first_name = str(body["first_name"])[:64]
    if body.get("language_code"):
        chat.language_code = str(body["language_code"])[:8]
    return chat


async def _page(request: web.Request) -> web.Response:
    _check_host(request)
    return web.Response(
        text=_PAGE.read_text(encoding="utf-8"),
        content_type="text/html",
        headers={
            "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
            "style-src 'unsafe-inline'; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _message_json(stored: StoredMessage) -> dict[str, Any]:
    view = stored.view()
    out: dict[str, Any] = {
        "id": stored.message_id,
        "from": "bot" if stored.from_bot else "user",
        "text": view.text,
        "nodes": [n if isinstance(n, str) else n.to_json() for n in stored.parsed.nodes],
        "buttons": [
            [{"text": str(b), "data": b.callback_data, "url": b.url} for b in row]
            for row in view.buttons
        ],
        "edited": stored.edits > 0,
        "editable": not stored.from_bot and "text" in stored.message,
    }
    if stored.document is not None:
        out["document"] = {
            "name": stored.document.file_name,
            "url": f"/simulator/api/document/{stored.document.file_id}",
            "size": len(stored.document.data),
        }
    return out


async def _chat_state(request: web.Request) -> web.Response:
    _check_host(request)
    emulator = request.app[EMULATOR_KEY]
    try:
        user_id = int(request.query.get("user_id", ""))
    except ValueError as exc:
        raise web.HTTPBadRequest(text="user_id must be a number") from exc
    messages = [_message_json(m) for m in emulator.stored_messages(user_id)]
    # the texts the bot showed with answerCallbackQuery: Telegram shows them as a toast (or an
    # alert) over the chat, so the page shows them too; without them a tap looks unanswered
    chat = next((c for c in emulator.chats if c.user_id == user_id), None)
    toasts = [
        {"text": str(a["text"]), "alert": bool(a.get("show_alert"))}
        for a in (chat.answered_callbacks if chat else [])
        if a.get("text")
    ]
    return web.json_response(
        {"messages": messages, "toasts": toasts, "violations": emulator.violations[-5:]}
    )


async def _send(request: web.Request) -> web.Response:
    body = await _json_body(request)
    chat = _chat_for(request, body)
    text = str(body.get("text") or "").strip()
    if not text:
        raise web.HTTPBadRequest(text="empty message")
    message_id = await chat.send(text[:4096], wait=False)
    return web.json_response({"ok": True, "message_id": message_id})


async def _tap(request: web.Request) -> web.Response:
    body = await _json_body(request)
    chat = _chat_for(request, body)
    try:
        await chat.tap(str(body.get("data")), message_id=int(body["message_id"]), wait=False)
    except (LookupError, ValueError, KeyError) as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc
    return web.json_response({"ok": True})


async def _edit(request: web.Request) -> web.Response:
    body = await _json_body(request)
    chat = _chat_for(request, body)
    try:
        await chat.edit(int(body["message_id"]), str(body.get("text") or "")[:4096], wait=False)
    except (LookupError, ValueError, KeyError) as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc
    return web.json_response({"ok": True})


UPLOAD_KINDS = ("voice", "audio", "document", "photo")


async def _upload(request: web.Request) -> web.Response:
    """A file picked (or recorded) in the page, as the user's voice note, audio, photo or
    document: base64 in the same-origin JSON body (so within the app's request size limit)."""
    body = await _json_body(request)
    chat = _chat_for(request, body)
    kind = str(body.get("kind") or "")
    if kind not in UPLOAD_KINDS:
        raise web.HTTPBadRequest(text=f"kind must be one of {', '.join(UPLOAD_KINDS)}")
    try:
        data = base64.b64decode(str(body.get("data") or ""), validate=True)
    except ValueError as exc:
        raise web.HTTPBadRequest(text="data must be base64") from exc
    if not data:
        raise web.HTTPBadRequest(text="empty file")
    name = _safe(str(body.get("file_name") or "file"))[:128]
    mime = str(body.get("mime_type") or "application/octet-stream")[:128]
    caption = str(body.get("caption") or "").strip()[:1024] or None
    try:
        duration = max(1, round(float(body.get("duration") or 1)))
    except (TypeError, ValueError) as exc:
        raise web.HTTPBadRequest(text="duration must be a number of seconds") from exc
    if kind == "voice":
        message_id = await chat.send_voice(duration, data=data, caption=caption, wait=False)
    elif kind == "audio":
        message_id = await chat.send_audio(
            duration, data=data, file_name=name, mime_type=mime, caption=caption, wait=False
        )
    elif kind == "photo":
        message_id = await chat.send_photo(caption, data=data, wait=False)
    else:
        message_id = await chat.send_document(name, data, mime, caption=caption, wait=False)
    return web.json_response({"ok": True, "message_id": message_id})


async def _document(request: web.Request) -> web.Response:
    _check_host(request)
    for doc in request.app[EMULATOR_KEY].documents:
        if doc.file_id == request.match_info["file_id"]:
            return web.Response(
                body=doc.data,
                content_type="application/octet-stream",
                headers={"Content-Disposition": f'attachment; filename="{_safe(doc.file_name)}"'},
            )
    raise web.HTTPNotFound()


def _safe(name: str) -> str:
    return "".join(c for c in name if c.isalnum() or c in "._- ") or "document"
