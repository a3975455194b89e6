"""Periodic work of the serve process, each job a coroutine run on its own interval.

Jobs read their work from the database (reminders are rows, not timers), so a restart
neither loses nor repeats anything. `JOBS` is the explicit list; other parts add to
`services.extras["jobs"]` as (name, seconds, coroutine function) before start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from bot import retention
from bot.services import SERVICES, Services
from handlers import reminders
from storage.interviews import InterviewStore

log = logging.getLogger(__name__)

Job = Callable[[Services], Awaitable[object]]


async def prune_updates(services: Services) -> None:
    """Processed update ids are only needed while Telegram might redeliver (a day)."""
    store = InterviewStore(services.db)
    await store.prune_processed_updates(services.clock() - timedelta(days=2))


JOBS: list[tuple[str, float, Job]] = [
    ("prune-updates", 3600.0, prune_updates),
    ("reminders", 300.0, reminders.send_due_reminders),
    ("expire-interviews", 3600.0, reminders.expire_idle_interviews),
    ("retention", retention.DAILY, retention.apply_retention),
]


async def _loop(services: Services, name: str, seconds: float, job: Job) -> None:
    while True:
        try:
            await job(services)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s failed; will try again in %.0f s", name, seconds)
        await asyncio.sleep(seconds)


async def context(app: web.Application) -> AsyncIterator[None]:
    services = app[SERVICES]
    tasks = [
        asyncio.create_task(_loop(services, name, seconds, job), name=f"job:{name}")
        for name, seconds, job in [*JOBS, *services.extras.get("jobs", [])]
    ]
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
