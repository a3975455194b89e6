"""Prometheus metrics: updates handled, reply latency, errors, Telegram retries, jobs, leads.

Counters live in one registry per process (not the global default, so importing this module
never clashes with another library's metrics). Interview and lead totals are read from the
database when the page is scraped, so they agree across instances. `GET /metrics` sits in the
staff app's route list: the staff guard makes it sign-in only (viewer role); it carries
counts, never personal data.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select
from sqlmodel import col
from telegram import Update

from bot.services import SERVICES
from storage.database import Database
from storage.mentions import Lead
from storage.models import Interview

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "dgu_updates_handled",
    "Telegram updates processed, by kind (message, callback_query, ...) and outcome",
    ["kind", "outcome"],
    registry=REGISTRY,
)
REPLY_LATENCY = Histogram(
    "dgu_update_seconds",
    "Time from taking an update to finishing it (stored and replied), by kind",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
ERRORS = Counter(
    "dgu_errors",
    "Errors by where they happened (handler, telegram, job, reply_undelivered)",
    ["where"],
    registry=REGISTRY,
)
TELEGRAM_RETRIES = Counter(
    "dgu_telegram_retries",
    "Bot API requests retried, by reason (server_error, timeout, network, flood)",
    ["reason"],
    registry=REGISTRY,
)
OUTBOX = Counter(
    "dgu_outbox_messages",
    "Replies Telegram did not take at once: queued, delivered late, superseded, unreachable",
    ["event"],
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "dgu_job_runs",
    "Periodic job runs by job and outcome (ran, failed, skipped: another instance had it)",
    ["job", "outcome"],
    registry=REGISTRY,
)
INTERVIEWS = Gauge(
    "dgu_interviews", "Interviews in the database, by status", ["status"], registry=REGISTRY
)
LEADS = Gauge("dgu_leads", "Leads from X mentions, by status", ["status"], registry=REGISTRY)


def update_kind(update: object) -> str:
    """The update's type (message, edited_message, callback_query...), never its content.

    Looked up field by field: serialising the whole update (to_dict) cost about 0.3 ms each.
    """
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return str(kind)
    return "other"


@contextmanager
def handling(kind: str) -> Iterator[None]:
    """Time one update; errors inside handlers are counted by the error handler."""
    start = time.perf_counter()
    outcome = "ok"
    try:
        yield
    except BaseException:
        outcome = "failed"
        raise
    finally:
        UPDATES.labels(kind, outcome).inc()
        REPLY_LATENCY.labels(kind).observe(time.perf_counter() - start)


async def refresh_from_database(db: Database) -> None:
    async with db.reading() as session:
        rows = (
            await session.execute(
                select(col(Interview.status), func.count()).group_by(col(Interview.status))
            )
        ).all()
        INTERVIEWS.clear()
        for status, count in rows:
            INTERVIEWS.labels(status).set(count)
        leads = (
            await session.execute(select(col(Lead.status), func.count()).group_by(col(Lead.status)))
        ).all()
        LEADS.clear()
        for status, count in leads:
            LEADS.labels(status).set(count)


async def metrics_page(request: web.Request) -> web.Response:
    await refresh_from_database(request.app[SERVICES].db)
    return web.Response(
        body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


metrics_page.staff_role = "viewer"  # type: ignore[attr-defined]  # read by the staff guard
