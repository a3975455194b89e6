"""Voice notes, audio, video notes, documents and photos as answers to free-text questions.

A file becomes part of the answer's text as one line naming it ("[voice note 0:42]",
"[document: report.pdf]"), plus its caption; that text goes through the same engine step as
a typed answer (handlers/conversation.py `step`), so review, search, exports and the
multi-message answer all work as for text. The file itself is fetched with getFile, kept
under MEDIA_DIR (storage/media_repo.py) and described by a `media` row.

Anything not allowed (another kind of file, too long, too large, or a question that is not
free text) gets a clear message and the question again; nothing of the answer is lost.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath

from telegram import Message
from telegram.error import TelegramError

from bot import interview as engine
from bot import transcription
from handlers import keyboards, render
from handlers.conversation import step
from handlers.turn import Turn, questionnaire_for, storable
from storage.interviews import ACTIVE_STATUSES, InterviewStore
from storage.media_repo import MediaStore, write_file
from storage.models import Interview, Media

log = logging.getLogger(__name__)

DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/rtf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
AUDIO_TYPES = frozenset(
    {"audio/ogg", "audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/wav", "audio/x-wav",
     "audio/webm", "audio/aac", "audio/flac"}
)  # fmt: skip
KINDS = ("voice", "audio", "video_note", "document", "photo")


@dataclass(frozen=True)
class Incoming:
    """What a message carries, as Telegram described it."""

    kind: str
    file_id: str
    file_unique_id: str
    mime_type: str
    size: int | None
    duration: int | None
    file_name: str | None


def carries_media(message: Message | None) -> bool:
    return message is not None and incoming(message) is not None


def incoming(message: Message) -> Incoming | None:
    if message.voice is not None:
        v = message.voice
        mime = v.mime_type or "audio/ogg"
        return Incoming(
            "voice", v.file_id, v.file_unique_id, mime, v.file_size, _seconds(v.duration), None
        )
    if message.audio is not None:
        a = message.audio
        mime = a.mime_type or "audio/mpeg"
        return Incoming(
            "audio",
            a.file_id,
            a.file_unique_id,
            mime,
            a.file_size,
            _seconds(a.duration),
            a.file_name,
        )
    if message.video_note is not None:
        n = message.video_note
        return Incoming(
            "video_note",
            n.file_id,
            n.file_unique_id,
            "video/mp4",
            n.file_size,
            _seconds(n.duration),
            None,
        )
    if message.document is not None:
        d = message.document
        mime = d.mime_type or _guess_type(d.file_name)
        return Incoming(
            "document", d.file_id, d.file_unique_id, mime, d.file_size, None, d.file_name
        )
    if message.photo:
        p = message.photo[-1]  # the largest size Telegram made
        return Incoming("photo", p.file_id, p.file_unique_id, "image/jpeg", p.file_size, None, None)
    return None


def _seconds(value: object) -> int | None:
    """Durations arrive as seconds (int) or, in newer python-telegram-bot, as a timedelta."""
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value) if isinstance(value, int | float) else None


def _guess_type(file_name: str | None) -> str:
    guessed, _ = mimetypes.guess_type(file_name or "")
    return guessed or "application/octet-stream"


def refusal(item: Incoming, max_seconds: int, max_bytes: int) -> str | None:
    """The UI key of the reason a file is not taken, or None when it is allowed."""
    if item.kind == "document" and item.mime_type not in DOCUMENT_TYPES:
        return "media.refused.type"
    if item.kind == "audio" and item.mime_type not in AUDIO_TYPES:
        return "media.refused.type"
    if item.duration is not None and item.duration > max_seconds:
        return "media.refused.long"
    if item.size is not None and item.size > max_bytes:
        return "media.refused.large"
    return None


def duration_text(seconds: int | None) -> str:
    seconds = max(0, seconds or 0)
    return f"{seconds // 60}:{seconds % 60:02d}"


def label(turn: Turn, lang: str, item: Incoming) -> str:
    """The line that stands for the file in the answer's text."""
    if item.kind in ("voice", "audio", "video_note"):
        return turn.ui(lang, f"media.label.{item.kind}", duration=duration_text(item.duration))
    if item.kind == "document":
        name = storable(item.file_name or "") or item.mime_type
        return turn.ui(lang, "media.label.document", name=name)
    return turn.ui(lang, "media.label.photo")


def _suffix(item: Incoming) -> str:
    if item.kind == "voice":
        return ".ogg"
    if item.kind == "video_note":
        return ".mp4"
    if item.kind == "photo":
        return ".jpg"
    suffix = PurePosixPath(item.file_name or "").suffix
    return suffix or (mimetypes.guess_extension(item.mime_type) or ".bin")


def _answer_key(turn: Turn, interview: Interview) -> tuple[str | None, str]:
    """The key a free-text answer goes to now, and the question's kind ("" if none)."""
    state = engine.State.from_json(interview.state)
    result = engine.current(questionnaire_for(turn, interview), state)
    if state.probing is not None:
        return state.probing, "text"
    for event in result.events:
        view = getattr(event, "view", None)
        if view is not None:
            return str(view.key), str(view.kind)
    return None, ""


async def on_media(turn: Turn, interview: Interview) -> None:
    """A file at an active interview (handlers.respondent.on_other has checked both)."""
    services = turn.services
    message = turn.update.effective_message
    assert message is not None
    item = incoming(message)
    assert item is not None and interview.status in ACTIVE_STATUSES
    lang = interview.language
    key, kind = _answer_key(turn, interview)
    settings = services.settings
    reason: str | None = None
    if key is None or kind != "text" or interview.reask:
        reason = "media.not_here"
    else:
        reason = refusal(item, settings.media_max_seconds, settings.media_max_bytes)
    data: bytes | None = None
    if reason is None:
        try:
            file = await turn.bot.get_file(item.file_id)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as exc:  # Telegram's own 20 MB limit, or a file gone
            log.warning("could not fetch a %s: %s", item.kind, type(exc).__name__)
            reason = "media.refused.fetch"
        if data is not None and len(data) > settings.media_max_bytes:
            reason, data = "media.refused.large", None
    if reason is not None or data is None or key is None:
        await _refuse(turn, interview, reason or "media.refused.fetch")
        return
    relative, digest = await asyncio.to_thread(
        write_file, settings.media_path, interview.id, data, _suffix(item)
    )
    named = label(turn, lang, item)
    text = named
    caption = storable(message.caption or "").strip()
    if caption:
        text = f"{text}\n{caption}"
    kept = await MediaStore(services.db).add(
        Media(
            interview_id=interview.id,
            answer_key=key,
            kind=item.kind,
            mime_type=item.mime_type,
            file_name=storable(item.file_name) if item.file_name else None,
            size=len(data),
            duration=item.duration,
            sha256=digest,
            file_id=item.file_id,
            file_unique_id=item.file_unique_id,
            path=relative,
            message_id=message.message_id,
            created_at=turn.now,
        )
    )
    transcription.start(services, kept, lang)  # in the background, on this server
    await step(turn, interview, engine.Text(text, message.date or turn.now),
               message_id=message.message_id,
               received=turn.ui(lang, "media.received", what=named))  # fmt: skip


async def _refuse(turn: Turn, interview: Interview, reason: str) -> None:
    """Say why, then the question again; the interview and its answers are untouched."""
    lang = interview.language
    settings = turn.services.settings
    note = turn.ui(
        lang,
        reason,
        minutes=max(1, settings.media_max_seconds // 60),
        megabytes=max(1, settings.media_max_bytes // (1024 * 1024)),
    )
    fresh = await InterviewStore(turn.services.db).get(interview.id) or interview
    state = engine.State.from_json(fresh.state)
    q = questionnaire_for(turn, fresh)
    result = engine.current(q, state)
    await turn.send([render.simple(note), *render.events(q, state.language, result.events)])
    await keyboards.handover(turn, fresh.id)  # the question's buttons move to the new copy
