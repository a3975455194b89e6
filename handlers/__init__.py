"""Telegram callbacks. `register()` is the one list of every handler the bot has."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import credit, privacy, reminders, respondent


def register(app: Application) -> None:  # type: ignore[type-arg]
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
    app.add_handler(CallbackQueryHandler(privacy.on_button, pattern=r"^P\|"))
    app.add_handler(CallbackQueryHandler(credit.on_button, pattern=r"^K\|"))
    app.add_handler(CallbackQueryHandler(reminders.on_button, pattern=r"^M\|"))
    app.add_handler(CallbackQueryHandler(respondent.on_button))
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
