"""Building the python-telegram-bot Application: polling or webhook, per-user ordering.

See docs/adr/0001-per-user-sequential-updates.md for why updates of one person are
processed in order while different people are served concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from aiohttp import web
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, BaseUpdateProcessor

import handlers
from bot import logs, metrics, transport
from bot.aiorequest import AiohttpRequest
from bot.ratelimit import FloodPacer
from bot.services import SERVICES, Services
from bot.transport import RetryingRequest

log = logging.getLogger(__name__)

PTB_APP = web.AppKey("ptb_application", Application)
COMMANDS = (
    "start",
    "help",
    "language",
    "back",
    "skip",
    "review",
    "done",
    "mydata",
    "consent",
    "delete",
    "privacy",
    "cancel",
)


class PerUserSequentialProcessor(BaseUpdateProcessor):
    """Updates from one user run one after another, in arrival order; users run in parallel.

    PTB starts one task per update in arrival order; each waits on its user's lock (FIFO),
    so a quick double tap can never be applied before the message it answers.
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _user_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        update_id = update.update_id if isinstance(update, Update) else None
        try:
            with logs.context(update=update_id), metrics.handling(metrics.update_kind(update)):
                async with lock:
                    await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _user_key(update: object) -> int:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
        return -update.update_id
    return 0


def rate_limiter() -> BaseRateLimiter | None:  # type: ignore[type-arg]
    """Messages paced under Telegram's flood limits (bot/ratelimit.py); a benchmark against a
    Bot API without limits replaces this function to measure the bot unpaced."""
    return FloodPacer()


def build_application(
    services: Services, token: str, api_url: str, *, webhook: bool
) -> Application:  # type: ignore[type-arg]
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .concurrent_updates(PerUserSequentialProcessor(256))
        .request(RetryingRequest(connection_pool_size=512, pool_timeout=10.0))
        # long polling's own request: PTB's default is httpx, several times the CPU a request
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
    )
    limiter = rate_limiter()
    if limiter is not None:
        builder = builder.rate_limiter(limiter)
    if webhook:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data["services"] = services
    handlers.register(application)
    application.add_error_handler(_on_error)
    return application


async def _on_error(update: object, context: Any) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    metrics.ERRORS.labels("handler").inc()
    log.error("update %s failed: %r", update_id, context.error, exc_info=context.error)
    if transport.replied():
        # The person already has a reply to this update: "sorry, something went wrong"
        # would be wrong about what they got (the failed later step is logged above).
        return
    if isinstance(update, Update) and update.effective_chat is not None:
        services: Services = context.bot_data["services"]
        lang = services.questionnaire.default_language
        try:
            await context.bot.send_message(
                update.effective_chat.id, services.questionnaire.ui(lang, "error.generic")
            )
        except Exception:  # best effort; the original error is already logged
            log.debug("could not tell the user about the error")


async def _set_commands(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    """The command menu in each language. Optional: a Bot API server without
    setMyCommands (or failing it) costs the menu, not the start; logged once."""
    q = services.questionnaire
    try:
        for lang in q.languages:
            commands = [BotCommand(name, q.ui(lang, f"command.{name}")) for name in COMMANDS]
            if lang == q.default_language:
                await application.bot.set_my_commands(commands)
            await application.bot.set_my_commands(commands, language_code=lang)
    except TelegramError as exc:
        log.warning(
            "setMyCommands failed (%s): the bot runs without its command menu",
            type(exc).__name__,
        )


def telegram_context(token: str, api_url_of: Any) -> Any:
    """aiohttp cleanup_ctx that runs PTB for the lifetime of the web app."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        services = app[SERVICES]
        settings = services.settings
        webhook = bool(settings.telegram_webhook_url)
        application = build_application(services, token, api_url_of(app), webhook=webhook)
        app[PTB_APP] = application
        initialized = False
        try:
            # inside the try: a refused token (or any failed step) still closes every
            # session and connection the bot opened, in the order PTB opened them
            await application.initialize()
            initialized = True
            services.telegram_bot = application.bot
            services.bot_username = application.bot.username
            await _set_commands(application, services)
            if webhook:
                assert settings.telegram_webhook_secret is not None
                await application.bot.set_webhook(
                    url=settings.telegram_webhook_url or "",
                    secret_token=settings.telegram_webhook_secret.get_secret_value(),
                    allowed_updates=["message", "edited_message", "callback_query"],
                    max_connections=40,
                )
            else:
                assert application.updater is not None
                await application.updater.start_polling(
                    allowed_updates=["message", "edited_message", "callback_query"],
                    timeout=10,
                    poll_interval=0.0,
                )
            await application.start()
            log.info(
                "bot @%s running (%s)",
                application.bot.username,
                "webhook" if webhook else "polling",
            )
            yield
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            if initialized:
                await application.shutdown()
            else:  # PTB's shutdown skips an application that never finished initialising
                await application.bot.shutdown()
            services.telegram_bot = None

    return ctx


async def webhook(request: web.Request) -> web.Response:
    """Telegram's webhook: 403 without the right secret; 200 once the update is applied."""
    app = request.app
    settings = app[SERVICES].settings
    expected = settings.telegram_webhook_secret
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if expected is None or not secrets.compare_digest(
        given.encode(), expected.get_secret_value().encode()
    ):
        return web.Response(status=403, text="forbidden")
    application = app.get(PTB_APP)
    if application is None or not application.running:
        return web.Response(status=503, text="bot not running")
    if request.content_type != "application/json":
        return web.Response(status=415, text="expected application/json")
    try:
        data = await request.json()
        update = Update.de_json(data, application.bot)
    except Exception:
        return web.Response(status=400, text="not a Telegram update")
    if update is None:
        return web.Response(status=400, text="not a Telegram update")
    # Process before answering, in the user's turn: Telegram redelivers on failure, and the
    # update id makes a redelivery harmless, so nothing acknowledged can be lost.
    await application.update_processor.process_update(update, application.process_update(update))
    return web.Response(text="ok")


def bot_running(app: web.Application) -> bool:
    application = app.get(PTB_APP)
    return bool(application is not None and application.running)
