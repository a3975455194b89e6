"""Reminders and expiry with a controlled clock: on time, at most N, once each across restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.reminders import expire_idle_interviews, send_due_reminders
from storage import reminders as reminder_rows
from storage.models import Interview, Reminder, Respondent
from tests.integration.chatkit import BotChat, Clock, RunningBot, running_bot

LANGUAGES = ["en", "cy"]


def reminders_in(chat, services, lang: str) -> list:
    text = services.questionnaire.ui(lang, "reminder.text")
    return [m for m in chat.messages if m.text == text]


async def rows(services) -> list[Reminder]:
    async with services.db.reading() as session:
        return list((await session.execute(select(Reminder).order_by(Reminder.id))).scalars())


async def respondent(services, user_id: int) -> Respondent:
    async with services.db.reading() as session:
        found = await session.execute(
            select(Respondent).where(Respondent.telegram_user_id == user_id)
        )
        return found.scalar_one()


async def started(chat: BotChat) -> None:
    await chat.consent()
    await chat.answer()


@pytest.mark.parametrize("chat", LANGUAGES, indirect=True)
async def test_idle_interview_gets_at_most_two_reminders_on_time(bot, chat, clock):
    lang, services = chat.raw.language_code, bot.services
    await started(chat)
    clock.advance(hours=47, minutes=59)
    assert await send_due_reminders(services) == 0
    clock.advance(minutes=2)
    assert await send_due_reminders(services) == 1
    first = chat.last_reply
    assert first.text == chat.ui(lang, "reminder.text")
    assert first.button_labels == [
        chat.ui(lang, "reminder.continue"),
        chat.ui(lang, "reminder.later"),
        chat.ui(lang, "reminder.stop"),
    ]
    assert await send_due_reminders(services) == 0  # never twice
    clock.advance(hours=47)
    assert await send_due_reminders(services) == 0  # 48 h after the first reminder
    clock.advance(hours=2)
    assert await send_due_reminders(services) == 1
    clock.advance(days=20)
    assert await send_due_reminders(services) == 0  # reminder_max = 2
    assert len(reminders_in(chat, services, lang)) == 2
    assert [(r.kind, r.outcome) for r in await rows(services)] == [
        ("idle", "sent"),
        ("idle", "sent"),
    ]
    assert bot.emulator.violations == []


@pytest.mark.parametrize("chat", LANGUAGES, indirect=True)
async def test_continue_re_asks_the_current_question(bot, chat, clock):
    lang, services = chat.raw.language_code, bot.services
    await started(chat)
    question = chat.last_reply
    cursor = (await chat.state()).cursor
    clock.advance(hours=49)
    await send_due_reminders(services)
    reminder = chat.last_reply
    await chat.tap(chat.ui(lang, "reminder.continue"))
    # the same question again (the first answer, a tap, shares its message with it)
    assert question.text.endswith(chat.last_reply.text)
    assert chat.last_reply.buttons == question.buttons
    assert (await chat.state()).cursor == cursor
    frozen = next(m for m in chat.messages if m.message_id == reminder.message_id)
    assert frozen.buttons == []  # one tap: the reminder's buttons are gone
    # carrying on is activity: the next reminder waits another 48 hours from now
    clock.advance(hours=47)
    assert await send_due_reminders(services) == 0
    await chat.answer()
    assert bot.emulator.violations == []


@pytest.mark.parametrize("chat", LANGUAGES, indirect=True)
async def test_remind_me_later_and_stop(bot, chat, clock):
    lang, services = chat.raw.language_code, bot.services
    await started(chat)
    clock.advance(hours=49)
    assert await send_due_reminders(services) == 1
    await chat.tap(chat.ui(lang, "reminder.later"))
    assert chat.last_reply.text == chat.ui(lang, "reminder.later_set", hours="48")
    clock.advance(hours=47)
    assert await send_due_reminders(services) == 0
    clock.advance(hours=2)
    assert await send_due_reminders(services) == 1  # the one they asked for
    await chat.tap(chat.ui(lang, "reminder.stop"))
    assert chat.last_reply.text == chat.ui(lang, "reminder.stopped")
    assert (await respondent(services, chat.user_id)).reminders_opt_out
    for _ in range(5):
        clock.advance(days=3)
        assert await send_due_reminders(services) == 0
    assert len(reminders_in(chat, services, lang)) == 2
    assert [r.kind for r in await rows(services)] == ["idle", "later"]
    await chat.send("/mydata")
    shown = "\n".join(m.text for m in chat.messages[-3:])
    assert chat.ui(lang, "mydata.reminders_off") in shown
    assert bot.emulator.violations == []


async def test_no_reminders_after_completion_or_deletion(bot: RunningBot, clock: Clock):
    services = bot.services
    done = bot.chat(3004)
    await done.consent()
    await done.complete()
    gone = bot.chat(3005, language_code="cy")
    await started(gone)
    clock.advance(hours=49)
    after = timedelta(hours=48)
    assert await reminder_rows.plan(services.db, clock(), after=after, maximum=2) == 1
    await gone.send("/delete")
    await gone.tap(gone.ui("cy", "delete.yes"))
    assert await rows(services) == []  # deleted with the interview
    for _ in range(4):
        clock.advance(days=2)
        assert await send_due_reminders(services) == 0
    assert reminders_in(done, services, "en") == []
    assert reminders_in(gone, services, "cy") == []


async def test_blocked_respondent_is_marked_unreachable_and_not_tried_again(bot, chat, clock):
    emulator, services = bot.emulator, bot.services
    await started(chat)
    emulator.blocked_by(chat.user_id)
    clock.advance(hours=49)
    assert await send_due_reminders(services) == 0
    assert (await respondent(services, chat.user_id)).unreachable
    assert [r.outcome for r in await rows(services)] == ["unreachable"]
    emulator.unblock(chat.user_id)
    emulator.reset_calls()
    clock.advance(days=5)
    assert await send_due_reminders(services) == 0
    assert [c for c in emulator.calls if c.chat_id == chat.user_id] == []


async def test_restart_between_scheduling_and_sending_delivers_exactly_once(
    emulator, database_url, clock
):
    after = timedelta(hours=48)
    async with running_bot(emulator, database_url, clock=clock) as bot:
        chat = bot.chat(3007, language_code="cy")
        await started(chat)
        clock.advance(hours=49)
        assert await reminder_rows.plan(bot.services.db, clock(), after=after, maximum=2) == 1
    # a new process on the same database, with the periodic jobs running
    async with running_bot(emulator, database_url, clock=clock, jobs=True) as bot2:
        services = bot2.services
        deadline = asyncio.get_running_loop().time() + 30  # waits for the reminder
        while not reminders_in(chat, services, "cy"):
            assert asyncio.get_running_loop().time() < deadline, "no reminder was sent"
            await asyncio.sleep(0.02)
        assert await send_due_reminders(services) == 0
    async with running_bot(emulator, database_url, clock=clock) as bot3:
        assert await send_due_reminders(bot3.services) == 0
        assert len(reminders_in(chat, bot3.services, "cy")) == 1
        assert [r.outcome for r in await rows(bot3.services)] == ["sent"]
    assert emulator.violations == []


async def test_crash_between_claim_and_send_loses_rather_than_doubles(
    emulator, database_url, clock
):
    """At most once (docs/adr/0002-reminders-at-most-once.md): a claimed row is never resent."""
    after = timedelta(hours=48)
    async with running_bot(emulator, database_url, clock=clock) as bot:
        chat = bot.chat(3008)
        await started(chat)
        clock.advance(hours=49)
        await reminder_rows.plan(bot.services.db, clock(), after=after, maximum=2)
        (row,) = await rows(bot.services)
        assert await reminder_rows.claim(bot.services.db, row.id, clock()) is not None
    async with running_bot(emulator, database_url, clock=clock) as bot2:
        assert await send_due_reminders(bot2.services) == 0
        assert reminders_in(chat, bot2.services, "en") == []
        # the next reminder still comes 48 hours after the lost one
        clock.advance(hours=48)
        assert await send_due_reminders(bot2.services) == 1


async def test_two_workers_at_once_send_one_reminder(bot: RunningBot, clock: Clock):
    services = bot.services
    chats = [bot.chat(3100 + n) for n in range(3)]
    for chat in chats:
        await started(chat)
    clock.advance(hours=49)
    results = await asyncio.gather(*(send_due_reminders(services) for _ in range(4)))
    assert sum(results) == 3
    for chat in chats:
        assert len(reminders_in(chat, services, "en")) == 1


@pytest.mark.parametrize("workers", [1, 4])
async def test_after_a_long_outage_reminders_stay_48_hours_apart(bot, chat, clock, workers):
    """Idle for a week with no job running: one reminder now, the next 48 hours later."""
    services = bot.services
    await started(chat)
    clock.advance(days=7)

    async def run() -> int:
        return sum(await asyncio.gather(*(send_due_reminders(services) for _ in range(workers))))

    assert await run() == 1
    assert await run() == 0
    clock.advance(hours=47)
    assert await run() == 0
    clock.advance(hours=1)
    assert await run() == 1
    clock.advance(days=7)
    assert await run() == 0
    assert len(reminders_in(chat, services, "en")) == 2


@pytest.mark.parametrize("chat", LANGUAGES, indirect=True)
async def test_idle_30_days_is_abandoned_but_resumable(bot, chat, clock):
    lang, services = chat.raw.language_code, bot.services
    await started(chat)
    cursor = (await chat.state()).cursor
    clock.advance(days=29, hours=23)
    assert await expire_idle_interviews(services) == 0
    clock.advance(hours=2)
    assert await expire_idle_interviews(services) == 1
    async with services.db.reading() as session:
        status = (await session.execute(select(Interview.status))).scalar_one()
    assert status == "abandoned"
    assert await send_due_reminders(services) == 0  # abandoned: no reminders
    await chat.send("/start")
    await chat.tap(chat.ui(lang, "resume.button"))
    assert (await chat.state()).cursor == cursor
    await chat.answer()
    async with services.db.reading() as session:
        status = (await session.execute(select(Interview.status))).scalar_one()
    assert status == "in_progress"
    assert bot.emulator.violations == []


async def test_planning_is_not_starved_by_interviews_that_cannot_be_due(database_url):
    """A batch holds only interviews that are due: maxed-out or recently reminded ones
    (thousands, in a long study) never crowd out one that is waiting for its reminder."""
    from storage.database import Database
    from storage.migrate import upgrade_async

    await upgrade_async(database_url)
    db = Database(database_url)
    now = datetime.now(UTC)
    after = timedelta(hours=48)
    old = now - timedelta(days=20)
    try:
        async with db.transaction() as session:
            for n in range(6):
                person = Respondent(telegram_user_id=4000 + n)
                session.add(person)
                await session.flush()
                interview = Interview(
                    respondent_id=person.id,
                    questionnaire_id="q",
                    questionnaire_version="1",
                    language="en",
                    updated_at=old + timedelta(hours=n),  # the due one (n = 5) is the newest
                )
                session.add(interview)
                await session.flush()
                sent = [old + after, old + 2 * after] if n < 3 else [now - timedelta(hours=1)]
                if n == 5:
                    sent = []  # the one that is due
                for number, at in enumerate(sent, start=1):
                    session.add(
                        Reminder(interview_id=interview.id, number=number, due_at=at, sent_at=at)
                    )
        assert await reminder_rows.plan(db, now, after=after, maximum=2, batch=1) == 1
        async with db.reading() as session:
            planned = (
                await session.execute(select(Reminder).where(Reminder.sent_at.is_(None)))
            ).scalar_one()
            owner = await session.get(Interview, planned.interview_id)
            person = await session.get(Respondent, owner.respondent_id)
        assert person.telegram_user_id == 4005
    finally:
        await db.dispose()
