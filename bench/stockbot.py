"""The baselines: a stock PTB ConversationHandler interview bot, and a bare echo bot.

    python -m bench.stockbot --api URL --token T --mode interview|echo [--rate-limiter]
                             [--concurrent]

The interview bot is what PTB's documentation leads to: default (sequential) update processing
(`--concurrent`: `concurrent_updates(True)`, the fairest stock bot a competent developer would
write: PTB handles up to 256 updates at once), ConversationHandler states in memory, and per
answer: answer the callback, edit the answered question (drop its keyboard), send the next
question. It asks the same questions with the same buttons as ours (from the shipped
questionnaire), so `bench.script` drives both. It stores nothing; `--rate-limiter` adds PTB's
AIORateLimiter(max_retries=3) so a 429 is retried, not lost.
"""

from __future__ import annotations

import argparse
import html
import sys
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bench.script import AFTER_LAST, ANSWERS, LANG, questionnaire

LANGUAGE, PRIVACY, QUOTE = "language", "privacy", "quote"  # then a state per question: 0, 1, ...


def _question(index: int) -> tuple[str, InlineKeyboardMarkup | None]:
    q = questionnaire()
    qid = ANSWERS[index][0] if index < len(ANSWERS) else AFTER_LAST
    question = q.question(qid)
    asked = html.escape(q.question_text(qid, LANG), quote=False)
    text = f"<i>Question {index + 1}</i>\n<b>{asked}</b>"
    rows: list[list[InlineKeyboardButton]] = []
    if question.kind == "scale":
        rows.append(
            [InlineKeyboardButton(str(n), callback_data=f"a|{qid}|{n}") for n in range(1, 6)]
        )
    elif question.kind == "country":
        rows += [
            [InlineKeyboardButton(code, callback_data=f"a|{qid}|{code}")]
            for code in question.quick_picks
        ]
    elif question.kind == "multi":
        rows += [
            [InlineKeyboardButton(q.choice_label(qid, c, LANG), callback_data=f"t|{qid}|{c}")]
            for c in question.choice_ids
        ]
        rows.append([InlineKeyboardButton("Done", callback_data=f"d|{qid}")])
    elif question.choice_ids:
        rows += [
            [InlineKeyboardButton(q.choice_label(qid, c, LANG), callback_data=f"a|{qid}|{c}")]
            for c in question.choice_ids
        ]
    return text, InlineKeyboardMarkup(rows) if rows else None


async def _ask(update: Update, index: int) -> int:
    text, markup = _question(index)
    assert update.effective_chat is not None
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return index


def _buttons(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None
    await update.message.reply_text(
        "Which language would you like? / Pa iaith hoffech chi?",
        reply_markup=_buttons(("English", "L|en"), ("Cymraeg", "L|cy")),
    )
    return LANGUAGE


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer()
    await query.message.reply_text(  # type: ignore[union-attr]
        "Before we start: how we use your answers (privacy notice). Do you agree?",
        reply_markup=_buttons(("I agree", "C|y|en"), ("Not now", "C|n|en")),
    )
    return PRIVACY


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer()
    await query.message.reply_text("Thank you.")  # type: ignore[union-attr]
    await query.message.reply_text(  # type: ignore[union-attr]
        "May we quote you?",
        reply_markup=_buttons(("With my name", "Q|a"), ("Anonymously", "Q|n"), ("No", "Q|b")),
    )
    return QUOTE


async def quote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.message.reply_text("Saved.")  # type: ignore[union-attr]
    context.user_data["answers"] = {}  # type: ignore[index]
    return await _ask(update, 0)


def _answer_handlers(index: int) -> list[Any]:
    qid, kind, _ = ANSWERS[index]

    async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer()
        context.user_data.setdefault("answers", {})[qid] = query.data  # type: ignore[union-attr]
        text, _ = _question(index)
        await query.edit_message_text(
            f"{text}\n→ {html.escape(query.data)}", parse_mode=ParseMode.HTML
        )
        return await _ask(update, index + 1)

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None
        context.user_data.setdefault("answers", {})[qid] = update.message.text  # type: ignore[union-attr]
        return await _ask(update, index + 1)

    if kind == "tap":
        return [CallbackQueryHandler(on_tap, pattern=rf"^[ad]\|{qid}(\||$)")]
    return [MessageHandler(filters.TEXT & ~filters.COMMAND, on_text)]


async def finished(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None
    await update.message.reply_text("Thank you, that is all for now.")
    return ConversationHandler.END


def interview_handler() -> ConversationHandler[Any]:
    states: dict[object, list[Any]] = {
        LANGUAGE: [CallbackQueryHandler(language, pattern=r"^L\|")],
        PRIVACY: [CallbackQueryHandler(privacy, pattern=r"^C\|y")],
        QUOTE: [CallbackQueryHandler(quote, pattern=r"^Q\|")],
    }
    for index in range(len(ANSWERS)):
        states[index] = _answer_handlers(index)
    states[len(ANSWERS)] = [MessageHandler(filters.TEXT & ~filters.COMMAND, finished)]
    return ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states=states,  # type: ignore[arg-type]
        fallbacks=[CommandHandler("start", start)],
        per_message=False,
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def build(
    api: str, token: str, mode: str, rate_limiter: bool, concurrent: bool = False
) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = (
        ApplicationBuilder().token(token).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
    )
    if concurrent:
        builder = builder.concurrent_updates(True)
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    application = builder.build()
    if mode == "echo":
        application.add_handler(MessageHandler(filters.TEXT, echo))
    else:
        application.add_handler(interview_handler())
    return application


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.stockbot")
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--mode", choices=("interview", "echo"), default="interview")
    parser.add_argument("--rate-limiter", action="store_true")
    parser.add_argument("--concurrent", action="store_true", help="concurrent_updates(True)")
    args = parser.parse_args(argv)
    application = build(args.api, args.token, args.mode, args.rate_limiter, args.concurrent)
    application.run_polling(
        allowed_updates=["message", "callback_query"], poll_interval=0.0, timeout=10
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
