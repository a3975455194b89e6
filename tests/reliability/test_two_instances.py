"""Two `dgu-bot serve` processes on one database, webhook mode, the same respondents' updates
spread over both (alternately, and at the same moment): nothing lost, nothing doubled, nothing
applied to the wrong question; and periodic work done once, not once per instance."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot import interview as engine
from storage import leases
from storage.database import Database
from storage.interviews import Change, InterviewStore
from storage.models import ProcessedUpdate, Reminder
from tests.fakes.x_api import FakeXApi
from tests.integration.chatkit import running_emulator
from tests.reliability.instances import services_for
from tests.reliability.processes import ServeProcess
from tests.reliability.respondents import NUDGE, Respondent, check_respondents, interview_of

pytestmark = pytest.mark.slow

RESPONDENTS = 12
IDLE_USER = 8999  # an interview idle for three days: due one reminder
PERIODIC = (
    "prune-updates",
    "reminders",
    "expire-interviews",
    "retention",
    "lead-sync",
    "mentions-poll",
)


class TwoWebhooks:
    """Telegram, as far as delivery goes: each update to one instance or the other, some to
    both at once (a redelivery racing the first attempt), retried until one answers 200."""

    def __init__(self, instances: list[ServeProcess], session: aiohttp.ClientSession) -> None:
        self.instances = instances
        self.session = session
        self.ids = itertools.count(700_001)
        self.random = random.Random(20261201)
        self.turn = itertools.cycle(range(len(instances)))
        self.posted: set[int] = set()
        #: updates that carry an answer (an answer or Done tap, a typed answer): each must be
        #: claimed (recorded as processed) exactly once, whichever instance handled it
        self.answers: set[int] = set()
        self.duplicated = 0
        self.by_instance = [0] * len(instances)

    async def deliver(self, _person: Respondent, content: dict[str, Any]) -> None:
        update = {"update_id": next(self.ids), **content}
        self.posted.add(update["update_id"])
        if _carries_answer(content):
            self.answers.add(update["update_id"])
        first = next(self.turn)
        if self.random.random() < 0.25:  # the same update to both instances at once
            self.duplicated += 1
            statuses = await asyncio.gather(*(self._post(i, update) for i in range(2)))
            if 200 in statuses:
                return
        for attempt in range(20):
            if await self._post((first + attempt) % len(self.instances), update) == 200:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"update {update['update_id']} never accepted")

    async def _post(self, index: int, update: dict[str, Any]) -> int:
        self.by_instance[index] += 1
        try:
            return await self.instances[index].post_update(self.session, update)
        except aiohttp.ClientError:
            return 0


def _carries_answer(content: dict[str, Any]) -> bool:
    if "callback_query" in content:
        return content["callback_query"]["data"].startswith(("a|", "d|"))
    text = content["message"].get("text", "")
    return not text.startswith("/") and NUDGE not in text


async def _seed_idle_interview(database_url: str, user_id: int) -> str:
    services = services_for(database_url, holder="seed")
    store = InterviewStore(services.db)
    then = datetime.now(UTC) - timedelta(days=3)
    q = services.questionnaire
    respondent = await store.upsert_respondent(
        user_id, username=None, name=None, telegram_language="en"
    )
    assert respondent.id is not None
    first = engine.begin(q, "en", then)
    interview = await store.create(
        respondent_id=respondent.id,
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        language="en",
        source=None,
        change=Change(state=first.state.to_json(), status="in_progress", language="en"),
        update_id=None,
        now=then,
        consented_at=then,
        consent_version="test",
    )
    await store.set_quote_consent(interview.id, "anonymised", then)
    await services.db.dispose()
    return interview.id


async def test_two_instances_share_respondents_and_periodic_work(
    postgres_url: str, tmp_path: Path
) -> None:
    """Several instances share PostgreSQL in production (on SQLite there is one process)."""
    from storage.migrate import upgrade_async

    database_url = postgres_url
    await upgrade_async(database_url)  # the release phase (Procfile) runs before both start
    idle = await _seed_idle_interview(database_url, IDLE_USER)
    async with (
        running_emulator() as emulator,
        aiohttp.ClientSession() as session,
        FakeXApi() as x,
    ):
        emulator.chat(IDLE_USER)
        x.mention("How did your unit start?", author=x.add_user("dgu_fan"))
        x_env = {"X_BEARER_TOKEN": "app-token", "X_API_URL": x.url}
        instances = [
            ServeProcess.for_emulator(
                emulator, database_url, tmp_path, name=f"instance-{n}", **x_env
            )
            for n in range(2)
        ]
        await asyncio.gather(*(i.start() for i in instances))
        try:
            webhooks = TwoWebhooks(instances, session)
            reader = services_for(database_url, holder="reader")
            people = [
                Respondent(
                    emulator.chat(8100 + n),
                    reader,
                    deliver=webhooks.deliver,
                    concurrent_taps=True,
                )
                for n in range(RESPONDENTS)
            ]

            async def take_part(person: Respondent) -> None:
                await person.ensure_started()
                await person.finish()

            await asyncio.gather(*(take_part(p) for p in people))
            for person in people:
                interview = await interview_of(reader, person.user_id)
                assert interview is not None and interview.status == "completed"
            stored = await check_respondents(reader, people)
            assert stored.problems == []
            assert emulator.violations == []
            repeated = {p.user_id: _repeats(p) for p in people if _repeats(p)}
            await _check_periodic_work_done_once(reader.db, idle, emulator)
            assert len(x.calls("mentions")) == 1, "one poll of X, by one instance"
            claimed = await _check_updates_claimed_once(reader.db, webhooks)
            await reader.db.dispose()
        finally:
            await asyncio.gather(*(i.stop() for i in instances))
        for instance in instances:
            text = instance.log_text()
            assert " ERROR " not in text, text[-3000:]
            assert "Traceback" not in text, text[-3000:]
    # an update sent to both instances at once is answered once (docs/adr/0004)
    assert repeated == {}, repeated
    assert min(webhooks.by_instance) > 100, webhooks.by_instance
    assert webhooks.duplicated > 20
    answers = sum(len(p.intended) for p in people)
    assert stored.exact == stored.intended == answers >= RESPONDENTS * 10, stored
    print(
        f"\ntwo instances: {len(webhooks.posted)} updates ({claimed} claimed, "
        f"{len(webhooks.answers)} carrying answers), {webhooks.duplicated} sent to both "
        f"at once, posts per instance {webhooks.by_instance}, respondents {RESPONDENTS}, "
        f"answers stored exactly once {stored.exact}"
    )


def _repeats(person: Respondent) -> list[str]:
    """Bot messages that repeat the one just before (a question shown twice in a row)."""
    shown = [(m.text, m.buttons) for m in person.chat.messages]
    return [
        text[:60]
        for (text, buttons), before in zip(shown[1:], shown, strict=False)
        if (text, buttons) == before
    ]


async def _check_periodic_work_done_once(db: Database, idle: str, emulator: Any) -> None:
    for name in PERIODIC:
        lease = await leases.get(db, name)
        assert lease is not None, f"{name} never ran"
        assert lease.runs == 1, f"{name} ran {lease.runs} times in one period"
    async with db.reading() as session:
        reminders = (
            (await session.execute(select(Reminder).where(Reminder.interview_id == idle)))  # type: ignore[arg-type]
            .scalars()
            .all()
        )
    assert len(reminders) == 1 and reminders[0].sent_at is not None
    assert len(emulator.chat(IDLE_USER).messages) == 1, "one reminder, from one instance"


async def _check_updates_claimed_once(db: Database, webhooks: TwoWebhooks) -> int:
    """Every update carrying an answer was claimed (by one instance: the claim is the primary
    key), and nothing was claimed that was not posted."""
    async with db.reading() as session:
        claimed = list(
            (
                await session.execute(
                    select(ProcessedUpdate.update_id).where(  # type: ignore[call-overload]
                        ProcessedUpdate.update_id >= 700_001  # type: ignore[operator]
                    )
                )
            ).scalars()
        )
    assert len(claimed) == len(set(claimed))
    assert set(claimed) <= webhooks.posted, sorted(set(claimed) - webhooks.posted)[:10]
    unclaimed = webhooks.answers - set(claimed)
    assert not unclaimed, f"answers never recorded as processed: {sorted(unclaimed)[:10]}"
    assert len(webhooks.answers) >= RESPONDENTS * 10
    return len(claimed)


async def test_instances_starting_together_on_a_new_database_both_come_up(
    database_url: str, tmp_path: Path
) -> None:
    """Each `serve` migrates at start; two at once on an empty database must take turns."""
    async with running_emulator() as emulator:
        instances = [
            ServeProcess.for_emulator(emulator, database_url, tmp_path, name=f"fresh-{n}")
            for n in range(2)
        ]
        try:
            await asyncio.gather(*(i.start() for i in instances))
        finally:
            await asyncio.gather(*(i.stop() for i in instances))
