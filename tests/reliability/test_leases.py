"""Periodic work is done once across instances: the lease, and the job loops that use it."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot import jobs
from storage import leases
from storage.database import Database

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PERIOD = timedelta(minutes=5)


@pytest.fixture
async def db(migrated_url: str):
    database = Database(migrated_url)
    yield database
    await database.dispose()


async def test_one_holder_per_period_and_expiry_frees_it(db: Database) -> None:
    assert await leases.claim(db, "reminders", "a", T0, PERIOD)
    assert not await leases.claim(db, "reminders", "b", T0 + timedelta(seconds=1), PERIOD)
    assert not await leases.claim(db, "reminders", "a", T0 + timedelta(minutes=4), PERIOD)
    assert await leases.claim(db, "other-job", "b", T0, PERIOD), "leases are per job"
    assert await leases.claim(db, "reminders", "b", T0 + PERIOD, PERIOD), "expired: free"
    row = await leases.get(db, "reminders")
    assert row is not None and row.holder == "b" and row.runs == 2


async def test_a_crashed_holder_blocks_only_until_expiry(db: Database) -> None:
    assert await leases.claim(db, "retention", "crashed", T0, PERIOD)
    later = T0 + PERIOD + timedelta(microseconds=1)
    assert await leases.claim(db, "retention", "survivor", later, PERIOD)


async def test_extend_and_release(db: Database) -> None:
    assert await leases.claim(db, "mentions-poll", "a", T0, PERIOD)
    assert not await leases.extend(db, "mentions-poll", "b", T0 + timedelta(hours=1))
    assert await leases.extend(db, "mentions-poll", "a", T0 + timedelta(hours=1))
    assert not await leases.claim(db, "mentions-poll", "b", T0 + timedelta(minutes=30), PERIOD)
    await leases.release(db, "mentions-poll", "a", T0 + timedelta(minutes=30))
    assert await leases.claim(db, "mentions-poll", "b", T0 + timedelta(minutes=30), PERIOD)


async def test_racing_claimers_one_winner(migrated_url: str) -> None:
    """Twenty claimers, each with its own engine (its own 'instance'), race for one lease."""
    dbs = [Database(migrated_url) for _ in range(20)]
    try:
        for round_ in range(3):
            now = T0 + round_ * PERIOD
            wins = await asyncio.gather(
                *(leases.claim(d, "race", f"i{n}", now, PERIOD) for n, d in enumerate(dbs)),
                return_exceptions=True,
            )
            errors = [w for w in wins if isinstance(w, BaseException)]
            assert errors == [] or all("locked" in str(e) for e in errors), errors
            assert [w for w in wins if w is True] == [True], f"round {round_}: {wins}"
    finally:
        for d in dbs:
            await d.dispose()


async def test_job_loops_of_two_instances_run_each_job_once_per_period(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two instances (two engines, two holders) each tick four times a period, at the same
    moments, in a random order, on a clock the test moves (no sleeping, no wall clock): every
    job runs exactly once per period, at the period's first tick, by whichever instance won."""
    from tests.reliability.instances import services_for

    now = T0
    monkeypatch.setattr(jobs, "utcnow", lambda: now)
    runs: list[tuple[str, str, datetime]] = []

    def job(name: str):
        async def run(services) -> None:
            runs.append((name, services.instance, now))

        return run

    period = 300.0
    periods = 12
    names = ["reminders", "expire-interviews", "retention", "lead-sync", "mentions-poll"]
    instances = [services_for(migrated_url, holder=f"instance-{n}") for n in range(2)]
    order = random.Random(20261206)

    async def tick(services) -> None:
        holder = services.instance
        for name in names:
            await jobs.run_once(services, name, period, job(name), holder=holder)

    try:
        for n in range(periods * 4):
            now = T0 + timedelta(seconds=n * period / 4)
            both = order.sample(instances, 2)
            await asyncio.gather(*(tick(s) for s in both))
    finally:
        for services in instances:
            await services.db.dispose()
    every_period = [T0 + timedelta(seconds=k * period) for k in range(periods)]
    for name in names:
        assert [t for n, _h, t in runs if n == name] == every_period, name
    assert len(runs) == len(names) * periods
    holders = {h for _n, h, _t in runs}
    assert holders == {"instance-0", "instance-1"}, "either instance may win a period"
