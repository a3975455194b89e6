"""Respondents' data rights in the chat: /mydata, /delete, /consent (change or withdraw).

/mydata shows everything held (a readable message split at Telegram's limit, and the
same as a JSON document). /delete and withdrawing consent erase for real after one
confirmation tap (storage/privacy.py); the reply is in the person's language, read
before their row goes. Buttons (handlers/callbacks.py): WITHDRAW asks to withdraw, ERASE
erases, KEEP keeps everything.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from handlers import callbacks, keyboards, notice, quoting, render
from handlers.callbacks import Data
from handlers.quoting import QUOTE_LEVELS
from handlers.turn import Context, Tap, Turn, turn_of
from storage import counters
from storage import privacy as store
from storage.interviews import InterviewStore
from storage.media_repo import sweep

log = logging.getLogger(__name__)

PIECE = 3000  # characters of one answer per block; blocks are joined up to 4096


async def _lang(turn: Turn) -> str:
    return turn.language(await InterviewStore(turn.services.db).respondent(turn.user.id))


async def on_mydata(update: Update, context: Context) -> None:
    turn = turn_of(update, context)
    lang = await _lang(turn)
    data = await store.personal_data(turn.services.db, turn.user.id)
    if data is None:
        await turn.send([render.simple(turn.ui(lang, "mydata.empty"))])
        return
    data = {
        "generated_at": _iso(turn.now),
        "controller": "Centre for Digital Public Services (CDPS), Wales",
        "privacy_notice": turn.services.settings.privacy_notice_url,
        "retention_days": turn.services.settings.retention_days,
        **data,
    }
    texts = render.chunks(readable(turn, lang, data))
    await turn.send([render.Outgoing(text) for text in texts])
    await _send_document(turn, lang, data)


def readable(turn: Turn, lang: str, data: dict[str, Any]) -> list[str]:
    """Everything in `data` as HTML blocks, each within Telegram's limit, in `lang`."""
    ui = turn.ui
    none = "—"
    who = data["respondent"]
    blocks = [f"<b>{render.esc(ui(lang, 'mydata.intro'))}</b>"]
    blocks.append(
        render.esc(
            ui(
                lang,
                "mydata.identity",
                telegram_id=who["telegram_user_id"],
                username=f"@{who['username']}" if who["username"] else none,
                name=who["name"] or none,
            )
        )
        + "\n"
        + render.esc(
            ui(
                lang,
                "mydata.profile",
                language=turn.q.language_name(who["language"])
                if who["language"] in turn.q.languages
                else none,
                created=_when(who["first_contact_at"]),
                reminders=ui(
                    lang,
                    "mydata.reminders_off" if who["reminders_opt_out"] else "mydata.reminders_on",
                ),
            )
        )
    )
    retention = timedelta(days=turn.services.settings.retention_days)
    for number, interview in enumerate(data["interviews"], start=1):
        consent = interview["consent"]
        level = consent["quote_consent"]
        status = interview["status"]
        lines = [
            "<b>"
            + render.esc(
                ui(
                    lang,
                    "mydata.interview",
                    number=number,
                    started=_when(interview["started_at"]),
                    status=ui(lang, f"mydata.status.{status}") if status else none,
                )
            )
            + "</b>",
            render.esc(
                ui(
                    lang,
                    "mydata.activity",
                    updated=_when(interview["last_activity_at"]),
                    completed=_when(interview["completed_at"])
                    if interview["completed_at"]
                    else none,
                    source=interview["source"] or none,
                    until=_day(_parse(interview["last_activity_at"]) + retention),
                )
            ),
            render.esc(
                ui(
                    lang,
                    "mydata.consent",
                    consented=_when(consent["consented_at"]) if consent["consented_at"] else none,
                    version=consent["notice_version"] or none,
                    quote=ui(lang, f"consent.quote.{level}") if level in QUOTE_LEVELS else none,
                )
            ),
        ]
        if consent.get("credit"):
            lines.append(render.esc(ui(lang, "mydata.credit", credit=consent["credit"])))
        notes = interview["staff_notes"]
        sent = [r for r in interview["reminders"] if r["sent_at"]]
        lines.append(
            render.esc(
                ui(
                    lang,
                    "mydata.extra",
                    reminders=len(sent),
                    tags=len(notes["tags"]),
                    quotes=len(notes["quotes"]),
                )
            )
        )
        if interview.get("addendum"):  # what they wrote after finishing (kept for the team)
            lines.append(render.esc(ui(lang, "mydata.addendum", text=interview["addendum"])))
        blocks.append("\n".join(lines))
        for file in interview.get("files", []):  # voice notes, documents, photos (issue 15)
            blocks.extend(_file_blocks(turn, lang, file))
        blocks.append(render.esc(ui(lang, "mydata.answers", count=len(interview["answers"]))))
        for answer in interview["answers"]:
            blocks.extend(_answer_blocks(turn, lang, answer, interview["questionnaire"]))
    blocks.append(render.esc(ui(lang, "mydata.delete_hint")))
    return blocks


def _file_blocks(turn: Turn, lang: str, file: dict[str, Any]) -> list[str]:
    """A file sent as an answer: what it is and, for a recording or a file with a transcript,
    the transcript's status; then the transcript itself (a block of its own per file, so no
    number of files or length of transcript is cut at Telegram's limit)."""
    ui = turn.ui
    kind = ui(lang, f"mydata.file.{file['kind']}")
    size, received = _size(file["size_bytes"]), _when(file["received_at"])
    name = file["file_name"] or "—"
    lines = [ui(lang, "mydata.file", kind=kind, name=name, size=size, received=received)]
    status = transcript_status_key(file)
    if status is not None:
        lines.append(ui(lang, "mydata.transcript", status=ui(lang, status)))
    blocks = [render.esc("\n".join(lines))]
    if file.get("transcript"):
        title = ui(lang, "mydata.transcript.text", kind=kind, received=received)
        blocks.extend(_text_blocks(title, file["transcript"]))
    return blocks


#: recordings, which have a transcript status even before there is a transcript
SPOKEN_KINDS = ("voice", "audio", "video_note")


def transcript_status_key(file: dict[str, Any]) -> str | None:
    """The UI key wording a file's transcript status for its owner: made by a machine
    (pending, done, failed, or done and empty), confirmed by staff, or typed by staff; None for
    a file that is not a recording and has no transcript."""
    status = file.get("transcript_status") or "none"
    if status == "none":
        if file.get("transcription") == "done":
            return "mydata.transcript.empty"
        return "mydata.transcript.none" if file.get("kind") in SPOKEN_KINDS else None
    return f"mydata.transcript.{status}"


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def _answer_blocks(
    turn: Turn, lang: str, answer: dict[str, Any], questionnaire: dict[str, Any]
) -> list[str]:
    """One answer: its question in bold, then the value; a long value over several blocks.
    The value reads as the questionnaire version the interview ran on shows it."""
    value = answer["value"]
    try:
        shown = turn.q.for_version(questionnaire.get("version")).display(
            answer["question_id"], value, lang
        )
    except Exception:  # a question no longer in the questionnaire: show the raw value
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return _text_blocks(answer["question_text"], shown)


def _text_blocks(title: str, text: str) -> list[str]:
    """A title in bold, then the text; a long text over several blocks."""
    heading = f"<b>{render.esc(render.clip(title, 500))}</b>"
    pieces = _split(text, PIECE) or [""]
    blocks = [f"{heading}\n{render.esc(pieces[0])}"]
    blocks.extend(render.esc(piece) for piece in pieces[1:])
    return blocks


def _split(text: str, limit: int) -> list[str]:
    """Plain text in pieces of at most `limit` UTF-16 units (never inside a character)."""
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        size = render.utf16_len(ch)
        if used + size > limit:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += size
    if current:
        pieces.append("".join(current))
    return pieces


async def _send_document(turn: Turn, lang: str, data: dict[str, Any]) -> None:
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    name = f"dgu-bot-my-data-{turn.now:%Y-%m-%d}.json"
    try:
        await turn.bot.send_document(
            chat_id=turn.chat_id,
            document=InputFile(body, filename=name),
            caption=render.esc(turn.ui(lang, "mydata.document")),
            parse_mode=ParseMode.HTML,
        )
    except Forbidden:
        await turn.mark_unreachable()
    except TelegramError as exc:
        # The text above was delivered and holds everything; say only what is missing
        # (a Bot API server without sendDocument, or one failing it), never "sorry,
        # something went wrong" for what the person already has.
        log.info("/mydata file not sent (%s); told the respondent", type(exc).__name__)
        await turn.send([render.simple(turn.ui(lang, "mydata.no_document"))])


async def on_delete(update: Update, context: Context) -> None:
    turn = turn_of(update, context)
    lang = await _lang(turn)
    if await InterviewStore(turn.services.db).respondent(turn.user.id) is None:
        await turn.send([render.simple(turn.ui(lang, "mydata.empty"))])
        return
    await turn.send([_confirm(turn, lang, "delete.confirm", "delete")])
    await _aside(turn)


async def _aside(turn: Turn) -> None:
    """A prompt just sent beside the interview: the one before it loses its buttons."""
    respondent = await turn.store.respondent(turn.user.id)
    if respondent is None or respondent.id is None:
        return
    interview = await turn.store.current_interview(respondent.id)
    if interview is not None:
        await keyboards.aside(turn, interview.id)


async def on_consent(update: Update, context: Context) -> None:
    """Show how the person's words may be used; change it, or withdraw consent altogether."""
    turn = turn_of(update, context)
    lang = await _lang(turn)
    respondent = await InterviewStore(turn.services.db).respondent(turn.user.id)
    interview = None
    if respondent is not None and respondent.id is not None:
        interview = await InterviewStore(turn.services.db).current_interview(respondent.id)
    if interview is None:
        await turn.send([render.simple(turn.ui(lang, "consent.none"))])
        return
    level = interview.quote_consent
    current = quoting.current(turn, lang, level)
    rows = quoting.level_buttons(turn, lang, level)
    text = turn.ui(lang, _wording(turn, "consent.current", "consent.current_object"), quote=current)
    if level == "attributable":
        if interview.credit:
            text += "\n" + turn.ui(lang, "consent.credit.current", credit=interview.credit)
        rows.append([(turn.ui(lang, "consent.credit.change"), callbacks.CREDIT.pack())])
    rows.append([(turn.ui(lang, _wording(turn, "consent.withdraw", "consent.object")), _WITHDRAW)])
    await turn.send([render.simple(text, rows)])
    await keyboards.aside(turn, interview.id)


_WITHDRAW = callbacks.WITHDRAW.pack()


def _wording(turn: Turn, consent_key: str, object_key: str) -> str:
    """Under consent one withdraws it; under public task one objects (UK GDPR Art. 21)."""
    return object_key if turn.services.settings.lawful_basis == "public_task" else consent_key


async def on_privacy(update: Update, context: Context) -> None:
    """/privacy: the whole notice again, any time, in their language (with the paragraph on
    how we found them when their interview came from an invitation to their post on X)."""
    turn = turn_of(update, context)
    lang = await _lang(turn)
    source = None
    store_ = InterviewStore(turn.services.db)
    respondent = await store_.respondent(turn.user.id)
    if respondent is not None and respondent.id is not None:
        interview = await store_.current_interview(respondent.id)
        source = interview.source if interview is not None else None
    await turn.send(notice.messages(turn, lang, source, asking=False))


def _confirm(turn: Turn, lang: str, key: str, why: str) -> render.Outgoing:
    return render.simple(
        turn.ui(lang, key),
        [
            [(turn.ui(lang, "delete.yes"), callbacks.ERASE.pack(why))],
            [(turn.ui(lang, "delete.no"), callbacks.KEEP.pack())],
        ],
    )


async def on_button(turn: Turn, tap: Tap, data: Data) -> None:
    """The WITHDRAW, ERASE and KEEP buttons: withdraw (ask first), erase, keep."""
    lang = await _lang(turn)
    if data.kind is callbacks.WITHDRAW:
        await tap.answer()
        key = _wording(turn, "consent.withdraw_confirm", "consent.object_confirm")
        await turn.send([_confirm(turn, lang, key, "withdraw")])
        await _aside(turn)
        return
    if not await keyboards.first_tap(turn, tap, lang):  # a double tap: the first was taken
        return
    if data.kind is callbacks.KEEP:
        await turn.send([render.simple(turn.ui(lang, "delete.cancelled"))])
        return
    await erase(turn, lang, withdrawn=data["why"] == "withdraw")


async def erase(turn: Turn, lang: str, *, withdrawn: bool) -> None:
    live = await _live_keyboards(turn)
    try:
        erased = await store.erase_person(
            turn.services.db,
            turn.user.id,
            counter=counters.WITHDRAWN,
            update_id=turn.update_id,
            now=turn.now,
        )
    except store.AlreadyDone:
        return
    if erased is None:
        await turn.send([render.simple(turn.ui(lang, "mydata.empty"))])
        return
    log.info("erased a respondent on request: %d interviews", erased.interviews)
    # their voice notes and files go with the rows
    await sweep(turn.services.db, turn.services.settings.media_path)
    await store.checkpoint(turn.services.db)
    for message_id in live:  # the erased interview's question: nothing left to answer
        await keyboards.drop(turn, message_id)
    done = _wording(turn, "consent.withdrawn", "consent.objected") if withdrawn else "delete.done"
    await turn.send([render.simple(turn.ui(lang, done))])


async def _live_keyboards(turn: Turn) -> list[int]:
    """The messages that may still carry the person's interview's buttons (handlers/keyboards)."""
    interviews = turn.store
    respondent = await interviews.respondent(turn.user.id)
    if respondent is None or respondent.id is None:
        return []
    interview = await interviews.current_interview(respondent.id)
    if interview is None:
        return []
    live, stale = await interviews.keyboards(interview.id)
    return [m for m in dict.fromkeys((live, *stale)) if m is not None]


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _when(value: str | None) -> str:
    """A timestamp as people read it, the same in every language: 2026-12-03 14:05 UTC."""
    if not value:
        return "—"
    return f"{_parse(value):%Y-%m-%d %H:%M} UTC"


def _day(value: datetime) -> str:
    return f"{value:%Y-%m-%d}"
