"""Telegram callbacks. `register()` is the one list of every handler the bot has, and
`BUTTONS` the one table of which handler each kind of button (handlers/callbacks.py) goes to."""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import callbacks, consent, credit, privacy, reminders, respondent
from handlers.turn import TapHandler, on_tap

BUTTONS: tuple[tuple[callbacks.Kind, TapHandler], ...] = (
    (callbacks.LANGUAGE, respondent.on_language_button),
    (callbacks.AGREE, consent.on_notice),
    (callbacks.DECLINE, consent.on_notice),
    (callbacks.NOTICE, consent.on_full_notice),
    (callbacks.QUOTE, consent.on_quote),
    (callbacks.RESUME, respondent.on_resume_button),
    (callbacks.RESTART, respondent.on_resume_button),
    (callbacks.CHOICE, respondent.on_question_button),
    (callbacks.TOGGLE, respondent.on_question_button),
    (callbacks.DONE, respondent.on_question_button),
    (callbacks.SKIP, respondent.on_question_button),
    (callbacks.BACK, respondent.on_question_button),
    (callbacks.CHANGE, respondent.on_question_button),
    (callbacks.SUBMIT, respondent.on_question_button),
    (callbacks.WITHDRAW, privacy.on_button),
    (callbacks.ERASE, privacy.on_button),
    (callbacks.KEEP, privacy.on_button),
    (callbacks.CREDIT, credit.on_button),
    (callbacks.CARRY_ON, reminders.on_button),
    (callbacks.LATER, reminders.on_button),
    (callbacks.STOP, reminders.on_button),
)
"""Every kind of button and the handler it goes to; a tap no kind's pattern matches goes to
`respondent.on_unknown_button`."""


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    routed = [kind for kind, _ in BUTTONS]
    if sorted(k.name for k in routed) != sorted(k.name for k in callbacks.KINDS):
        raise RuntimeError("handlers.BUTTONS must route every kind in callbacks.KINDS once")
    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("start", respondent.on_start, filters=private))
    app.add_handler(CommandHandler("help", respondent.on_help, filters=private))
    app.add_handler(CommandHandler("cancel", respondent.on_cancel, filters=private))
    app.add_handler(CommandHandler("language", respondent.on_language, filters=private))
    app.add_handler(CommandHandler("back", respondent.on_back, filters=private))
    app.add_handler(CommandHandler("skip", respondent.on_skip, filters=private))
    app.add_handler(CommandHandler("review", respondent.on_review, filters=private))
    app.add_handler(CommandHandler("done", respondent.on_done, filters=private))
    app.add_handler(CommandHandler("mydata", privacy.on_mydata, filters=private))
    app.add_handler(CommandHandler("delete", privacy.on_delete, filters=private))
    app.add_handler(CommandHandler("consent", privacy.on_consent, filters=private))
    app.add_handler(CommandHandler("privacy", privacy.on_privacy, filters=private))
    for kind, handle in BUTTONS:
        app.add_handler(CallbackQueryHandler(on_tap(kind, handle), pattern=kind.pattern))
    app.add_handler(CallbackQueryHandler(respondent.on_unknown_button))
    app.add_handler(
        MessageHandler(
            private & filters.UpdateType.EDITED_MESSAGE & filters.TEXT, respondent.on_edited
        )
    )
    app.add_handler(
        MessageHandler(private & new_message & filters.TEXT & ~filters.COMMAND, respondent.on_text)
    )
    app.add_handler(
        MessageHandler(private & new_message & filters.COMMAND, respondent.on_unknown_command)
    )
    app.add_handler(MessageHandler(private & new_message, respondent.on_other))
