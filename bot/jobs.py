"""Periodic work of the serve process, each job a coroutine run on its own interval.

Jobs read their work from the database (reminders are rows, not timers), so a restart
neither loses nor repeats anything. `JOBS` is the explicit list; other parts add a
`JobSpec` (name, seconds, coroutine function) to `services.jobs` before start-up.

Every instance runs every loop, but a run first claims the job's lease for (most of) one
period (storage/leases.py), so with several instances on one database each job still runs
once per period. Leases use the wall clock, not `services.clock` (which tests may freeze).
A job whose result has a `retry_after` longer than its period (the mention monitor after
X's rate limit) keeps the lease that long, so no other instance runs it early.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from bot import metrics, retention
from bot.services import SERVICES, Job, JobSpec, Services
from handlers import outbox, reminders
from storage import leases
from storage.clock import utcnow
from storage.interviews import InterviewStore

log = logging.getLogger(__name__)

#: a run claims the lease for this share of the period, so the same instance's next tick
#: always finds it free while another instance can never start within 90 % of a period
LEASE_SHARE = 0.9


async def prune_updates(services: Services) -> None:
    """Processed update ids are only needed while Telegram might redeliver (a day); outbox
    rows that old say nothing anyone still waits for."""
    store = InterviewStore(services.db)
    await store.prune_processed_updates(services.clock() - timedelta(days=2))
    await outbox.prune(services)


JOBS: list[JobSpec] = [
    JobSpec("prune-updates", 3600.0, prune_updates),
    JobSpec("outbox", outbox.PERIOD, outbox.deliver_due),
    JobSpec("reminders", 300.0, reminders.send_due_reminders),
    JobSpec("expire-interviews", 3600.0, reminders.expire_idle_interviews),
    JobSpec("retention", retention.DAILY, retention.apply_retention),
]


async def run_once(
    services: Services, name: str, seconds: float, job: Job, holder: str | None = None
) -> bool:
    """Run `job` if this instance (`holder`, by default `services.instance`) wins this
    period's lease; False if another instance did."""
    holder = holder or services.instance
    period = timedelta(seconds=seconds * LEASE_SHARE)
    if not await leases.claim(services.db, name, holder, utcnow(), period):
        metrics.JOB_RUNS.labels(name, "skipped").inc()
        return False
    try:
        result = await job(services)
    except Exception:
        metrics.JOB_RUNS.labels(name, "failed").inc()
        raise
    metrics.JOB_RUNS.labels(name, "ran").inc()
    wait = getattr(result, "retry_after", None)
    if isinstance(wait, (int, float)) and wait > seconds:
        await leases.extend(services.db, name, holder, utcnow() + timedelta(seconds=wait))
    return True


async def _loop(services: Services, name: str, seconds: float, job: Job) -> None:
    while True:
        try:
            await run_once(services, name, seconds, job)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s failed; will try again in %.0f s", name, seconds)
        await asyncio.sleep(seconds)


async def context(app: web.Application) -> AsyncIterator[None]:
    services = app[SERVICES]
    tasks = [
        asyncio.create_task(
            _loop(services, spec.name, spec.seconds, spec.run), name=f"job:{spec.name}"
        )
        for spec in [*JOBS, *services.jobs]
    ]
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
