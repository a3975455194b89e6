"""Building the python-telegram-bot Application: polling or webhook, per-user ordering.

See docs/adr/0001-per-user-sequential-updates.md for why updates of one person are
processed in order while different people are served concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from aiohttp import web
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    ExtBot,
)

import handlers
from bot import logs, metrics, transport
from bot.aiorequest import AiohttpRequest
from bot.ratelimit import FloodPacer
from bot.services import BOT_DATA_KEY, SERVICES, Services, services_of
from bot.transport import RetryingRequest
from handlers import keyboards, outbox
from storage.interviews import InterviewStore

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


#: a handler that has not answered its callback query this soon after arrival is too late:
#: the query is answered (empty) for it, so the spinner stops
#: (docs/adr/0004-one-reply-per-update.md)
PRE_ANSWER_AFTER = 0.25
#: how long the answer on arrival waits for its text (a stale tap's note, read then) or for a
#: handler at work to answer with its own; after that it is answered empty
ARRIVAL_TEXT_WITHIN = 0.5
#: a tap whose handler is at work, or waits behind the person's earlier updates, is given this
#: long past PRE_ANSWER_AFTER to answer with its own text
HANDLER_GRACE = 0.35

#: the answers a handler started in the update being handled: awaited at the end of its turn,
#: so one person's answers stay in order (a 429's retry_after is kept for their next one)
_TURN_ANSWERS: ContextVar[list[asyncio.Task[None]] | None] = ContextVar(
    "turn_answers", default=None
)


class CallbackAnswers:
    """answerCallbackQuery exactly once per query: by the handler if it answers within
    `PRE_ANSWER_AFTER` of the tap's arrival (so its text is shown), otherwise on time, whatever
    the update is waiting for (its user's turn, a concurrency slot, the pacer), with the text
    `arrived` is given a way to find (a stale tap's "that question has moved on"), or empty.

    Telegram refuses a second answer; `take()` says who answers. Single event loop: no locks.
    """

    def __init__(self, keep: int = 20_000) -> None:
        self._answered: dict[str, None] = {}  # recent query ids, oldest first
        self._keep = keep
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiters: dict[str, asyncio.Event] = {}  # query id -> set when it is answered
        self.early = 0  # answered on arrival's behalf (the handler was late)

    def take(self, query_id: str) -> bool:
        """True for the first caller (who must answer), False for everyone after."""
        if query_id in self._answered:
            return False
        self._answered[query_id] = None
        waiter = self._waiters.pop(query_id, None)
        if waiter is not None:
            waiter.set()
        if len(self._answered) > self._keep:
            del self._answered[next(iter(self._answered))]
        return True

    def arrived(
        self,
        bot: Any,
        query_id: str,
        text: Callable[[], Awaitable[str | None]] | None = None,
    ) -> None:
        """A tap came in: answer it `PRE_ANSWER_AFTER` from now unless its handler has; `text`
        (asked then, bounded by ARRIVAL_TEXT_WITHIN) gives the answer's text, if any."""
        if query_id in self._answered:  # a redelivery in this process: answered already
            return
        self._start(self._answer_later(bot, query_id, text))

    def send(self, answer: Awaitable[Any]) -> None:
        """A handler's answer goes out without the handler waiting for it: the spinner stops
        as soon as Telegram has it, and the reply is not held back a round trip (nothing a
        handler does depends on the answer's result; a failure is logged). The update's turn
        ends only once it is done (`PerUserSequentialProcessor`)."""
        task = self._start(self._sent(answer))
        turn = _TURN_ANSWERS.get()
        if turn is not None:
            turn.append(task)

    def _start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @staticmethod
    async def _sent(answer: Awaitable[Any]) -> None:
        try:
            await answer
        except TelegramError as exc:  # expired, say: the update's work goes on regardless
            log.debug("answerCallbackQuery failed: %s", exc)

    async def answered(self, query_id: str, within: float) -> None:
        """Wait until the query is answered, at most `within` seconds."""
        if query_id in self._answered:
            return
        waiter = self._waiters.setdefault(query_id, asyncio.Event())
        try:
            await asyncio.wait_for(waiter.wait(), within)
        except TimeoutError:
            self._waiters.pop(query_id, None)

    async def _answer_later(
        self, bot: Any, query_id: str, text: Callable[[], Awaitable[str | None]] | None
    ) -> None:
        await asyncio.sleep(PRE_ANSWER_AFTER)
        if query_id in self._answered:
            return
        shown = None
        if text is not None:
            try:
                shown = await asyncio.wait_for(text(), ARRIVAL_TEXT_WITHIN)
            except Exception as exc:  # slow or failing: the spinner stops all the same
                log.debug("no text for the answer on arrival: %r", exc)
        if not self.take(query_id):
            return
        self.early += 1
        try:
            await ExtBot.answer_callback_query(bot, query_id, text=shown)
        except TelegramError as exc:  # expired (a redelivery after a restart): harmless
            log.debug("answerCallbackQuery on arrival failed: %s", exc)

    async def drain(self, within: float = 5.0) -> None:
        """Let the answers in flight finish (before the bot's connections close)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=within)

    async def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()


class DeliveryBot(ExtBot[Any]):
    """PTB's bot, answering each callback query once (see `CallbackAnswers`)."""

    __slots__ = ("_answers",)

    def __init__(self, *args: Any, answers: CallbackAnswers, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answers = answers

    async def answer_callback_query(
        self, callback_query_id: str, text: str | None = None, *args: Any, **kwargs: Any
    ) -> bool:
        if not self._answers.take(callback_query_id):
            if text:
                log.info("callback answer text not shown: the query was answered on arrival")
            return True
        self._answers.send(super().answer_callback_query(callback_query_id, text, *args, **kwargs))
        return True


class PerUserSequentialProcessor(BaseUpdateProcessor):
    """Updates from one user run one after another, in arrival order; users run in parallel.

    PTB starts one task per update in arrival order; each waits on its user's lock (FIFO),
    so a quick double tap can never be applied before the message it answers. A button tap's
    callback query is answered on arrival (`CallbackAnswers`), before any waiting. Each update's
    reply outcome is recorded with its id, and an update whose reply went out is not handled
    again when Telegram redelivers it (handlers/outbox.py).
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        # PTB's own slot is taken before do_process_update; a tap must be seen before any
        # wait, so PTB's limit is only a backstop and ours is taken after the pre-answer
        super().__init__(max(max_concurrent_updates * 64, 16_384))
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        #: each user's updates in arrival order, until handled
        self._arrived: dict[int, list[int]] = {}
        self.answers = CallbackAnswers()
        self.bot: Any = None
        self.services: Services | None = None
        #: webhook mode: updates whose lost reply could not be kept (before consent); the
        #: webhook answers 503 for them, so Telegram redelivers and the reply goes out then
        self.webhook = False
        self.redeliver: set[int] = set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            async with self._slots:
                await self._in_turn(update, coroutine)
            return
        key, update_id = _user_key(update), update.update_id
        self._arrived.setdefault(key, []).append(update_id)
        try:
            if update.callback_query is not None and self.bot:
                self.answers.arrived(
                    self.bot, update.callback_query.id, lambda: self._arrival_text(update, key)
                )
            async with self._slots:
                await self._in_turn(update, coroutine)
        finally:
            queue = self._arrived.get(key, [])
            if update_id in queue:
                queue.remove(update_id)
            if not queue:
                self._arrived.pop(key, None)

    async def _arrival_text(self, update: Update, key: int) -> str | None:
        """The text of a late handler's tap, answered on arrival.

        A tap with nothing of its person's ahead of it finds the interview as it is now: a
        tap handler answers before it changes anything (handlers.keyboards.arrival_notice),
        so while the query is unanswered the state read here is the one its handler decides
        on, and a tap on a question left behind gets its "that question has moved on" here.
        (Answered meanwhile: `take` fails and this text is not used.) A tap behind earlier
        updates of its person, which may move the interview on, gives its handler a moment
        to answer with its own text, then is answered empty."""
        query = update.callback_query
        assert query is not None
        queue = self._arrived.get(key)
        if self.services is not None and queue and queue[0] == update.update_id:
            return await keyboards.arrival_notice(self.services, query, update.update_id)
        await self.answers.answered(query.id, HANDLER_GRACE)
        return None

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _user_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        update_id = update.update_id if isinstance(update, Update) else None
        try:
            with logs.context(update=update_id), metrics.handling(metrics.update_kind(update)):
                async with lock:
                    await self._once(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                self._locks.pop(key, None)

    async def _once(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle an update unless its reply went out before; record what became of it."""
        services = self.services
        if services is None or not isinstance(update, Update):
            await coroutine
            return
        store = InterviewStore(services.db)
        try:
            earlier = await outbox.claim(services, update.update_id)
        except Exception:  # the database is down: the handler will say so
            log.exception("could not claim update %s", update.update_id)
            earlier = None
        if earlier in outbox.FINAL:
            if hasattr(coroutine, "close"):
                coroutine.close()
            log.info("update %s again; its reply was %s already", update.update_id, earlier)
            chat = update.effective_chat
            if earlier == outbox.QUEUED and chat is not None:
                await outbox.deliver_chat(services, chat.id)
            return
        delivery = outbox.Delivery(update.update_id)
        token = outbox.CURRENT.set(delivery)
        answers: list[asyncio.Task[None]] = []
        answering = _TURN_ANSWERS.set(answers)
        try:
            await coroutine
        except BaseException:  # an error, or cancelled (the webhook's caller hung up): the
            delivery.note(outbox.FAILED)  # reply may not have gone out; a redelivery re-sends
            raise
        finally:
            outbox.CURRENT.reset(token)
            _TURN_ANSWERS.reset(answering)
            if answers:  # the person's next update waits for them (they keep their order)
                await asyncio.wait(answers)
            if delivery.redeliver and self.webhook:
                self.redeliver.add(update.update_id)
            try:
                await store.record_reply(update.update_id, delivery.outcome, services.clock())
            except Exception:
                log.exception("could not record update %s's reply", update.update_id)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        await self.answers.shutdown()


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
    processor = PerUserSequentialProcessor(256)
    bot = DeliveryBot(
        token,
        base_url=f"{api_url}/bot",
        base_file_url=f"{api_url}/file/bot",
        request=RetryingRequest(connection_pool_size=512, pool_timeout=10.0),
        # long polling's own request: PTB's default is httpx, several times the CPU a request
        get_updates_request=AiohttpRequest(connection_pool_size=1),
        rate_limiter=rate_limiter(),
        answers=processor.answers,
    )
    builder = ApplicationBuilder().bot(bot).concurrent_updates(processor)
    if webhook:
        builder = builder.updater(None)
    application = builder.build()
    processor.bot = application.bot
    processor.services = services
    processor.webhook = webhook
    application.bot_data[BOT_DATA_KEY] = services
    handlers.register(application)
    application.add_error_handler(_on_error)
    return application


async def _on_error(update: object, context: Any) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    metrics.ERRORS.labels("handler").inc()
    outbox.note(outbox.FAILED)  # a redelivery of this update handles it again
    log.error("update %s failed: %r", update_id, context.error, exc_info=context.error)
    if transport.replied():
        # The person already has a reply to this update: "sorry, something went wrong"
        # would be wrong about what they got (the failed later step is logged above).
        return
    if isinstance(update, Update) and update.effective_chat is not None:
        services = services_of(context)
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
            processor = application.update_processor
            if isinstance(processor, PerUserSequentialProcessor):
                await processor.answers.drain()  # before the bot's connections close
            await keyboards.drain(services)  # the rest are retried at their next step
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
    processor = application.update_processor
    await processor.process_update(update, application.process_update(update))
    lost: set[int] = getattr(processor, "redeliver", set())
    if update.update_id in lost:
        lost.discard(update.update_id)
        return web.Response(status=503, text="reply not delivered; send the update again")
    return web.Response(text="ok")


def bot_running(app: web.Application) -> bool:
    application = app.get(PTB_APP)
    return bool(application is not None and application.running)
