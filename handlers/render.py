"""How the interview looks in Telegram: message text (HTML, escaped), keyboards, limits.

The only module that knows Telegram's formatting rules: every piece of user or
questionnaire text is escaped for parse_mode HTML, every message fits in 4096
characters (counted in UTF-16 code units, as Telegram counts), and every
`callback_data` fits in 64 bytes (packed by the kinds of handlers/callbacks.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.interview import (
    Ask,
    Collecting,
    Completed,
    Invalid,
    Notice,
    Probe,
    Questionnaire,
    QuestionView,
    ReviewSummary,
    buttons_per_row,
)
from handlers import callbacks

MAX_TEXT = 4096
MAX_CALLBACK_BYTES = callbacks.MAX_BYTES
ROW = 8  # Telegram's most buttons in one row of an inline keyboard
REVIEW_ROW = 5  # the review's numbered Change buttons: five fit a 360 px phone

Buttons = list[list[tuple[str, str]]]


@dataclass
class Outgoing:
    """One message to send: HTML text and inline buttons as (label, callback_data) rows."""

    text: str
    buttons: Buttons = field(default_factory=list)

    def markup(self) -> InlineKeyboardMarkup | None:
        if not self.buttons:
            return None
        rows = [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row[i : i + ROW]]
            for row in self.buttons
            for i in range(0, len(row), ROW)
        ]
        return InlineKeyboardMarkup(rows)

    def fields(self) -> dict[str, Any]:
        """What sendMessage and editMessageText take for it: the HTML text, its buttons (or
        none), and no link previews."""
        return {
            "text": self.text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": self.markup(),
            "disable_web_page_preview": True,
        }


def esc(text: str) -> str:
    """Escape text for Telegram's HTML parse mode (only &, < and > are special)."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """Shorten plain text to at most `limit` UTF-16 units, marking the cut."""
    if utf16_len(text) <= limit:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        size = utf16_len(ch)
        if used + size > limit - 1:
            break
        out.append(ch)
        used += size
    return "".join(out) + "…"


def visible_len(html_text: str) -> int:
    """Length Telegram counts: the text after entity parsing (tags removed, entities decoded)."""
    return utf16_len(html.unescape(re.sub(r"<[^>]+>", "", html_text)))


def chunks(blocks: Iterable[str], limit: int = MAX_TEXT) -> list[str]:
    """Join HTML blocks (each complete in itself) into as few messages as fit the limit."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if visible_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
        current = block if visible_len(block) <= limit else block[: limit // 2]
    if current:
        messages.append(current)
    return messages


def merged(messages: Sequence[Outgoing], limit: int = MAX_TEXT) -> list[Outgoing]:
    """The same content in fewer messages: one without buttons joins the next when both fit.

    Telegram allows about one message a second per chat, so "Saved." followed by the next
    question cost two seconds of a respondent's budget (and two of the bot's 30 a second).
    """
    out: list[Outgoing] = []
    for message in messages:
        if out and not out[-1].buttons:
            joined = f"{out[-1].text}\n\n{message.text}"
            if visible_len(joined) <= limit:
                out[-1] = Outgoing(joined, message.buttons)
                continue
        out.append(message)
    return out


def after_answer(frozen: str, message: Outgoing) -> Outgoing | None:
    """An answered question (its frozen text) and the next message as one, if it fits."""
    if not frozen:
        return None
    joined = f"{frozen}\n\n{message.text}"
    return Outgoing(joined, message.buttons) if visible_len(joined) <= MAX_TEXT else None


def question(
    q: Questionnaire, view: QuestionView, lang: str, notice: str | None = None
) -> Outgoing:
    """A question as a message: progress, text, hint, previous answer, and its buttons."""
    lines: list[str] = []
    if notice:  # "Welcome back!…", "Fine — we'll carry on in English.": a line of its own
        lines.append(f"<i>{esc(notice)}</i>\n")
    progress = getattr(view.progress, "label", None)
    if progress:
        lines.append(f"<i>{esc(progress)}</i>")
    lines.append(f"<b>{esc(view.text)}</b>")
    if view.hint:
        lines.append(esc(view.hint))
    if view.previous:
        lines.append(esc(q.ui(lang, "previous", answer=clip(view.previous, 500))))
    text = "\n".join(lines)
    text = text if visible_len(text) <= MAX_TEXT else clip(text, MAX_TEXT)
    return Outgoing(text, _buttons(q, view, lang))


def _buttons(q: Questionnaire, view: QuestionView, lang: str) -> Buttons:
    rows: Buttons = []
    kind = view.kind
    key = view.key
    if kind == "multi":
        for choice in view.choices:
            mark = "☑" if choice.selected else "☐"
            rows.append([(f"{mark} {choice.label}", callbacks.TOGGLE.pack(key, choice.id))])
        rows.append([(q.ui(lang, "button.done"), callbacks.DONE.pack(key))])
    elif view.choices:
        # the layout `questionnaire check` checks labels against (bot.interview.paths)
        per_row = buttons_per_row(kind, [c.label for c in view.choices])
        row: list[tuple[str, str]] = []
        for choice in view.choices:
            label = f"✓ {choice.label}" if choice.selected else choice.label
            row.append((label, callbacks.CHOICE.pack(key, choice.id)))
            if len(row) == per_row:
                rows.append(row)
                row = []
        if row:
            rows.append(row)
    nav: list[tuple[str, str]] = []
    if getattr(view, "collecting", False):  # a multi-message answer in progress, re-asked
        nav.append((q.ui(lang, "button.done"), callbacks.DONE.pack(key)))
    elif view.previous and kind not in ("multi",):
        nav.append((q.ui(lang, "button.keep"), callbacks.DONE.pack(key)))
    if view.can_go_back:
        nav.append((q.ui(lang, "button.back"), callbacks.BACK.pack(key)))
    if view.optional:
        nav.append((q.ui(lang, "button.skip"), callbacks.SKIP.pack(key)))
    if nav:
        rows.append(nav)
    return rows


def answered(view_text: str | None, answer_display: str) -> str:
    """What an answered question's message becomes once its keyboard is gone (without the
    question's text when that message did not show it)."""
    answer = f"→ {esc(clip(answer_display, 1000))}"
    return f"<b>{esc(view_text)}</b>\n{answer}" if view_text else answer


def events(q: Questionnaire, lang: str, items: Sequence[object]) -> list[Outgoing]:
    """Turn engine events into messages, in order."""
    out: list[Outgoing] = []
    for event in items:
        if isinstance(event, Ask) and event.again and event.notice:
            # the question is on screen already: the new buttons under a short line, no copy
            out.append(Outgoing(f"<i>{esc(event.notice)}</i>", _buttons(q, event.view, lang)))
        elif isinstance(event, Ask):
            out.append(question(q, event.view, lang, event.notice))
        elif isinstance(event, Invalid):
            # The warning carries the question's buttons: the message above loses its own
            # (one live keyboard per interview), so they must still be here to answer with.
            buttons: Buttons = _buttons(q, event.view, lang) if event.view is not None else []
            skip = callbacks.SKIP.pack(event.key)
            if event.can_skip and not any(data == skip for row in buttons for _, data in row):
                buttons.append([(q.ui(lang, "button.skip"), skip)])
            out.append(Outgoing(f"⚠️ {esc(event.message)}", buttons))
        elif isinstance(event, Probe):
            out.append(
                Outgoing(
                    esc(event.text), [[(q.ui(lang, "button.skip"), callbacks.SKIP.pack(event.key))]]
                )
            )
        elif isinstance(event, Collecting):
            out.append(
                Outgoing(
                    esc(event.text), [[(q.ui(lang, "button.done"), callbacks.DONE.pack(event.key))]]
                )
            )
        elif isinstance(event, ReviewSummary):
            out.extend(review(q, lang, event))
        elif isinstance(event, (Completed, Notice)):
            out.append(Outgoing(esc(event.text)))
    return out


def review(q: Questionnaire, lang: str, summary: ReviewSummary) -> list[Outgoing]:
    """The summary before submitting; every answer has a Change button on the last message."""
    blocks = [f"<b>{esc(summary.text)}</b>"]
    for n, item in enumerate(summary.items, start=1):
        question_text = esc(clip(item.question_text, 300))
        blocks.append(f"{n}. <b>{question_text}</b>\n{esc(clip(item.answer_display, 300))}")
    texts = chunks(blocks)
    # The answer's number alone, five a row: "Change 10" was cut to "Chang…" on a 360 px
    # phone. The intro says to tap an answer's number; the data is the same CHANGE as before.
    buttons: Buttons = []
    row: list[tuple[str, str]] = []
    for n, item in enumerate(summary.items, start=1):
        row.append((str(n), callbacks.CHANGE.pack(item.key)))
        if len(row) == REVIEW_ROW:
            buttons.append(row)
            row = []
    if row:
        buttons.append(row)
    if getattr(summary, "complete", True):
        buttons.append([(q.ui(lang, "button.submit"), callbacks.SUBMIT.pack())])
    else:  # unanswered questions remain: carry on with them
        buttons.append([(q.ui(lang, "review.continue"), callbacks.DONE.pack())])
    messages = [Outgoing(t) for t in texts]
    messages[-1].buttons = buttons
    return messages


def language_prompt(q: Questionnaire, suggested: str | None, source: str | None = None) -> Outgoing:
    """Both languages on one row, the suggested one first; the prompt in both languages.

    The deep-link source rides along in the buttons (nothing is stored before consent).
    """
    langs = list(q.languages)
    if suggested in langs:
        langs.remove(suggested)
        langs.insert(0, suggested)
    text_lines = []
    for lang in langs:
        text_lines.append(esc(q.ui(lang, "language.prompt")))
    labels = [(q.language_name(lang), callbacks.LANGUAGE.pack(lang, source)) for lang in langs]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    return Outgoing("\n".join(dict.fromkeys(text_lines)), rows)


def headed(line: str, messages: Sequence[Outgoing]) -> list[Outgoing]:
    """A reply with a line above its first message (what arrived), still one message."""
    if not messages:
        return [simple(line)]
    first, *rest = messages
    text = f"{esc(line)}\n{first.text}"
    if visible_len(text) > MAX_TEXT:
        return [simple(line), *messages]
    return [Outgoing(text, first.buttons), *rest]


def simple(text: str, buttons: Buttons | None = None) -> Outgoing:
    return Outgoing(esc(text), buttons or [])
