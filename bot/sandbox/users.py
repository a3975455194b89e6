# ruff: noqa: ASYNC109  -- the timeout= parameters are the test-facing API (wait_reply(timeout=5))
"""The users' side of the emulator: a private chat that sends updates and reads the bot's replies.

Tests read like conversations::

    chat = emulator.chat(1001, first_name="Ann", language_code="cy")
    await chat.send("/start")
    assert chat.last_reply.buttons == [["English", "Cymraeg"]]
    await chat.tap("Cymraeg")

"Waiting until the bot has reacted" (``wait=True``) follows one rule, implemented in
``BotApiEmulator.settle``: the update must have been handed to the bot (returned by getUpdates or
POSTed to the webhook); then the bot must make at least one request about this chat (anything but
sendChatAction); then the update must be confirmed (getUpdates offset moved past it, or the webhook
answered 2xx) and the chat must be quiet: no request for it in flight and none finished within
``emulator.quiet`` seconds (default 0.1). A handler that pauses longer than that between two sends
needs ``await chat.wait_reply()``; a step that should get no answer uses ``expect_no_reply()``.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.sandbox.emulator import BotApiEmulator, StoredMessage

_callback_ids = itertools.count(1)


class Button(str):
    """An inline button: equal to its label (so rows compare to lists of str) plus its payload."""

    callback_data: str | None
    url: str | None

    def __new__(cls, text: str, callback_data: str | None = None, url: str | None = None) -> Button:
        obj = super().__new__(cls, text)
        obj.callback_data = callback_data
        obj.url = url
        return obj

    @property
    def text(self) -> str:
        return str(self)

    def as_tuple(self) -> tuple[str, str | None]:
        return (str(self), self.callback_data if self.callback_data is not None else self.url)


@dataclass
class SentDocument:
    """A file the bot sent with sendDocument: kept whole so tests can read what the bot exported."""

    file_id: str
    chat_id: int | str
    message_id: int
    file_name: str
    mime_type: str
    data: bytes
    caption: str | None = None

    def json(self) -> Any:
        return json.loads(self.data.decode("utf-8"))

    def text(self) -> str:
        return self.data.decode("utf-8")


@dataclass
class BotMessage:
    """The current state of one bot message as the user sees it (after edits)."""

    message_id: int
    text: str  # visible text, after HTML parsing
    raw_text: str  # exactly what the bot sent
    parse_mode: str | None
    entities: list[dict[str, Any]]
    buttons: list[list[Button]]
    document: SentDocument | None = None
    edits: int = 0

    @property
    def button_labels(self) -> list[str]:
        return [str(b) for row in self.buttons for b in row]

    @property
    def keyboard(self) -> list[list[tuple[str, str | None]]]:
        """Rows of (text, callback_data or url)."""
        return [[b.as_tuple() for b in row] for row in self.buttons]


def buttons_of(markup: dict[str, Any] | None) -> list[list[Button]]:
    rows = (markup or {}).get("inline_keyboard") or []
    return [
        [Button(b.get("text", ""), b.get("callback_data"), b.get("url")) for b in row]
        for row in rows
    ]


@dataclass
class Chat:
    """One user's private chat with the bot (chat id = user id, as in Telegram)."""

    emulator: BotApiEmulator
    user_id: int
    first_name: str = "Ann"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    answered_callbacks: list[dict[str, Any]] = field(default_factory=list)
    _pending_callbacks: set[str] = field(default_factory=set)

    # -- identity ---------------------------------------------------------------------------
    @property
    def user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                user[key] = getattr(self, key)
        return user

    @property
    def chat_json(self) -> dict[str, Any]:
        chat: dict[str, Any] = {
            "id": self.user_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    # -- sending ----------------------------------------------------------------------------
    async def send(self, text: str, *, wait: bool = True, timeout: float = 5.0) -> int:
        """Send a text; a leading ``/command`` gets a bot_command entity, as in Telegram."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._send_message(content, wait, timeout)

    async def send_sticker(self, *, wait: bool = True, timeout: float = 5.0) -> int:
        sticker = {
            **self._file("sticker"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return await self._send_message({"sticker": sticker}, wait, timeout)

    async def send_photo(
        self,
        caption: str | None = None,
        *,
        data: bytes = b"\xff\xd8\xff\xe0photo",
        wait: bool = True,
    ) -> int:
        photo = [{**self.emulator.upload("photos", data, ".jpg"), "width": 90, "height": 90}]
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
        return await self._send_message(content, wait, 5.0)

    async def send_voice(
        self,
        duration: int = 3,
        *,
        data: bytes = b"OggS voice",
        caption: str | None = None,
        wait: bool = True,
    ) -> int:
        """A voice note: the file is kept by the emulator, so the bot can getFile it."""
        voice = {**self.emulator.upload("voice", data, ".oga"), "duration": duration}
        voice["mime_type"] = "audio/ogg"
        content: dict[str, Any] = {"voice": voice}
        if caption:
            content["caption"] = caption
        return await self._send_message(content, wait, 5.0)

    async def send_audio(
        self,
        duration: int = 3,
        *,
        data: bytes = b"ID3 audio",
        file_name: str = "recording.mp3",
        mime_type: str = "audio/mpeg",
        caption: str | None = None,
        wait: bool = True,
    ) -> int:
        """An audio file (music player style), as Telegram sends one picked from the phone."""
        suffix = "." + file_name.rsplit(".", 1)[1] if "." in file_name else ""
        audio = {**self.emulator.upload("music", data, suffix), "duration": duration}
        audio["file_name"], audio["mime_type"] = file_name, mime_type
        content: dict[str, Any] = {"audio": audio}
        if caption:
            content["caption"] = caption
        return await self._send_message(content, wait, 5.0)

    async def send_video_note(
        self, duration: int = 3, *, data: bytes = b"\x00\x00\x00\x18ftypmp42", wait: bool = True
    ) -> int:
        note = {**self.emulator.upload("video_notes", data, ".mp4"), "duration": duration}
        note["length"] = 240
        return await self._send_message({"video_note": note}, wait, 5.0)

    async def send_location(
        self, latitude: float = 51.48, longitude: float = -3.18, *, wait: bool = True
    ) -> int:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._send_message({"location": location}, wait, 5.0)

    async def send_contact(self, phone_number: str = "+447700900123", *, wait: bool = True) -> int:
        contact: dict[str, object] = {"phone_number": phone_number, "first_name": self.first_name}
        contact["user_id"] = self.user_id
        return await self._send_message({"contact": contact}, wait, 5.0)

    async def send_document(
        self,
        file_name: str = "notes.txt",
        data: bytes = b"hello",
        mime_type: str = "text/plain",
        *,
        caption: str | None = None,
        wait: bool = True,
    ) -> int:
        suffix = "." + file_name.rsplit(".", 1)[1] if "." in file_name else ""
        document = {**self.emulator.upload("documents", data, suffix), "file_name": file_name}
        document["mime_type"] = mime_type
        content: dict[str, Any] = {"document": document}
        if caption:
            content["caption"] = caption
        return await self._send_message(content, wait, 5.0)

    async def edit(self, message_id: int, new_text: str, *, wait: bool = True) -> None:
        """Edit one of the user's own messages: the bot gets an ``edited_message`` update."""
        message = self.emulator.edit_user_message(self.user_id, message_id, new_text)
        update_id = self.emulator.push_update({"edited_message": message}, self.user_id)
        if wait:
            await self.emulator.settle(update_id, self.user_id, require_reaction=True)

    async def tap(
        self,
        label_or_data: str,
        *,
        message_id: int | None = None,
        wait: bool = True,
        timeout: float = 5.0,
    ) -> str:
        """Press an inline button (label or callback_data) on the newest bot message having it."""
        stored, button = self._find_button(label_or_data, message_id)
        return await self._press(stored.message, button, wait, timeout)

    def snapshot(self, message_id: int) -> dict[str, Any]:
        """A bot message as the phone shows it now, for ``tap_snapshot`` later."""
        for stored in self.emulator.stored_messages(self.user_id):
            if stored.from_bot and stored.message_id == message_id:
                return copy.deepcopy(stored.message)
        raise LookupError(f"no bot message {message_id} in chat {self.user_id}")

    async def tap_snapshot(
        self, message: dict[str, Any], label_or_data: str, *, wait: bool = True
    ) -> str:
        """Press a button of a message as it was when snapshotted: a tap that crossed the bot's
        edit of that message in flight (Telegram delivers it with the message as it was)."""
        for row in buttons_of(message.get("reply_markup")):
            for button in row:
                if label_or_data in (str(button), button.callback_data):
                    return await self._press(message, button, wait, 5.0)
        raise LookupError(f"no button {label_or_data!r} on that snapshot")

    async def _press(
        self, message: dict[str, Any], button: Button, wait: bool, timeout: float
    ) -> str:
        if button.callback_data is None:
            raise ValueError(f"button {str(button)!r} opens {button.url!r}; it sends no callback")
        query_id = f"{self.user_id}{next(_callback_ids):06d}"
        self._pending_callbacks.add(query_id)
        self.emulator.register_callback(query_id, self.user_id)
        query = {
            "id": query_id,
            "from": self.user,
            "message": message,
            "chat_instance": str(-self.user_id * 7919),
            "data": button.callback_data,
        }
        update_id = self.emulator.push_update({"callback_query": query}, self.user_id)
        if wait:
            await self.emulator.settle(update_id, self.user_id, timeout=timeout)
        return query_id

    # -- reading ----------------------------------------------------------------------------
    @property
    def messages(self) -> list[BotMessage]:
        """The bot's messages in this chat, oldest first, as they look now (deleted ones gone)."""
        return [m.view() for m in self.emulator.stored_messages(self.user_id) if m.from_bot]

    @property
    def transcript(self) -> list[tuple[str, str]]:
        """(who, text) for both sides, in message order: handy in failure output."""
        out = []
        for m in self.emulator.stored_messages(self.user_id):
            out.append(("bot" if m.from_bot else "user", m.view().text))
        return out

    @property
    def last_reply(self) -> BotMessage:
        messages = self.messages
        if not messages:
            raise AssertionError(f"the bot has sent nothing to chat {self.user_id}")
        return messages[-1]

    @property
    def documents(self) -> list[SentDocument]:
        return [d for d in self.emulator.documents if d.chat_id == self.user_id]

    async def wait_reply(self, timeout: float = 5.0) -> BotMessage:
        """Wait for the bot's next send or edit in this chat, then for quiet; return last_reply."""
        await self.emulator.wait_for_bot_output(self.user_id, timeout=timeout)
        return self.last_reply

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until everything sent so far has been handled (no reaction required)."""
        await self.emulator.settle(None, self.user_id, require_reaction=False, timeout=timeout)

    async def expect_no_reply(self, within: float = 0.3) -> None:
        """Assert the bot makes no request about this chat for ``within`` seconds."""
        before = self.emulator.activity(self.user_id).reactions
        await self.settle()
        end = time.monotonic() + within
        while time.monotonic() < end:
            await self.emulator.sleep(0.01)
        after = self.emulator.activity(self.user_id).reactions
        if after != before:
            calls = [c.method for c in self.emulator.calls if c.chat_id == self.user_id][-3:]
            raise AssertionError(f"expected no reply, but the bot called {calls}")

    # -- internals --------------------------------------------------------------------------
    async def _send_message(self, content: dict[str, Any], wait: bool, timeout: float) -> int:
        message = self.emulator.new_user_message(self, content)
        update_id = self.emulator.push_update({"message": message}, self.user_id)
        if wait:
            await self.emulator.settle(update_id, self.user_id, timeout=timeout)
        return int(message["message_id"])

    def _file(self, prefix: str) -> dict[str, Any]:
        n = next(_callback_ids)
        return {"file_id": f"{prefix}-{self.user_id}-{n}", "file_unique_id": f"u{prefix}{n}"}

    def _find_button(
        self, label_or_data: str, message_id: int | None
    ) -> tuple[StoredMessage, Button]:
        candidates = [m for m in self.emulator.stored_messages(self.user_id) if m.from_bot]
        if message_id is not None:
            candidates = [m for m in candidates if m.message_id == message_id]
        for stored in reversed(candidates):
            for row in buttons_of(stored.reply_markup):
                for button in row:
                    if label_or_data in (str(button), button.callback_data):
                        return stored, button
        shown = [m.view().button_labels for m in candidates[-3:]]
        raise LookupError(f"no button {label_or_data!r} in chat {self.user_id}; buttons: {shown}")
