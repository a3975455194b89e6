"""The one chat kit: a Bot API emulator on a real port, the real process against it, and a
respondent who talks to it.

A conversation test reads like the chat it checks. Tests of the whole process use the
fixtures of ``tests/integration/conftest.py``: ``clock`` (a ``Clock`` the test moves),
``emulator``, ``bot`` (a ``RunningBot``: ``create_app`` against the emulator) and ``chat``, a
``BotChat``: one respondent whose every action returns once the process is idle, and who can
consent, answer, advance to a question and complete the interview::

    async def test_reminder(bot, chat, clock):
        await chat.consent("English")
        await chat.answer()
        clock.advance(hours=49)
        assert await send_due_reminders(bot.services) == 1

    async def test_language_choice(bot):
        chat = bot.chat(1001, first_name="Ann", language_code="cy")
        await chat.send("/start")                     # returns once the bot has reacted
        assert chat.last_reply.button_labels == ["Cymraeg", "English"]
        await chat.tap("Cymraeg")                     # presses the inline button
        assert bot.emulator.violations == []          # Telegram would have accepted every request

Everything else the emulator's ``Chat`` does (``transcript``, ``snapshot``, ``tap_snapshot``,
``send_voice``, ``edit``, ``documents`` ...) a ``BotChat`` does too. A test that restarts the
process, or starts it with settings made inside the test, uses ``running_bot(emulator, ...)``
with the ``emulator`` fixture. What "the bot has reacted" means is documented in
``bot.sandbox.users``.

Tests of PTB itself (no ``create_app``): ``running_emulator(...)`` serves a ``BotApiEmulator``
on 127.0.0.1 and sets ``emulator.root``; ``ptb_builder(emulator)`` returns an
``ApplicationBuilder`` pointed at it; ``polling(application)`` runs that Application with long
polling the way production does.

This module is long but one thing: what a test needs to hold a conversation with the bot.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from telegram.ext import Application, ApplicationBuilder

from bot.app import Overrides, create_app
from bot.interview import Questionnaire, State, split_key
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.users import BotMessage, Button, Chat
from bot.services import SERVICES, Services
from bot.settings import Settings
from storage.interviews import InterviewStore
from storage.models import Interview

__all__ = [
    "CREDIT",
    "LONG_TEXT",
    "WEBHOOK_SECRET",
    "BotApiEmulator",
    "BotChat",
    "BotMessage",
    "Button",
    "Chat",
    "Clock",
    "RunningBot",
    "bot_settings",
    "free_port",
    "polling",
    "ptb_builder",
    "running_bot",
    "running_emulator",
]

WEBHOOK_SECRET = "test-webhook-secret_123"

LANGUAGE_LABELS = {"en": "English", "cy": "Cymraeg"}
"""The language buttons' labels by Telegram language code."""

CREDIT = "Siân Jones, Head of Digital, Cardiff Council"
"""The name and job title a respondent quoted by name types to be credited with."""

LONG_TEXT = (
    "We rebuilt <b>benefits</b> & tax forms with users: 5 > 3 < 7, *stars* _under_ [links]"
    " `code` — and it worked 🎉 because the team sat with the policy owners every week."
)
"""The answer to every free-text question, unless scripted: long enough to need no probe,
with every character Telegram's HTML would misread."""


class Clock:
    """A clock the test moves by hand; the bot reads it for every timestamp."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# -- the emulator ---------------------------------------------------------------------------


@asynccontextmanager
async def running_emulator(**kwargs: Any) -> AsyncIterator[BotApiEmulator]:
    """Serve a fresh emulator (kwargs go to ``BotApiEmulator``) on a free loopback port."""
    emulator = BotApiEmulator(**kwargs)
    server = TestServer(emulator.make_app(), host="127.0.0.1")
    await server.start_server()
    emulator.root = str(server.make_url("")).rstrip("/")
    try:
        yield emulator
    finally:
        await emulator.close()
        await server.close()


def ptb_builder(emulator: BotApiEmulator) -> ApplicationBuilder:  # type: ignore[type-arg]
    """An ApplicationBuilder with token and URLs of the emulator (add handlers, then build)."""
    return (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
    )


@asynccontextmanager
async def polling(application: Application, **kwargs: Any) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Run an Application with long polling (short timeouts so tests stop quickly)."""
    kwargs.setdefault("poll_interval", 0.0)
    kwargs.setdefault("timeout", 1)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(**kwargs)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


# -- the process ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningBot:
    """The whole serve process (``create_app``) on a loopback port."""

    app: web.Application
    server: TestServer
    client: TestClient
    emulator: BotApiEmulator | None = None

    async def idle(self, seconds: float = 15.0) -> None:
        """Wait until the process has nothing queued, in progress or in flight (3 checks)."""
        from bot.telegram import PTB_APP

        application = self.app[PTB_APP]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        calm = 0
        while calm < 3:
            busy = (
                application.update_queue.qsize() > 0
                or application.update_processor.current_concurrent_updates > 0
                or bool(self.services.keyboard_removals)  # buttons going in the background
            )
            if self.emulator is not None:
                busy = (
                    busy
                    or bool(self.emulator.pending_updates())
                    or any(
                        self.emulator.activity(chat.user_id).in_flight
                        for chat in self.emulator.chats
                    )
                )
            calm = 0 if busy else calm + 1
            if loop.time() > deadline:
                raise TimeoutError("the bot did not become idle")
            await asyncio.sleep(0.01)

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    def chat(self, user_id: int, **profile: Any) -> BotChat:
        """A respondent's chat with this bot (`profile`: first_name, username, language_code;
        taken the first time the emulator sees this user)."""
        assert self.emulator is not None
        return BotChat(self, self.emulator.chat(user_id, **profile))

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


def bot_settings(emulator: BotApiEmulator, database_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": emulator.token,
        "telegram_api_url": emulator.root,
        "database_url": database_url,
        "_env_file": None,
    }
    if not database_url.startswith("sqlite"):  # respondents' files: never in the checkout
        values["media_dir"] = Path(tempfile.mkdtemp(prefix="dgu-media-"))
    values.update(extra)
    return Settings(**values)


#: tries to bind a webhook bot's port (chosen before the server starts, so another test process
#: can take it in between)
PORT_TRIES = 5
#: a chat's quiet margin (the emulator's `quiet`: no Bot API call for this long) with the bot
#: in this process, whose idleness `RunningBot.idle` also checks exactly (updates queued or in
#: handlers, keyboards going in the background, calls in flight); a bot in another process has
#: only the margin, and keeps the emulator's 0.1 s
IN_PROCESS_QUIET = 0.03


@asynccontextmanager
async def running_bot(
    emulator: BotApiEmulator,
    database_url: str,
    *,
    webhook: bool = False,
    clock: Callable[[], datetime] | None = None,
    jobs: bool = False,
    pacing: bool = False,
    **settings: Any,
) -> AsyncIterator[RunningBot]:
    """The whole serve process on a real loopback port, talking HTTP to the emulator.

    Flood pacing is off unless asked for: the emulator then imposes no flood limits either,
    and the conversation helpers' "the bot has reacted" rule assumes replies are not held back.
    """
    import bot.telegram

    original_limiter = bot.telegram.rate_limiter
    if not pacing:
        bot.telegram.rate_limiter = lambda: None  # type: ignore[assignment]
    overrides = Overrides(jobs=jobs) if clock is None else Overrides(jobs=jobs, clock=clock)
    for attempt in range(PORT_TRIES):
        port = None  # the server binds a free port itself
        chosen = dict(settings)
        if webhook:  # Telegram is told the URL before the server starts: a port chosen first
            port = free_port()
            chosen.setdefault("telegram_webhook_url", f"http://127.0.0.1:{port}/telegram/webhook")
            chosen.setdefault("telegram_webhook_secret", WEBHOOK_SECRET)
        app = create_app(bot_settings(emulator, database_url, **chosen), overrides)
        server = TestServer(app, host="127.0.0.1", port=port)
        client = TestClient(server)
        try:
            await client.start_server()
            break
        except OSError as exc:  # another test process took the port between choice and bind
            await client.close()
            if exc.errno != errno.EADDRINUSE or attempt == PORT_TRIES - 1:
                raise
    running = RunningBot(app, server, client, emulator)
    emulator.settle_hooks.append(running.idle)
    quiet, emulator.quiet = emulator.quiet, min(emulator.quiet, IN_PROCESS_QUIET)
    try:
        yield running
    finally:
        emulator.quiet = quiet
        emulator.settle_hooks.remove(running.idle)
        await client.close()
        bot.telegram.rate_limiter = original_limiter  # type: ignore[assignment]


# -- the respondent -------------------------------------------------------------------------


class BotChat:
    """One respondent's chat with a running bot: every action returns once the process is
    idle (nothing waiting, queued, processed or in flight), not only once the chat is quiet.

    `bot` is None for a bot in another process (tests/reliability/processes.ServeProcess):
    the chat's own settling is then all the waiting there is, and only what needs no
    database (send, tap, consent) works. Whatever else the emulator's ``Chat`` offers is
    reached through this object unchanged.
    """

    def __init__(self, bot: RunningBot | None, chat: Chat) -> None:
        self.bot = bot
        self.raw = chat

    def __getattr__(self, name: str) -> Any:  # the rest of the emulator's Chat, unchanged
        if name == "raw":
            raise AttributeError(name)
        return getattr(self.raw, name)

    @property
    def user_id(self) -> int:
        return self.raw.user_id

    @property
    def services(self) -> Services:
        assert self.bot is not None, "a chat with a bot in another process has no services"
        return self.bot.services

    @property
    def messages(self) -> list[BotMessage]:
        return self.raw.messages

    @property
    def last_reply(self) -> BotMessage:
        return self.raw.last_reply

    def ui(self, lang: str, key: str, **params: Any) -> str:
        """A UI string as the bot says it (prompts/ui.<lang>.yaml)."""
        return str(self.services.questionnaire.ui(lang, key, **params))

    async def idle(self) -> None:
        if self.bot is not None:
            await self.bot.idle()

    async def _waited(self) -> None:
        """After a send or tap that waited: the emulator's settle hooks have already waited
        for a bot that `running_bot` started; wait here for any other."""
        if self.bot is not None and self.bot.idle not in self.raw.emulator.settle_hooks:
            await self.bot.idle()

    async def send(self, text: str, **options: Any) -> int:
        """Send a text (options: ``wait``, ``timeout``; with ``wait=False`` it returns at
        once, as a second part of a paste arrives); returns the message's id."""
        message_id = await self.raw.send(text, **options)
        if options.get("wait", True):
            await self._waited()
        return message_id

    async def tap(self, label: str, **options: Any) -> str:
        """Press the inline button with this label (or callback data) on the newest message
        having it (options: ``message_id``, ``wait``, ``timeout``)."""
        query_id = await self.raw.tap(label, **options)
        if options.get("wait", True):
            await self._waited()
        return query_id

    async def consent(self, label: str | None = None, quote: int = 0, credit: str = CREDIT) -> None:
        """From /start to the first question: language (by default the chat's own), the
        privacy notice's agree, the quote-consent level numbered `quote` (and, when quoted by
        name, the name and job title to credit)."""
        await self.send("/start")
        await self.tap(label or LANGUAGE_LABELS[self.raw.language_code or "en"])
        await self.tap(self.last_reply.buttons[0][0])  # agree
        await self.tap(self.last_reply.buttons[quote][0])  # quote consent level
        if quote == 0:
            await self.send(credit)

    async def answer(self, script: dict[str, Any] | None = None) -> str:
        """Answer the current question once (scripted per question id, else the first
        choice, two choices, Estonia, the middle of the range or LONG_TEXT then Done);
        returns the question id answered."""
        await self.idle()
        state = await self.state()
        assert state is not None and state.cursor is not None, "no current question"
        q = await self.questionnaire()
        qid, _item = split_key(state.cursor)
        question = q.question(qid)
        wanted = (script or {}).get(qid)
        kind = question.kind
        key = state.cursor
        if kind in ("single", "yesno", "scale"):
            choice = wanted or question.choice_ids[0] if kind == "single" else wanted
            await self.tap(self._button_data(key, choice))
        elif kind == "multi":
            picks = wanted or list(question.choice_ids[:2])
            for pick in picks:
                await self.tap(f"t|{key}|{pick}")
            await self.tap(f"d|{key}")
        elif kind == "country":
            await self.send(wanted or "Estonia")  # an exact name is the answer ...
            data = [
                b.callback_data
                for row in self.last_reply.buttons
                for b in row
                if b.callback_data and b.callback_data.startswith(f"a|{key}|")
            ]
            if data:  # ... anything else is confirmed with a tap
                await self.tap(data[0])
        elif kind == "number":
            low = question.minimum if question.minimum is not None else 0
            high = question.maximum if question.maximum is not None else low + 10
            await self.send(str(wanted if wanted is not None else (low + high) // 2))
        else:
            await self.send(wanted or LONG_TEXT)
            after = await self.state()
            if after is not None and after.cursor == key and after.status != "reviewing":
                await self.send("/done")
        await self.idle()
        return qid

    def _button_data(self, key: str, choice: str | None) -> str:
        for message in reversed(self.messages):
            for row in message.buttons:
                for button in row:
                    data = button.callback_data or ""
                    if data.startswith(f"a|{key}|") and (
                        choice is None or data == f"a|{key}|{choice}"
                    ):
                        return data
        raise AssertionError(f"no button for {key}={choice}")

    async def advance_to(self, question_id: str, limit: int = 80) -> None:
        """Answer (unscripted) until `question_id` is asked; an entry of a repeat group
        counts as its question."""
        for _ in range(limit):
            state = await self.state()
            assert state is not None
            if state.cursor is not None and split_key(state.cursor)[0] == question_id:
                return
            await self.answer()
        raise AssertionError(f"never reached {question_id}")

    async def complete(self, script: dict[str, Any] | None = None, limit: int = 200) -> list[str]:
        """Answer until the review, then submit; returns the question ids answered."""
        answered: list[str] = []
        for _ in range(limit):
            state = await self.state()
            assert state is not None
            if state.status == "reviewing":
                await self.tap("S")
                return answered
            if state.status == "completed":
                return answered
            answered.append(await self.answer(script))
        raise AssertionError("interview did not finish")

    async def state(self) -> State | None:
        """The current interview's engine state, from the database."""
        found = await self._interview()
        return State.from_json(found.state) if found else None

    async def questionnaire(self) -> Questionnaire:
        """The questionnaire version the current interview runs on."""
        found = await self._interview()
        version = found.questionnaire_version if found else None
        return self.services.questionnaire.for_version(version)

    async def _interview(self) -> Interview | None:
        store = InterviewStore(self.services.db)
        respondent = await store.respondent(self.user_id)
        if respondent is None or respondent.id is None:
            return None
        return await store.current_interview(respondent.id)
