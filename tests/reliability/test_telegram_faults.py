"""Telegram misbehaves: 429 with retry_after, 5xx, timeouts and dropped connections on a share
of calls, and users who block the bot. Nothing the respondents answer is lost or doubled, and
nobody is left without their next question."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update as sa_update

import bot.telegram
from bot import transport
from bot.ratelimit import FloodPacer
from bot.sandbox.faults import DROP, TIMEOUT, TIMEOUT_AFTER
from storage.interviews import InterviewStore
from storage.models import ProcessedUpdate
from tests.integration.chatkit import WEBHOOK_SECRET, running_bot, running_emulator
from tests.reliability.respondents import (
    Respondent,
    answers_of,
    check_respondents,
    check_stored,
    interview_of,
    stored_answers,
)

FAULT_KINDS = ["429", "500", "502", "503", TIMEOUT, TIMEOUT_AFTER, DROP]
REPLY_METHODS = ["sendMessage", "editMessageText", "answerCallbackQuery"]
#: figures for docs/reliability.md are printed by the test (pytest -s) from these runs
RESPONDENTS = 6
SHARE = 0.2

# questionnaire version 1 (still live) opens with a free-text question, which two tests need
V1 = Path(__file__).resolve().parents[2] / "prompts" / "dgu_landscape.v1.yaml"


@pytest.fixture
def fast_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bot API read timeout 0.5 s (production: 5 s) so injected hangs cost little time; the
    real flood pacer, tuned fast, so that 429s go through the production retry path."""
    monkeypatch.setattr(transport, "READ_TIMEOUT", 0.5)
    monkeypatch.setattr(
        bot.telegram,
        "rate_limiter",
        lambda: FloodPacer(overall_rate=10_000, overall_burst=1000, chat_interval=0.001),
    )


def _longest_failure_run(calls: list) -> int:
    """Most consecutive failed calls of one method to one chat: retries must be bounded."""
    runs: dict[tuple, int] = defaultdict(int)
    longest = 0
    for call in calls:
        key = (call.method, call.chat_id)
        runs[key] = runs[key] + 1 if call.status >= 400 or call.status == 0 else 0
        longest = max(longest, runs[key])
    return longest


def _retry_after_respected(calls: list) -> list[str]:
    """After a 429 (retry_after=1), the same chat's next call of that method waits >= 1 s."""
    problems = []
    for n, call in enumerate(calls):
        if call.status != 429:
            continue
        later = next(
            (c for c in calls[n + 1 :] if (c.method, c.chat_id) == (call.method, call.chat_id)),
            None,
        )
        if later is not None and later.time - call.time < 0.95:
            problems.append(
                f"{call.method} to {call.chat_id}: retried after {later.time - call.time:.2f}s"
            )
    return problems


@pytest.mark.slow
async def test_faulty_telegram_loses_nothing_and_leaves_nobody_without_a_question(
    migrated_url: str, fast_timeouts: None
) -> None:
    async with (
        running_emulator(webhook_concurrency=RESPONDENTS, fault_timeout=1.0) as emulator,
        running_bot(emulator, migrated_url, webhook=True, pacing=True) as running,
    ):
        emulator.faults.rate(SHARE, FAULT_KINDS, seed=20261201, methods=REPLY_METHODS)
        people = [Respondent(emulator.chat(7100 + n), running.services) for n in range(RESPONDENTS)]

        async def take_part(person: Respondent) -> None:
            await person.ensure_started()
            await person.finish()

        await asyncio.gather(*(take_part(p) for p in people))
        emulator.faults.clear()
        injected = Counter(kind for _method, kind in emulator.faults.injected)
        for person in people:
            interview = await interview_of(running.services, person.user_id)
            assert interview is not None and interview.status == "completed"
        stored = await check_respondents(running.services, people)
        calls = list(emulator.calls)
        assert emulator.violations == []
    print(
        f"\nfaults injected: {sum(injected.values())} {dict(injected)}; calls {len(calls)}; "
        f"answers stored exactly once {stored.exact}; nudges {sum(p.nudges for p in people)}"
    )
    assert stored.problems == []
    answers = sum(len(p.intended) for p in people)
    assert stored.exact == stored.intended == answers >= RESPONDENTS * 10, stored
    assert sum(injected.values()) >= 40, injected
    assert {"429", "500", TIMEOUT, DROP} <= set(injected)
    assert _retry_after_respected(calls) == []
    assert _longest_failure_run(calls) <= 16  # 4 transport attempts x 4 flood-pacer attempts


async def test_reply_that_never_arrives_is_asked_again_at_the_next_message(
    migrated_url: str, fast_timeouts: None
) -> None:
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url, webhook=True, questionnaire=V1) as running,
    ):
        person = Respondent(emulator.chat(7201), running.services)
        await person.ensure_started()
        interview = await interview_of(running.services, 7201)
        assert interview is not None
        first_key = interview.state["cursor"]
        emulator.faults.inject("sendMessage", status=502, times=4)  # every transport attempt
        await person.send("Delivery manager for the whole unit, since 2019")
        stored = await answers_of(running.services, 7201)
        assert stored[first_key] == "Delivery manager for the whole unit, since 2019"
        interview = await interview_of(running.services, 7201)
        assert interview is not None and interview.reask
        assert not person.sees_current(_state(interview))
        await person.send("did you get that?")  # would be taken as the next answer without the flag
        interview = await interview_of(running.services, 7201)
        assert interview is not None and not interview.reask
        assert person.sees_current(_state(interview))
        stored = await answers_of(running.services, 7201)
        assert "did you get that?" not in stored.values()
        await person.finish()
        rows = await stored_answers(running.services, 7201)
        assert check_stored(rows, person) == [
            f"{first_key}: stored 'Delivery manager for the whole unit, since 2019' "
            "but never answered"
        ]
        person.intended[first_key] = "Delivery manager for the whole unit, since 2019"
        assert check_stored(rows, person) == []
        assert emulator.violations == []


async def test_redelivered_update_whose_reply_went_out_sends_nothing(migrated_url: str) -> None:
    """Telegram redelivers an update (the webhook answered too late): it is not applied twice,
    and since its reply was delivered, nothing is sent again (no question twice)."""
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url, webhook=True) as running,
    ):
        person = Respondent(emulator.chat(7301), running.services)
        await person.ensure_started()
        message = emulator.new_user_message(person.chat, {"text": "Head of service design"})
        update = {"update_id": 990001, "message": message}
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        first = await running.client.post("/telegram/webhook", json=update, headers=headers)
        assert first.status == 200
        before = len(person.chat.messages)
        interview = await interview_of(running.services, 7301)
        assert interview is not None and person.sees_current(_state(interview))
        again = await running.client.post("/telegram/webhook", json=update, headers=headers)
        assert again.status == 200
        after = await interview_of(running.services, 7301)
        assert after is not None
        assert after.version == interview.version, "applied twice"
        assert len(person.chat.messages) == before, "the reply went out: nothing more"


async def test_redelivered_update_after_a_crash_re_asks_instead_of_staying_silent(
    migrated_url: str,
) -> None:
    """A crash after storing an answer but before its reply's outcome was recorded: Telegram
    redelivers the update; it is not applied twice, and the question is asked (again)."""
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url, webhook=True) as running,
    ):
        person = Respondent(emulator.chat(7302), running.services)
        await person.ensure_started()
        message = emulator.new_user_message(person.chat, {"text": "Head of service design"})
        update = {"update_id": 990002, "message": message}
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        first = await running.client.post("/telegram/webhook", json=update, headers=headers)
        assert first.status == 200
        async with running.services.db.transaction() as session:  # what a crash leaves
            await session.execute(
                sa_update(ProcessedUpdate)
                .where(ProcessedUpdate.update_id == 990002)  # type: ignore[arg-type]
                .values(reply=None, processed_at=datetime.now(UTC) - timedelta(minutes=1))
            )
        before = len(person.chat.messages)
        interview = await interview_of(running.services, 7302)
        again = await running.client.post("/telegram/webhook", json=update, headers=headers)
        assert again.status == 200
        after = await interview_of(running.services, 7302)
        assert after is not None and interview is not None
        assert after.version == interview.version, "applied twice"
        assert len(person.chat.messages) == before + 1
        assert person.sees_current(_state(after))


async def test_double_tap_on_skip_skips_one_question(migrated_url: str) -> None:
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url, webhook=True) as running,
    ):
        person = Respondent(emulator.chat(7401), running.services)
        await person.ensure_started()
        q = running.services.questionnaire
        for _ in range(40):  # answer up to the first optional question
            interview = await interview_of(running.services, 7401)
            assert interview is not None
            state = _state(interview)
            if state.cursor and q.question(state.cursor.split("@")[0]).optional:
                break
            await person.answer(state)
        optional = state.cursor
        skip = f"s|{optional}"
        first, second = person.tap_content(skip), person.tap_content(skip)  # a double tap
        await person._deliver(first)
        await person._deliver(second)  # the same button again: stale now
        interview = await interview_of(running.services, 7401)
        assert interview is not None
        stored = await answers_of(running.services, 7401)
        assert optional in stored and stored[optional] is None
        skipped = [k for k, v in stored.items() if v is None]
        assert skipped == [optional], skipped
        assert person.chat.answered_callbacks[-1].get("text") == q.ui("en", "stale.tap")


async def test_blocked_user_is_marked_unreachable_and_reachable_again_when_back(
    migrated_url: str,
) -> None:
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url, webhook=True, questionnaire=V1) as running,
    ):
        person = Respondent(emulator.chat(7501), running.services)
        await person.ensure_started()
        emulator.blocked_by(7501)
        await person.send("An answer sent just before blocking the bot")
        store = InterviewStore(running.services.db)
        respondent = await store.respondent(7501)
        assert respondent is not None and respondent.unreachable
        assert await answers_of(running.services, 7501), "the answer itself is kept"
        emulator.unblock(7501)
        await person.send("/start")
        respondent = await store.respondent(7501)
        assert respondent is not None and not respondent.unreachable
        assert emulator.violations == []


def _state(interview):
    from bot.interview import State

    return State.from_json(interview.state)
