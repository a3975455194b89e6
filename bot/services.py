"""What the parts of the process share, built once by `create_app` and stored on the aiohttp app.

Handlers, the staff web app, the mention monitor and the reminder job all read
`app[SERVICES]` (or get it passed in); handlers get it from the PTB context with
`services_of(context)`; tests build the same object with fakes.

Every field is named and typed: what one part provides at run time for another (hooks on
interview milestones, extra periodic jobs, the mention monitor's X client) has its own field
here instead of a string-keyed dictionary.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from bot.settings import Settings
from storage.clock import utcnow
from storage.database import Database
from storage.models import Interview

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import CallbackContext

    from bot.interview import Questionnaire


def instance_name() -> str:
    """Who holds a job's lease (bot/jobs.py): host, process and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


InterviewHook = Callable[["Services", Interview], Awaitable[None]]
"""Called when an interview starts or completes (handlers/hooks.py runs them)."""

Job = Callable[["Services"], Awaitable[object]]
"""A periodic job (bot/jobs.py): a coroutine function of the services."""


@dataclass(frozen=True)
class JobSpec:
    """A periodic job another part adds before start-up: its lease name and period."""

    name: str
    seconds: float
    run: Job


class XReplier(Protocol):
    """What an invitation needs of an X client (bot.mentions.client.XApi is one)."""

    async def reply(self, text: str, in_reply_to_tweet_id: str) -> str: ...


@dataclass
class Services:
    settings: Settings
    db: Database
    questionnaire: Questionnaire
    clock: Callable[[], datetime] = utcnow
    bot_username: str | None = None
    telegram_bot: Bot | None = None
    """Set once the PTB Application is initialised (bot/telegram.py); None when stopped."""
    instance: str = field(default_factory=instance_name)
    """This process's name as a job-lease holder; tests running two instances set their own."""
    on_interview_started: list[InterviewHook] = field(default_factory=list)
    on_interview_completed: list[InterviewHook] = field(default_factory=list)
    jobs: list[JobSpec] = field(default_factory=list)
    """Periodic jobs besides bot.jobs.JOBS (create_app adds the mention jobs)."""
    x_api: XReplier | None = None
    """The running mention monitor's X client, reused by invitations (bot/mentions/leads.py)."""
    removed_keyboards: OrderedDict[tuple[int, int], None] = field(default_factory=OrderedDict)
    """(chat, message) whose buttons this process removed lately (handlers/keyboards.py)."""
    keyboard_removals: dict[tuple[int, int], Any] = field(default_factory=dict)
    """(chat, message) whose buttons are being removed in the background (handlers/keyboards)."""


SERVICES = web.AppKey("services", Services)

BOT_DATA_KEY = "services"
"""Where bot/telegram.py puts the services in PTB's `application.bot_data`."""


def services_of(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """The services of the PTB application that runs a handler, typed."""
    services = context.bot_data[BOT_DATA_KEY]
    if not isinstance(services, Services):
        raise TypeError(f"bot_data[{BOT_DATA_KEY!r}] is not the Services")
    return services
