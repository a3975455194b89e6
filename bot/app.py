"""The composition root: `create_app()` builds the one aiohttp application that owns
everything (database, Telegram bot, staff web app, mention monitor, periodic jobs), tied to
aiohttp's `cleanup_ctx` lifecycle. Tests call the same factory with overrides.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import jinja2
from aiohttp import web

from bot import health, jobs, transcription
from bot.interview import Questionnaire, load_questionnaire
from bot.mentions import leads
from bot.mentions import views as mention_views
from bot.mentions.monitor import MentionMonitor, PollResult
from bot.services import SERVICES, JobSpec, Services
from bot.settings import Settings
from bot.telegram import telegram_context, webhook
from bot.web import TEMPLATES, auth, setup_staff_app, templating
from bot.web.routes import STAFF_RESOURCES
from storage.clock import utcnow
from storage.database import Database
from storage.interviews import InterviewStore
from storage.migrate import upgrade_async
from storage.models import Interview

if TYPE_CHECKING:
    from bot.sandbox.emulator import BotApiEmulator

log = logging.getLogger(__name__)

EMULATOR = web.AppKey("emulator", object)


@dataclass(frozen=True)
class Overrides:
    """What a test (or the benchmark) may replace when it builds the process."""

    clock: Callable[[], datetime] = utcnow
    questionnaire: Questionnaire | None = None
    telegram_api_url: str | None = None
    """The Bot API root instead of settings.telegram_api_url (with a real token)."""
    emulator: BotApiEmulator | None = None
    """An existing emulator to use in local mode (no token)."""
    migrate: bool = True
    jobs: bool = True


def create_app(settings: Settings, overrides: Overrides | None = None) -> web.Application:
    """Build the process; tests pass `Overrides`."""
    overrides = overrides or Overrides()
    transcription.check(settings)  # a Whisper model setting that cannot work stops the start
    questionnaire = overrides.questionnaire or load_questionnaire(settings.questionnaire)
    db = Database(settings.database_url)
    services = Services(
        settings=settings, db=db, questionnaire=questionnaire, clock=overrides.clock
    )
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[SERVICES] = services

    app.cleanup_ctx.append(_database_ctx(migrate=overrides.migrate))
    app.cleanup_ctx.append(transcription.context)  # after the database, before Telegram
    token, api_url_of = _telegram_endpoint(app, settings, overrides)
    app.cleanup_ctx.append(telegram_context(token, api_url_of))
    app.cleanup_ctx.append(transcription.resuming)
    if overrides.jobs:
        app.cleanup_ctx.append(jobs.context)
    setup_routes(app, settings)
    setup_staff_pages(app)
    setup_mentions(app)
    return app


def setup_routes(app: web.Application, settings: Settings) -> None:
    """Every URL of the process outside the staff app's own list."""
    app.router.add_get("/healthz", health.healthz)
    app.router.add_post("/telegram/webhook", webhook)


def setup_staff_pages(app: web.Application) -> None:
    """The staff web app with the mention pages inside it: one sign-in, role and CSRF guard,
    one layout and navigation (the two packages stay independent; they meet here). Both
    render through one loader: the staff templates, with the layout, then the mention pages'."""
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(TEMPLATES), jinja2.FileSystemLoader(mention_views.TEMPLATES)]
    )
    setup_staff_app(app, loader)
    app[STAFF_RESOURCES].update(
        mention_views.setup_routes(
            app,
            require_role=auth.requires,
            page_context=templating.page_context,
            loader=loader,
        )
    )


def setup_mentions(app: web.Application) -> None:
    """Leads follow their deep-linked interviews; the monitor polls X when credentials exist."""
    services = app[SERVICES]

    async def started(services: Services, interview: Interview) -> None:
        await leads.on_interview_started(services.db, interview.source, interview.id)

    async def completed(services: Services, interview: Interview) -> None:
        await leads.on_interview_completed(services.db, interview.source, interview.id)

    services.on_interview_started.append(started)
    services.on_interview_completed.append(completed)
    services.jobs.append(JobSpec("lead-sync", 900.0, _sync_leads))
    if services.settings.x_enabled:
        # A periodic job like the others (one instance per period, see bot/jobs.py); with the
        # jobs off (tests) polling happens only through bot.mentions.monitor.poll_once.
        poller = _MentionPoller()
        services.jobs.append(
            JobSpec("mentions-poll", services.settings.x_poll_seconds, poller.poll)
        )
        app.cleanup_ctx.append(poller.context)


async def _sync_leads(services: Services) -> None:
    await leads.sync_from_interviews(services.db)


class _MentionPoller:
    """The mentions-poll job: one monitor (and X client) kept between runs, closed at stop."""

    def __init__(self) -> None:
        self.monitor: MentionMonitor | None = None

    async def poll(self, services: Services) -> PollResult:
        if self.monitor is None:
            self.monitor = MentionMonitor(services, announce=_announcer(services))
        return await self.monitor.poll_once()

    async def context(self, _app: web.Application) -> AsyncIterator[None]:
        yield
        monitor, self.monitor = self.monitor, None
        if monitor is not None:
            await monitor.close()


def _announcer(services: Services) -> Callable[[int, str], Awaitable[None]]:
    async def announce(chat_id: int, html_text: str) -> None:
        bot = services.telegram_bot
        if bot is None:
            return
        try:
            await bot.send_message(
                chat_id, html_text, parse_mode="HTML", disable_web_page_preview=True
            )
        except Exception as exc:  # an alert must never stop the monitor
            log.warning("lead alert to a staff chat failed: %s", type(exc).__name__)

    return announce


def build_services(settings: Settings) -> Services:
    """Services without the web app, for one-shot commands (export, mentions poll)."""
    return Services(
        settings=settings,
        db=Database(settings.database_url),
        questionnaire=load_questionnaire(settings.questionnaire),
    )


def _database_ctx(*, migrate: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        services = app[SERVICES]
        if migrate:
            await upgrade_async(services.settings.database_url)
        yield
        await services.db.dispose()

    return ctx


def _telegram_endpoint(
    app: web.Application, settings: Settings, overrides: Overrides
) -> tuple[str, Callable[[web.Application], str]]:
    """The token and Bot API root: the real settings, or the local emulator in local mode."""
    if settings.telegram_bot_token is not None:
        token = settings.telegram_bot_token.get_secret_value()
        api = overrides.telegram_api_url or settings.telegram_api_url
        return token, lambda _app: api

    # local mode only: the emulator and simulator are not loaded in production
    from bot.sandbox.emulator import BotApiEmulator
    from bot.sandbox.simulator import setup_simulator_routes

    emulator = overrides.emulator
    if emulator is None:
        token = f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(16)}"
        emulator = BotApiEmulator(token)
    app[EMULATOR] = emulator
    app.cleanup_ctx.append(_emulator_ctx(emulator, fresh=overrides.emulator is None))
    setup_simulator_routes(app, emulator, upload_max_bytes=settings.media_max_bytes)

    def api_url(_app: web.Application) -> str:
        assert emulator.root is not None  # set by _emulator_ctx, which runs first
        return emulator.root.rstrip("/")

    return emulator.token, api_url


def _emulator_ctx(
    emulator: BotApiEmulator, *, fresh: bool
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Serve the emulator on its own loopback port before the bot starts talking to it."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        if fresh:  # a restart on the same database: update ids go on from the last one handled
            try:
                last = await InterviewStore(app[SERVICES].db).last_processed_update_id()
            except Exception:  # not migrated yet: the bot itself will say so
                log.warning("local mode: could not read the last update id", exc_info=True)
                last = None
            if last is not None:
                emulator.continue_update_ids(last)
        if emulator.root is not None:  # already served by a test
            yield
            return
        runner = web.AppRunner(emulator.make_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        emulator.root = f"http://127.0.0.1:{port}"
        try:
            yield
        finally:
            await runner.cleanup()

    return ctx
