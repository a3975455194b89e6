# ruff: noqa: ASYNC109  -- the timeout= parameters are the test-facing API (wait_reply(timeout=5))
"""A local Telegram Bot API: the real PTB Application talks HTTP to it as it would to Telegram.

It is deliberately as strict as Telegram: every request is checked against the Bot API spec
(``SpecChecker``) and refused with 400 like Telegram would, and the violation is recorded in
``violations`` so tests can assert it stays empty. It also reproduces the behaviours a bot must
survive: "message is not modified", 409 on getUpdates during a webhook, flood 429s with retry_after,
blocked users (403), injected faults, latency and webhook retries.

Mount ``make_app()`` anywhere (a sub-app at ``/botapi`` in local mode, or a ``TestServer`` in tests)
and point PTB at it:
``ApplicationBuilder().base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from bot.sandbox.faults import DROP, GARBLED, TIMEOUT, TIMEOUT_AFTER, FaultInjector
from bot.sandbox.flood import FloodControl
from bot.sandbox.spec import SpecChecker, UploadedFile, Violation
from bot.sandbox.tghtml import HtmlParseError, ParsedText, parse_html, plain
from bot.sandbox.users import BotMessage, Chat, SentDocument, buttons_of
from bot.sandbox.webhook import WebhookAttempt, WebhookConfig, WebhookDelivery

DEFAULT_TOKEN = "123456789:emulator-local-token"  # noqa: S105 (fake)
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_DEFAULT_ALLOWED = {"chat_member", "message_reaction", "message_reaction_count"}
_WEBHOOK_PORTS = {80, 88, 443, 8443}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_MISSING_TEXT = {404: "Not Found", 501: "Not Implemented", 500: "Internal Server Error"}
#: requests that say nothing about whether the bot reacted to a user's update
_NOT_REACTIONS = {"sendChatAction", "getUpdates", "getMe", "getWebhookInfo"}


class ApiError(Exception):
    """An error answer: HTTP status = error_code, as Telegram (and PTB's mapping) expects."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Call:
    """One request the bot made, as decoded; ``status`` is the HTTP status it got."""

    method: str
    params: dict[str, Any]
    chat_id: int | str | None
    time: float
    status: int = 0


@dataclass
class ChatActivity:
    """What the bot is doing about one chat; the basis of ``settle``."""

    in_flight: int = 0
    reactions: int = 0
    outputs: int = 0  # sends/edits/deletes of messages
    last_end: float = 0.0


@dataclass
class StoredMessage:
    """A message in a chat: the Telegram JSON plus what the views need."""

    chat_id: int
    message_id: int
    from_bot: bool
    message: dict[str, Any]
    raw_text: str = ""
    parse_mode: str | None = None
    parsed: ParsedText = field(default_factory=lambda: plain(""))
    reply_markup: dict[str, Any] | None = None
    document: SentDocument | None = None
    edits: int = 0
    deleted: bool = False

    def view(self) -> BotMessage:
        return BotMessage(
            message_id=self.message_id,
            text=self.parsed.text,
            raw_text=self.raw_text,
            parse_mode=self.parse_mode,
            entities=list(self.parsed.entities),
            buttons=buttons_of(self.reply_markup),
            document=self.document,
            edits=self.edits,
        )


class BotApiEmulator:
    """The emulated Bot API for one bot, plus a users' side (``chat()``) for tests and simulator."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "dgu_local_bot",
        bot_first_name: str = "DGU Bot",
        spec: SpecChecker | str | Path | None = None,
        latency: float = 0.0,
        flood: bool | FloodControl = False,
        quiet: float = 0.1,
        webhook_concurrency: int = 1,
        webhook_retries: int = 3,
        webhook_backoff: float = 0.05,
        fault_timeout: float = 30.0,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.spec = spec if isinstance(spec, SpecChecker) else SpecChecker(spec)
        self.latency = latency
        self.flood: FloodControl | None = (
            flood if isinstance(flood, FloodControl) else FloodControl() if flood else None
        )
        self.quiet = quiet
        self.faults = FaultInjector(timeout_seconds=fault_timeout)
        self.root: str | None = None  # set by whoever serves make_app(); used for URLs
        self.calls: list[Call] = []
        self.violations: list[str] = []
        #: every request refused with 400 as Telegram would (spec violations, "message is not
        #: modified", an empty text, an unknown message...): what a correct bot never causes
        self.refused: list[str] = []
        self.unsupported: list[str] = []
        self.documents: list[SentDocument] = []
        self.webhook: WebhookConfig | None = None
        self.webhook_attempts: list[WebhookAttempt] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        #: methods this server pretends not to have (or to fail): method -> HTTP status;
        #: see ``lacks``
        self.missing: dict[str, int] = {}
        #: awaited at the end of ``settle`` with the time left; a test harness that can see the
        #: bot's process adds "the bot has nothing queued or in progress" here (quiet alone is a
        #: guess on a loaded machine)
        self.settle_hooks: list[Callable[[float], Awaitable[None]]] = []
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.descriptions: dict[str, str] = {}
        self._delivery = WebhookDelivery(
            self, webhook_concurrency, webhook_retries, webhook_backoff
        )
        self._updates: list[dict[str, Any]] = []
        self._update_users: dict[int, int | None] = {}
        self._update_ids = itertools.count(1)
        self._handed: dict[int, tuple[float, int]] = {}
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._chats: dict[int, Chat] = {}
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callbacks: dict[str, int] = {}
        self._answered: set[str] = set()
        self._activity: dict[int | str, ChatActivity] = {}
        self._blocked: set[int] = set()
        self._changed: asyncio.Event | None = None
        self._file_ids = itertools.count(1)
        #: files users sent (voice notes, documents, photos…): file_id -> (file_path, bytes)
        self.user_files: dict[str, tuple[str, bytes]] = {}

    # -- URLs and serving -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token."""
        return f"{self._root()}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self._root()}/file/bot"

    def _root(self) -> str:
        if self.root is None:
            raise RuntimeError("emulator.root is not set; serve make_app() and set root first")
        return self.root.rstrip("/")

    def make_app(self) -> web.Application:
        """The aiohttp app; routes ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", r"/bot{token}/{method}", self._handle)
        app.router.add_get(r"/file/bot{token}/{path:.+}", self._file)
        app.on_cleanup.append(lambda _app: self.close())
        return app

    async def close(self) -> None:
        """Stop webhook delivery and release long polls."""
        await self._delivery.stop()
        self._poll_generation += 1
        self.notify()

    # -- users' side ------------------------------------------------------------------------
    def chat(
        self,
        user_id: int,
        first_name: str = "Ann",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> Chat:
        """The private chat with this user (created on first use; same object afterwards)."""
        if user_id not in self._chats:
            self._chats[user_id] = Chat(
                self, user_id, first_name, last_name, username, language_code
            )
            self._messages[user_id] = {}
            self._message_ids[user_id] = itertools.count(1)
        return self._chats[user_id]

    @property
    def chats(self) -> list[Chat]:
        return list(self._chats.values())

    def lacks(self, method: str, status: int = 404) -> None:
        """Behave like a Bot API server without ``method``: 404 Not Found as Telegram
        answers an unknown method (or 500/501 as some servers do) on every call."""
        self.missing[method] = status

    def blocked_by(self, user_id: int) -> None:
        """The user blocks the bot: sends to them answer 403 from now on."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def reset_calls(self) -> None:
        self.calls.clear()

    def stored_messages(self, chat_id: int) -> list[StoredMessage]:
        messages = self._messages.get(chat_id, {})
        return [m for _, m in sorted(messages.items()) if not m.deleted]

    def new_user_message(self, chat: Chat, content: dict[str, Any]) -> dict[str, Any]:
        message_id = next(self._message_ids[chat.user_id])
        message = {
            "message_id": message_id,
            "from": chat.user,
            "chat": chat.chat_json,
            "date": int(time.time()),
            **content,
        }
        text = content.get("text") or content.get("caption") or _describe_media(content)
        self._messages[chat.user_id][message_id] = StoredMessage(
            chat.user_id, message_id, False, message, text, None, plain(text)
        )
        return message

    def edit_user_message(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None or stored.from_bot or "text" not in stored.message:
            raise LookupError(f"user message {message_id} with text not found in chat {chat_id}")
        stored.message = {**stored.message, "text": text, "edit_date": int(time.time())}
        stored.message.pop("entities", None)
        stored.raw_text, stored.parsed, stored.edits = text, plain(text), stored.edits + 1
        return stored.message

    def upload(self, folder: str, data: bytes, suffix: str = "") -> dict[str, Any]:
        """Keep a file a user sends, as Telegram does: returns its file_id, file_unique_id and
        file_size for the Voice/Document/PhotoSize object; getFile and the file route serve it."""
        n = next(self._file_ids)
        file_id = f"{folder[:4].upper()}U{n:08d}"
        self.user_files[file_id] = (f"{folder}/file_{n}{suffix}", data)
        return {"file_id": file_id, "file_unique_id": f"AgU{n:08d}", "file_size": len(data)}

    def register_callback(self, query_id: str, chat_id: int) -> None:
        self._callbacks[query_id] = chat_id

    def continue_update_ids(self, last_handled: int) -> None:
        """Hand out update ids above `last_handled` from now on. Telegram's ids only grow, across
        restarts too; a bot that remembers the ids it handled (processed_update) takes an id it
        saw before for a redelivery and answers nothing, so local mode restarted on the same
        database continues after the last id the bot recorded (bot/app.py)."""
        self._update_ids = itertools.count(max(last_handled + 1, next(self._update_ids)))

    def push_update(self, content: dict[str, Any], user_id: int | None = None) -> int:
        """Queue an update (``content`` = {"message": ...} etc.); returns its update_id."""
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **content})
        self._update_users[update_id] = user_id
        self.notify()
        if self.webhook is not None:
            self._delivery.start()
        return update_id

    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def update_user(self, update_id: int) -> int | None:
        return self._update_users.get(update_id)

    def mark_handed(self, update_id: int) -> None:
        if update_id not in self._handed:
            user = self._update_users.get(update_id)
            reactions = self.activity(user).reactions if user is not None else 0
            self._handed[update_id] = (time.monotonic(), reactions)

    def confirm_update(self, update_id: int) -> None:
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        self.notify()

    def activity(self, chat_id: int | str) -> ChatActivity:
        return self._activity.setdefault(chat_id, ChatActivity())

    # -- waiting ----------------------------------------------------------------------------
    def notify(self) -> None:
        event, self._changed = self._changed, None
        if event is not None:
            event.set()

    @property
    def poll_generation(self) -> int:
        """Bumped by every getUpdates received (each ends the long poll before it), by
        setWebhook and by close: a test waits for it to know a long poll is being held."""
        return self._poll_generation

    async def wait_change(self, timeout: float) -> None:
        if self._changed is None:
            self._changed = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    @staticmethod
    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def _until(self, predicate: Any, deadline: float, what: str) -> None:
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(what)
            await asyncio.sleep(0.005)

    async def settle(
        self,
        update_id: int | None,
        chat_id: int,
        *,
        require_reaction: bool = True,
        timeout: float = 5.0,
    ) -> None:
        """Wait until the bot has handled an update; the rule is documented in ``users``."""
        deadline = time.monotonic() + timeout
        act = self.activity(chat_id)
        pending_ids = {
            u["update_id"]
            for u in self._updates
            if self._update_users.get(u["update_id"]) == chat_id
        }
        if update_id is not None:
            await self._until(
                lambda: update_id in self._handed,
                deadline,
                f"update {update_id} was not fetched by the bot within {timeout}s "
                "(is it polling, or is a webhook set?)",
            )
            if require_reaction:
                before = self._handed[update_id][1]
                await self._until(
                    lambda: act.reactions > before,
                    deadline,
                    f"the bot did not react to update {update_id} in chat {chat_id} "
                    f"within {timeout}s; calls so far: {self._recent_calls(chat_id)}",
                )
            pending_ids.add(update_id)

        def quiet() -> bool:
            if any(u["update_id"] in pending_ids for u in self._updates):
                return False
            last = max([act.last_end] + [self._handed.get(i, (0.0, 0))[0] for i in pending_ids])
            return act.in_flight == 0 and time.monotonic() - last >= self.quiet

        await self._until(quiet, deadline, f"chat {chat_id} did not become quiet in {timeout}s")
        for hook in list(self.settle_hooks):
            await hook(max(0.5, deadline - time.monotonic()))

    async def wait_for_bot_output(self, chat_id: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        act = self.activity(chat_id)
        before = act.outputs
        await self._until(
            lambda: act.outputs > before, deadline, f"no bot message in chat {chat_id}"
        )
        await self._until(
            lambda: act.in_flight == 0 and time.monotonic() - act.last_end >= self.quiet,
            deadline,
            f"chat {chat_id} did not become quiet",
        )

    def _recent_calls(self, chat_id: int) -> list[str]:
        return [c.method for c in self.calls if c.chat_id == chat_id][-5:]

    # -- HTTP -------------------------------------------------------------------------------
    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], bool]:
        """Parameters and whether they are form-encoded (strings needing spec-guided decoding)."""
        params: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return params, True
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            return {**params, **body}, False
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                    continue
                data = await part.read()
                if part.filename is not None:
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    params[part.name] = UploadedFile(part.filename, content_type, bytes(data))
                else:
                    params[part.name] = data.decode("utf-8")
            return params, True
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params, True

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if self.latency:
            await asyncio.sleep(self.latency)
        token = request.match_info["token"]
        if token != self.token:
            if _TOKEN_RE.fullmatch(token):
                return _error(ApiError(401, "Unauthorized"))
            return _error(ApiError(404, "Not Found"))
        try:
            raw, form = await self._read_params(request)
        except (ValueError, json.JSONDecodeError):
            return _error(ApiError(400, "Bad Request: can't parse request body"))
        result = self.spec.decode(method, raw, form=form)
        params = result.params
        chat_id = self._chat_of(params)
        call = Call(result.method, params, chat_id, time.monotonic())
        self.calls.append(call)
        act = self.activity(chat_id) if chat_id is not None else None
        if act is not None:
            act.in_flight += 1
            if result.method not in _NOT_REACTIONS:
                act.reactions += 1
        try:
            response = await self._answer(request, result.method, params, result, chat_id)
            call.status = response.status if response is not None else 0
            return response if response is not None else web.Response(status=204)
        finally:
            if act is not None:
                act.in_flight -= 1
                act.last_end = time.monotonic()
            self.notify()

    async def _answer(
        self,
        request: web.Request,
        method: str,
        params: dict[str, Any],
        checked: Any,
        chat_id: int | str | None,
    ) -> web.StreamResponse | None:
        fault = self.faults.take(method, chat_id)
        if fault is not None and fault.kind not in (TIMEOUT_AFTER, GARBLED):
            return await self._apply_fault(request, fault)
        try:
            if method in self.missing:
                status = self.missing[method]
                raise ApiError(status, _MISSING_TEXT.get(status, "Internal Server Error"))
            if not checked.known_method:
                self._violate(checked.violations)
                raise ApiError(404, "Not Found: method not found")
            if checked.violations:
                self._violate(checked.violations)
                raise ApiError(400, "Bad Request: " + _telegram_text(checked.violations[0]))
            if self.flood is not None and (wait := self.flood.check(method, chat_id)):
                raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
            if isinstance(chat_id, int) and chat_id in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                self.unsupported.append(method)
                raise ApiError(501, f"Not Implemented: the emulator has no {method}")
            result = await handler(params) if method == "getUpdates" else handler(params)
        except ApiError as exc:
            if exc.code == 400:
                self.refused.append(f"{method}: {exc.description}")
            return _error(exc)
        if fault is not None and fault.kind == GARBLED:  # done, but the answer is unreadable
            return web.Response(status=200, text="<html>502 Bad Gateway</html>")
        if fault is not None:
            await asyncio.sleep(self.faults.timeout_seconds)
        return web.json_response({"ok": True, "result": result})

    async def _apply_fault(self, request: web.Request, fault: Any) -> web.StreamResponse | None:
        if fault.kind == TIMEOUT:
            await asyncio.sleep(self.faults.timeout_seconds)
            return _error(ApiError(500, "Internal Server Error: timed out"))
        if fault.kind == DROP:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        status = fault.status or 500
        if status == 429:
            retry = fault.retry_after or 1
            return _error(
                ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
            )
        text = fault.description or {
            400: "Bad Request: injected",
            403: "Forbidden: bot was blocked by the user",
            409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }.get(status, "Injected error")
        return _error(ApiError(status, text))

    def _violate(self, violations: list[Violation]) -> None:
        self.violations.extend(str(v) for v in violations)

    def _chat_of(self, params: dict[str, Any]) -> int | str | None:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, (int, str)) and not isinstance(chat_id, bool):
            return chat_id
        query = params.get("callback_query_id")
        if isinstance(query, str):
            return self._callbacks.get(query)
        return None

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        path = request.match_info["path"]
        for file_path, data in self.user_files.values():
            if file_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        for doc in self.documents:
            if f"documents/{doc.file_id}" == path:
                return web.Response(body=doc.data, content_type=doc.mime_type)
        return _error(ApiError(404, "Not Found"))

    # -- messages helpers -------------------------------------------------------------------
    def _private_chat(self, chat_id: Any) -> Chat:
        if isinstance(chat_id, int) and chat_id in self._chats:
            return self._chats[chat_id]
        raise ApiError(400, "Bad Request: chat not found")

    def _parse(self, text: str, params: dict[str, Any], mode_key: str = "parse_mode") -> ParsedText:
        mode = params.get(mode_key)
        if mode == "HTML":
            try:
                parsed = parse_html(text)
            except HtmlParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        else:
            parsed = plain(text)
            entities = params.get("entities") or params.get("caption_entities")
            if entities:
                parsed.entities = list(entities)
        if not parsed.text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        return parsed

    def _store_bot_message(
        self,
        chat: Chat,
        content: dict[str, Any],
        params: dict[str, Any],
        parsed: ParsedText,
        raw: str,
    ) -> StoredMessage:
        markup = _inline_markup(params.get("reply_markup"))
        message_id = next(self._message_ids[chat.user_id])
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": chat.chat_json,
            "date": int(time.time()),
            **content,
        }
        if markup:
            message["reply_markup"] = markup
        stored = StoredMessage(
            chat.user_id, message_id, True, message, raw, params.get("parse_mode"), parsed, markup
        )
        self._messages[chat.user_id][message_id] = stored
        self.activity(chat.user_id).outputs += 1
        return stored

    def _find_bot_message(self, params: dict[str, Any], action: str) -> StoredMessage:
        if params.get("inline_message_id") is not None:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._private_chat(params.get("chat_id"))
        stored = self._messages[chat.user_id].get(params.get("message_id", -1))
        if stored is None or stored.deleted:
            raise ApiError(400, f"Bad Request: message to {action} not found")
        if not stored.from_bot and action != "delete":
            raise ApiError(400, "Bad Request: message can't be edited")
        return stored

    # -- methods ----------------------------------------------------------------------------
    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset") or 0
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        if params.get("allowed_updates") is not None:
            self._allowed_updates = params["allowed_updates"]
        self._poll_generation += 1
        generation = self._poll_generation
        self.notify()
        deadline = time.monotonic() + max(0, params.get("timeout") or 0)
        while not self._updates and time.monotonic() < deadline:
            await self.wait_change(deadline - time.monotonic())
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
        self._drop_unwanted()
        batch = self._updates[: params.get("limit") or 100]
        for update in batch:
            self.mark_handed(update["update_id"])
        return batch

    def _drop_unwanted(self) -> None:
        allowed = self._allowed_updates
        keep = []
        for update in self._updates:
            kind = next(k for k in update if k != "update_id")
            wanted = kind in allowed if allowed else kind not in _DEFAULT_ALLOWED
            if wanted:
                keep.append(update)
        self._updates = keep

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url = params["url"]
        if not url:
            return self._m_deleteWebhook(params)
        parts = urlsplit(url)
        if parts.hostname not in _LOOPBACK:
            if parts.scheme != "https":
                raise ApiError(
                    400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
                )
            if (parts.port or 443) not in _WEBHOOK_PORTS:
                raise ApiError(
                    400,
                    "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 "
                    "or 8443",
                )
        elif parts.scheme not in ("http", "https"):
            raise ApiError(400, "Bad Request: bad webhook: Wrong URL scheme")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = WebhookConfig(
            url, secret, params.get("max_connections") or 40, params.get("allowed_updates")
        )
        self._poll_generation += 1
        self._delivery.start()
        self.notify()
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.notify()
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = self.webhook.allowed_updates
            if self.webhook.last_error_date:
                info["last_error_date"] = self.webhook.last_error_date
                info["last_error_message"] = self.webhook.last_error_message
        return info

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat = self._private_chat(params["chat_id"])
        parsed = self._parse(params["text"], params)
        content: dict[str, Any] = {"text": parsed.text}
        if parsed.entities:
            content["entities"] = parsed.entities
        return self._store_bot_message(chat, content, params, parsed, params["text"]).message

    def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        stored = self._find_bot_message(params, "edit")
        if "text" not in stored.message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if params.get("text") is None:
            raise ApiError(400, "Bad Request: rich messages are not emulated")
        parsed = self._parse(params["text"], params)
        markup = _inline_markup(params.get("reply_markup"))
        same_text = parsed.text == stored.parsed.text and parsed.entities == stored.parsed.entities
        if same_text and markup == stored.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        message = {**stored.message, "text": parsed.text, "edit_date": int(time.time())}
        message.pop("entities", None)
        message.pop("reply_markup", None)
        if parsed.entities:
            message["entities"] = parsed.entities
        if markup:
            message["reply_markup"] = markup
        stored.message, stored.parsed, stored.reply_markup = message, parsed, markup
        stored.raw_text, stored.parse_mode = params["text"], params.get("parse_mode")
        stored.edits += 1
        self.activity(stored.chat_id).outputs += 1
        return message

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        stored = self._find_bot_message(params, "edit")
        markup = _inline_markup(params.get("reply_markup"))
        if markup == stored.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        message = {**stored.message, "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        stored.message, stored.reply_markup = message, markup
        stored.edits += 1
        self.activity(stored.chat_id).outputs += 1
        return message

    def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        stored = self._find_bot_message(params, "delete")
        stored.deleted = True
        self.activity(stored.chat_id).outputs += 1
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = params["callback_query_id"]
        chat_id = self._callbacks.get(query_id)
        if chat_id is None or query_id in self._answered:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._answered.add(query_id)
        answer = {k: v for k, v in params.items() if v is not None}
        self._chats[chat_id].answered_callbacks.append(answer)
        return True

    def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        self._private_chat(params["chat_id"])
        return True

    def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        chat = self._private_chat(params["chat_id"])
        document = params["document"]
        if isinstance(document, str):
            known = [d for d in self.documents if d.file_id == document]
            if not known:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            upload = UploadedFile(known[0].file_name, known[0].mime_type, known[0].data)
        else:
            upload = document
        file_id = f"BQAD{next(self._file_ids):08d}"
        content: dict[str, Any] = {
            "document": {
                "file_id": file_id,
                "file_unique_id": f"AgAD{file_id[4:]}",
                "file_name": upload.filename,
                "mime_type": upload.content_type,
                "file_size": len(upload.data),
            }
        }
        caption = params.get("caption")
        parsed = plain("")
        if caption:
            parsed = self._parse(caption, params)
            content["caption"] = parsed.text
            if parsed.entities:
                content["caption_entities"] = parsed.entities
        stored = self._store_bot_message(chat, content, params, parsed, caption or "")
        sent = SentDocument(
            file_id, chat.user_id, stored.message_id, upload.filename, upload.content_type,
            upload.data, caption,
        )  # fmt: skip
        stored.document = sent
        self.documents.append(sent)
        return stored.message

    def _m_getFile(self, params: dict[str, Any]) -> Any:
        if params["file_id"] in self.user_files:
            file_path, data = self.user_files[params["file_id"]]
            if len(data) > 20 * 1024 * 1024:  # bots can download files of up to 20 MB
                raise ApiError(400, "Bad Request: file is too big")
            return {
                "file_id": params["file_id"],
                "file_unique_id": f"AgU{params['file_id'][-8:]}",
                "file_size": len(data),
                "file_path": file_path,
            }
        for doc in self.documents:
            if doc.file_id == params["file_id"]:
                return {
                    "file_id": doc.file_id,
                    "file_unique_id": f"AgAD{doc.file_id[4:]}",
                    "file_size": len(doc.data),
                    "file_path": f"documents/{doc.file_id}",
                }
        raise ApiError(400, "Bad Request: invalid file_id")

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True) + "|" + (params.get("language_code") or "")

    def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands[self._scope_key(params)] = list(params["commands"])
        return True

    def _m_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(self._scope_key(params), [])

    def _m_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _m_setChatMenuButton(self, params: dict[str, Any]) -> Any:
        self.menu_buttons[params.get("chat_id")] = params.get("menu_button") or {"type": "default"}
        return True

    def _m_getChatMenuButton(self, params: dict[str, Any]) -> Any:
        return self.menu_buttons.get(params.get("chat_id"), {"type": "commands"})

    def _m_setMyDescription(self, params: dict[str, Any]) -> Any:
        self.descriptions["description|" + (params.get("language_code") or "")] = (
            params.get("description") or ""
        )
        return True

    def _m_setMyShortDescription(self, params: dict[str, Any]) -> Any:
        self.descriptions["short|" + (params.get("language_code") or "")] = (
            params.get("short_description") or ""
        )
        return True

    def _m_setMyName(self, params: dict[str, Any]) -> Any:
        return True

    def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    def _m_logOut(self, params: dict[str, Any]) -> Any:
        return True


#: Telegram's limits on an inline keyboard (not in the spec's text): buttons in a row, in all
MAX_ROW_BUTTONS = 8
MAX_BUTTONS = 100


def _inline_markup(markup: Any) -> dict[str, Any] | None:
    """Only inline keyboards stay attached to a message; an empty one is the same as none.
    A keyboard over Telegram's limits is refused, as Telegram does."""
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        rows = markup["inline_keyboard"]
        if any(len(row) > MAX_ROW_BUTTONS for row in rows):
            raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID: too many buttons in a row")
        if sum(len(row) for row in rows) > MAX_BUTTONS:
            raise ApiError(400, "Bad Request: reply markup is too long")
        return markup
    return None


def _describe_media(content: dict[str, Any]) -> str:
    for kind in (
        "sticker", "photo", "voice", "audio", "video_note", "location", "contact", "document"
    ):  # fmt: skip
        if kind in content:
            return f"[{kind}]"
    return ""


def _telegram_text(violation: Violation) -> str:
    return violation.telegram or str(violation)


def _error(exc: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.parameters:
        body["parameters"] = exc.parameters
    return web.json_response(body, status=exc.code)
