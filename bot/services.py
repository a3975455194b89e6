"""What the parts of the process share, built once by `create_app` and stored on the aiohttp app.

Handlers, the staff web app, the mention monitor and the reminder job all read
`app[SERVICES]` (or get it passed in); tests build the same object with fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.settings import Settings
from storage.database import Database

if TYPE_CHECKING:
    from bot.interview import Questionnaire


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    questionnaire: Questionnaire
    clock: Callable[[], datetime] = system_clock
    bot_username: str | None = None
    telegram_bot: Any = None  # telegram.Bot once the PTB Application is initialised
    extras: dict[str, Any] = field(default_factory=dict)


SERVICES = web.AppKey("services", Services)
