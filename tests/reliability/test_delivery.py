"""Exactly one reply per update, and no reply lost (issue 12, deliverables 4 and 6).

Through the real process (`create_app`, webhook mode) and the Bot API emulator: every kind of
update delivered twice gets one reply; a reply Telegram refuses after the transport's retries is
delivered by the outbox job without the respondent writing again (under 20% faults); two
instances never deliver an outbox row twice; a completed respondent who writes again is
thanked, not told they have no interview; a tap's callback query is answered while a slow
handler still holds its user's turn.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

import pytest

import bot.telegram
from bot import jobs, metrics, transport
from bot.interview import State
from bot.ratelimit import FloodPacer
from bot.sandbox.faults import DROP, DROP_AFTER, TIMEOUT
from bot.services import JobSpec
from handlers import outbox
from storage import outbox as outbox_store
from storage.interviews import InterviewStore
from tests.integration.chatkit import WEBHOOK_SECRET, RunningBot, running_bot, running_emulator
from tests.reliability.instances import services_for
from tests.reliability.respondents import Respondent, answers_of, check_stored, interview_of

#: what a reply is made of: a second delivery of an update must make none of these
REPLY_METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument")
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}


async def _until(condition: Callable[[], Any], emulator: Any, within: float, what: str) -> None:
    """Wait for an event the emulator sees (or a row the job writes), up to `within` s."""
    deadline = time.monotonic() + within
    while not await _truth(condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await emulator.wait_change(0.05)


async def _truth(value: Any) -> bool:
    if asyncio.iscoroutine(value):
        value = await value
    return bool(value)


class TwiceDelivered:
    """Telegram redelivering every update: each is POSTed to the webhook, then again once the
    first was answered 200. Records any reply the second delivery made."""

    def __init__(self, running: RunningBot) -> None:
        self.running = running
        self.ids = itertools.count(500_001)
        self.kinds: list[str] = []
        self.second_replies: list[str] = []

    async def deliver(self, _person: Respondent, content: dict[str, Any]) -> None:
        update = {"update_id": next(self.ids), **content}
        emulator = self.running.emulator
        assert emulator is not None
        first = await self.running.client.post("/telegram/webhook", json=update, headers=HEADERS)
        assert first.status == 200
        before = len(emulator.calls)
        again = await self.running.client.post("/telegram/webhook", json=update, headers=HEADERS)
        assert again.status == 200
        kind = _kind(content)
        self.kinds.append(kind)
        made = [c.method for c in emulator.calls[before:] if c.method in REPLY_METHODS]
        answers = [c for c in emulator.calls[before:] if c.method == "answerCallbackQuery"]
        if made or answers:
            self.second_replies.append(f"{kind}: {made} {len(answers)} answers")


def _kind(content: dict[str, Any]) -> str:
    if "callback_query" in content:
        return "tap:" + content["callback_query"]["data"].split("|")[0]
    text = content["message"].get("text", "")
    return text.split()[0] if text.startswith("/") else "text"


async def test_every_kind_of_update_delivered_twice_gets_one_reply(migrated_url: str) -> None:
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url, webhook=True) as running,
    ):
        twice = TwiceDelivered(running)
        person = Respondent(emulator.chat(9101), running.services, deliver=twice.deliver)
        await person.ensure_started()
        await person.finish()
        interview = await interview_of(running.services, 9101)
        assert interview is not None and interview.status == "completed"
        assert check_stored(await answers_of(running.services, 9101), person) == []
        q = running.services.questionnaire
        last = person.chat.messages[-1].text
        assert last == q.ui("en", "completed"), last  # the redelivered Submit said nothing
        await person.send("thanks!")  # writes again after completing: delivered twice too
        assert person.chat.messages[-1].text == q.ui("en", "completed.addendum")
        kept = await interview_of(running.services, 9101)
        assert kept is not None and kept.addendum is not None
        assert kept.addendum.count("thanks!") == 1, "kept once though delivered twice"
        assert emulator.violations == []
        refused = [c for c in emulator.calls if c.status >= 400]
    kinds = set(twice.kinds)
    # every kind of update a respondent sends, the last Submit included
    assert {"/start", "tap:L", "tap:C", "tap:Q", "tap:a", "tap:t", "tap:d", "text"} <= kinds
    assert "tap:S" in kinds, kinds
    assert person.nudges == 0
    assert twice.second_replies == []
    assert refused == [], [(c.method, c.status) for c in refused]


async def test_redelivered_update_whose_reply_was_lost_sends_it(migrated_url: str) -> None:
    """Before consent (nothing may be kept, so no outbox): the reply to /start is lost after
    every transport retry; the update's redelivery sends it. After consent: a lost reply waits
    in the outbox and the redelivery has it delivered at once."""
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url, webhook=True) as running,
    ):
        chat = emulator.chat(9201)
        person = Respondent(chat, running.services)
        start = {
            "update_id": 600_001,
            "message": emulator.new_user_message(
                chat,
                {"text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]},
            ),
        }
        emulator.faults.inject("sendMessage", status=502, times=4, chat_id=9201)
        lost = await running.client.post("/telegram/webhook", json=start, headers=HEADERS)
        assert lost.status == 503, "not kept: Telegram is asked to send the update again"
        assert chat.messages == []
        store = InterviewStore(running.services.db)
        assert await store.reply_of(600_001) == (
            True,
            outbox.FAILED,
            await _claimed(store, 600_001),
        )
        assert await outbox_store.pending(running.services.db) == []  # nothing about them kept
        assert await store.respondent(9201) is None
        assert (
            await running.client.post("/telegram/webhook", json=start, headers=HEADERS)
        ).status == 200
        assert [m.button_labels for m in chat.messages] == [["English", "Cymraeg"]]
        assert (await store.reply_of(600_001))[1] == outbox.SENT

        await person.ensure_started()
        interview = await interview_of(running.services, 9201)
        assert interview is not None
        text = {
            "update_id": 600_002,
            "message": emulator.new_user_message(
                chat, {"text": "Head of service design, since 2021"}
            ),
        }
        emulator.faults.inject("sendMessage", status=502, times=4, chat_id=9201)
        shown_before = len(chat.messages)
        assert (
            await running.client.post("/telegram/webhook", json=text, headers=HEADERS)
        ).status == 200
        assert (await store.reply_of(600_002))[1] == outbox.QUEUED
        assert len(await outbox_store.pending(running.services.db, 9201)) >= 1
        assert len(chat.messages) == shown_before
        held = await interview_of(running.services, 9201)
        assert held is not None and held.reask and not person.sees_current(_state(held))
        assert (
            await running.client.post("/telegram/webhook", json=text, headers=HEADERS)
        ).status == 200
        assert await outbox_store.pending(running.services.db, 9201) == []
        after = await interview_of(running.services, 9201)
        assert after is not None and after.version == held.version, "applied twice"
        assert not after.reask, "on screen now: the next message is its answer"
        assert person.sees_current(_state(after))
        assert emulator.violations == []


async def test_outbox_stops_at_a_chat_that_blocked_the_bot(migrated_url: str) -> None:
    """A held reply to someone who has since blocked the bot: the job's 403 marks them
    unreachable (as reminders do) and drops their rows; writing again makes them reachable."""
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url) as running,
    ):
        person = Respondent(emulator.chat(9251), running.services)
        await person.ensure_started()
        emulator.faults.inject("sendMessage", status=502, times=4, chat_id=9251)
        await person.send("Head of digital, since 2020")
        db = running.services.db
        assert len(await outbox_store.pending(db, 9251)) == 1
        emulator.blocked_by(9251)
        assert await outbox.deliver_chat(running.services, 9251) == 0
        assert await outbox_store.pending(db, 9251) == []
        respondent = await InterviewStore(db).respondent(9251)
        assert respondent is not None and respondent.unreachable
        emulator.unblock(9251)
        await person.send("/start")
        respondent = await InterviewStore(db).respondent(9251)
        assert respondent is not None and not respondent.unreachable
        assert emulator.violations == []


async def test_lost_reply_before_consent_comes_with_telegrams_redelivery(
    migrated_url: str,
) -> None:
    """The emulator's own webhook delivery (Telegram's): the language prompt fails every
    transport attempt; the webhook answers 503, Telegram redelivers, and the prompt arrives
    without the person writing again. Nothing about them is stored meanwhile."""
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url, webhook=True) as running,
    ):
        chat = emulator.chat(9211)
        emulator.faults.inject("sendMessage", status=502, times=4, chat_id=9211)
        await chat.send("/start")
        await _until(lambda: chat.messages, emulator, 20, "the language prompt")
        assert [m.button_labels for m in chat.messages] == [["English", "Cymraeg"]]
        statuses = [a.status for a in emulator.webhook_attempts]
        assert statuses[:2] == [503, 200], statuses
        assert await InterviewStore(running.services.db).respondent(9211) is None
        assert await outbox_store.pending(running.services.db) == []
        assert emulator.violations == []


async def _claimed(store: InterviewStore, update_id: int) -> Any:
    return (await store.reply_of(update_id))[2]


@pytest.fixture
def fast_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outbox job every 0.2 s (production: 5 s), first retry after 0.3 s; the other
    periodic jobs off. Bot API read timeout 0.5 s and the real flood pacer, tuned fast."""
    from datetime import timedelta

    monkeypatch.setattr(jobs, "JOBS", [JobSpec("outbox", 0.2, outbox.deliver_due)])
    monkeypatch.setattr(outbox, "BACKOFF", timedelta(seconds=0.3))
    monkeypatch.setattr(outbox, "MAX_BACKOFF", timedelta(seconds=2))
    monkeypatch.setattr(transport, "READ_TIMEOUT", 0.5)
    monkeypatch.setattr(
        bot.telegram,
        "rate_limiter",
        lambda: FloodPacer(overall_rate=10_000, overall_burst=1000, chat_interval=0.001),
    )


class Patient(Respondent):
    """Waits for the question it should be on (the outbox brings it) before nudging."""

    async def finish(self, limit: int = 200) -> None:
        for _ in range(limit):
            interview = await interview_of(self.services, self.user_id)
            assert interview is not None
            state = State.from_json(interview.state)
            if state.status == "completed":
                return
            if not self.sees_current(state):
                try:
                    await _until(
                        lambda state=state: self.sees_current(state),  # type: ignore[misc]
                        self.chat.emulator,
                        20,
                        "the question",
                    )
                except AssertionError:
                    self.nudges += 1
                    assert self.nudges <= self.max_nudges, self.chat.transcript[-12:]
                    await self.send("hello? nudge")
                    continue
            await self.answer(state)
            self.steps += 1
        raise AssertionError(f"chat {self.user_id} did not finish")


def _delivered_late() -> float:
    return metrics.OUTBOX.labels("delivered")._value.get()


@pytest.mark.slow
async def test_reply_lost_after_retries_is_delivered_by_the_outbox_job(
    migrated_url: str, fast_outbox: None
) -> None:
    """20% of replies fail (429, 5xx, timeouts, dropped connections), and each respondent's
    chat also refuses every transport attempt of one reply mid-interview: the outbox job
    delivers it, and nobody has to write again to get their next question."""
    people_n = 4
    async with (
        running_emulator(webhook_concurrency=people_n, fault_timeout=1.0) as emulator,
        running_bot(emulator, migrated_url, webhook=True, pacing=True, jobs=True) as running,
    ):
        people = [Patient(emulator.chat(9300 + n), running.services) for n in range(people_n)]
        for person in people:
            await person.ensure_started()
        late_before = _delivered_late()
        emulator.faults.rate(
            0.2,
            ["429", "500", "502", TIMEOUT, DROP],
            seed=20261206,
            methods=["sendMessage", "editMessageText", "answerCallbackQuery"],
        )

        async def take_part(person: Patient) -> None:
            for _ in range(3):
                state = _state(await interview_of(running.services, person.user_id))
                await person.answer(state)
            # every attempt of this chat's next message fails: only the outbox can bring it
            emulator.faults.inject("sendMessage", status=502, times=4, chat_id=person.user_id)
            await person.finish()

        await asyncio.gather(*(take_part(p) for p in people))
        db = running.services.db
        await _until(lambda: _empty(db), emulator, 30, "the outbox to drain")
        emulator.faults.clear()
        for person in people:
            interview = await interview_of(running.services, person.user_id)
            assert interview is not None and interview.status == "completed"
            assert check_stored(await answers_of(running.services, person.user_id), person) == []
        assert emulator.violations == []
        late = _delivered_late() - late_before
    assert [p.nudges for p in people] == [0] * people_n, "somebody had to write again"
    assert late >= people_n, late


async def _empty(db: Any) -> bool:
    return await outbox_store.pending(db) == []


async def test_two_instances_never_deliver_an_outbox_row_twice(
    postgres_migrated_url: str,
) -> None:
    """Two instances (each its own connection pool) run the outbox job at the same moment,
    round after round, over the same rows: each message reaches its chat once, in order.
    Several instances share PostgreSQL in production (on SQLite there is one process)."""
    migrated_url = postgres_migrated_url
    from datetime import UTC, datetime

    from telegram import Bot

    async with running_emulator(latency=0.01) as emulator:
        instances = [services_for(migrated_url, holder=f"i{n}") for n in range(2)]
        bots = []
        for services in instances:
            tg = Bot(
                emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url
            )
            await tg.initialize()
            services.telegram_bot = tg
            bots.append(tg)
        store = InterviewStore(instances[0].db)
        now = datetime.now(UTC)
        chats = list(range(9400, 9410))
        for chat_id in chats:
            emulator.chat(chat_id)
            respondent = await store.upsert_respondent(
                chat_id, username=None, name=None, telegram_language="en"
            )
            assert respondent.id is not None
            await outbox_store.enqueue(
                instances[0].db,
                respondent_id=respondent.id,
                chat_id=chat_id,
                payloads=[
                    {"text": f"{chat_id} message {n}", "parse_mode": "HTML", "reply_markup": None}
                    for n in range(5)
                ],
                now=now,
            )
        # a fifth of sends fail, so rows back off and come round again in later rounds
        emulator.faults.rate(0.2, ["502"], seed=7, methods=["sendMessage"])
        try:
            for _ in range(40):
                if not await outbox_store.pending(instances[0].db):
                    break
                await asyncio.gather(*(outbox.deliver_chat(s, c) for s in instances for c in chats))
                await asyncio.gather(*(outbox.deliver_due(s) for s in instances))
        finally:
            for tg in bots:
                await tg.shutdown()
            for services in instances:
                await services.db.dispose()
        assert emulator.faults.injected, "no failures: nothing came round again"
        for chat_id in chats:
            texts = [m.text for m in emulator.chat(chat_id).messages]
            assert texts == [f"{chat_id} message {n}" for n in range(5)], texts
        assert emulator.violations == []


async def test_completed_respondent_who_writes_again_is_thanked(migrated_url: str) -> None:
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url) as running,
    ):
        q = running.services.questionnaire
        for user_id, lang in ((9501, "en"), (9502, "cy")):
            person = Respondent(emulator.chat(user_id, language_code=lang), running.services)
            await person.ensure_started(lang)
            await person.finish()
            chat = person.chat
            assert chat.messages[-1].text == q.ui(lang, "completed")
            await person.send("Did that work?")  # kept for the team as an addendum (issue 12)
            assert chat.messages[-1].text == q.ui(lang, "completed.addendum")
            assert "/review" in chat.messages[-1].text and "/start" in chat.messages[-1].text
            await person.send("/done")
            assert chat.messages[-1].text == q.ui(lang, "completed.again")
            assert "/mydata" in chat.messages[-1].text and "/start" in chat.messages[-1].text
            assert q.ui(lang, "no_interview") not in chat.transcript
            shown = len(chat.messages)
            await person.send("/review")
            sent = "\n".join(m.text for m in chat.messages[shown:])
            assert sent.startswith(q.ui(lang, "completed.review"))
            for value in person.intended.values():
                if isinstance(value, str) and value.startswith("Respondent"):
                    assert value[:60] in sent
            assert all(m.buttons == [] for m in chat.messages[shown:])
        assert emulator.violations == []


async def test_tap_is_answered_while_a_slow_handler_holds_the_turn(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A typed answer's handler is slow (held until the test lets it go); a tap that comes
    right after waits for that turn, but its spinner stops at once: the query is answered on
    arrival, once (Telegram and the emulator refuse a second answer)."""
    from handlers import respondent as respondent_handlers

    release = asyncio.Event()
    entered = asyncio.Event()
    original = respondent_handlers.on_text

    async def slow_on_text(update: Any, context: Any) -> None:
        entered.set()
        await release.wait()
        await original(update, context)

    monkeypatch.setattr(respondent_handlers, "on_text", slow_on_text)
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url) as running,
    ):
        person = Respondent(emulator.chat(9601), running.services)
        await person.ensure_started()
        shown = [m for m in emulator.stored_messages(9601) if m.from_bot][-1]
        text_id = emulator.push_update(
            {"message": emulator.new_user_message(person.chat, {"text": "a slow answer"})}, 9601
        )
        await asyncio.wait_for(entered.wait(), 10)
        query_id = "slow-tap-1"
        emulator.register_callback(query_id, 9601)
        tap = {
            "id": query_id,
            "from": person.chat.user,
            "message": shown.message,
            "chat_instance": "9601",
            "data": "v",  # /review, as a button
        }
        emulator.push_update({"callback_query": tap}, 9601)
        await _until(
            lambda: any(a["callback_query_id"] == query_id for a in person.chat.answered_callbacks),
            emulator,
            10,
            "the tap's answerCallbackQuery",
        )
        assert not release.is_set(), "answered while the slow handler still held the turn"
        release.set()
        await emulator.settle(text_id, 9601, require_reaction=False, timeout=20)
        await running.idle()
        answers = [c for c in emulator.calls if c.method == "answerCallbackQuery"]
        mine = [c for c in answers if c.params.get("callback_query_id") == query_id]
        assert [c.status for c in mine] == [200], "answered once, and never refused"
        assert all(c.status == 200 for c in answers)
        assert emulator.violations == []


def _state(interview: Any) -> State:
    assert interview is not None
    return State.from_json(interview.state)


async def test_a_question_the_outbox_delivers_carries_the_live_keyboard(
    migrated_url: str, fast_outbox: None
) -> None:
    """A question Telegram refused after every retry arrives later from the outbox: it then
    carries the interview's live buttons (interview.keyboard_message_id), and the question it
    follows, whose freeze also failed, loses its buttons (handlers/keyboards.py)."""
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url, webhook=True, pacing=True, jobs=True) as running,
    ):
        person = Patient(emulator.chat(9500), running.services)
        await person.ensure_started()
        before = _state(await interview_of(running.services, person.user_id))
        assert [m.message_id for m in person.chat.messages if m.buttons], "a question to tap"
        # the one-message step and the freeze both fail; every attempt of the next question too
        emulator.faults.inject("editMessageText", status=400, times=2, chat_id=person.user_id)
        emulator.faults.inject("sendMessage", status=502, times=4, chat_id=person.user_id)
        await person.answer(before)
        db = running.services.db
        await _until(lambda: _empty(db), emulator, 30, "the outbox to drain")
        interview = await interview_of(running.services, person.user_id)
        assert interview is not None
        assert _state(interview).cursor != before.cursor, "the answer was stored"
        last = person.chat.messages[-1]
        assert last.buttons, "the delivered question has its buttons"
        assert interview.keyboard_message_id == last.message_id
        assert [m.message_id for m in person.chat.messages if m.buttons] == [last.message_id]
        assert not interview.stale_keyboards
        assert emulator.violations == []


@pytest.mark.slow
async def test_twice_delivered_under_a_fifth_of_faults_nothing_is_refused(
    database_url: str, fast_outbox: None
) -> None:
    """Issue 12's "done when": a fifth of the bot's calls fail (429, 5xx, timeouts, dropped
    connections; a fifth of callback answers arrive and then lose their connection), and every
    update is delivered twice. The emulator refuses nothing (no second answer to a query, no
    edit that changes nothing), no bot message repeats the one before it, and the finished
    chat has no live buttons."""
    async with (
        running_emulator(fault_timeout=1.0) as emulator,
        running_bot(emulator, database_url, webhook=True, pacing=True, jobs=True) as running,
    ):
        twice = TwiceDelivered(running)
        people = [
            Patient(emulator.chat(9700 + n), running.services, deliver=twice.deliver)
            for n in range(2)
        ]
        for person in people:
            await person.ensure_started()
        emulator.faults.rate(
            0.2,
            ["429", "500", "502", TIMEOUT, DROP],
            seed=20261206,
            methods=[
                "sendMessage",
                "editMessageText",
                "editMessageReplyMarkup",
                "answerCallbackQuery",
            ],
        )
        emulator.faults.inject("answerCallbackQuery", kind=DROP_AFTER, times=None, share=0.2)
        await asyncio.gather(*(person.finish() for person in people))
        db = running.services.db
        await _until(lambda: _empty(db), emulator, 30, "the outbox to drain")
        # and the answered messages' buttons, which go in the background (retried under faults)
        await running.idle(30.0)
        emulator.faults.clear()
        assert {kind for _, kind in emulator.faults.injected} >= {"429", "500", DROP, DROP_AFTER}
        for person in people:
            interview = await interview_of(running.services, person.user_id)
            assert interview is not None and interview.status == "completed"
            assert check_stored(await answers_of(running.services, person.user_id), person) == []
            texts = [m.text for m in person.chat.messages]
            repeats = [a for a, b in itertools.pairwise(texts) if a == b]
            assert repeats == [], repeats
            assert [m.message_id for m in person.chat.messages if m.buttons] == []
        assert emulator.violations == []
        assert emulator.refused == []
    assert {"tap:a", "tap:S", "text"} <= set(twice.kinds)


async def test_a_stale_taps_note_reaches_the_respondent_when_its_handler_is_late(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load a tap's handler can be later than the answer on arrival (bot/telegram.py).
    A tap on a question the respondent has left still gets "that question has moved on": the
    arrival reads it before the handler does; a tap on the current question gets an empty
    answer on arrival (never "moved on") and is then applied by its handler, once."""
    from handlers import respondent as respondent_handlers

    release = asyncio.Event()
    original = respondent_handlers._on_question_tap

    async def late_on_tap(turn: Any, tap: Any, data: Any) -> None:
        await release.wait()
        await original(turn, tap, data)

    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url) as running,
    ):
        try:
            await _late_taps(running, emulator, monkeypatch, late_on_tap, release)
        finally:
            release.set()  # the handler held back must end, or the bot cannot stop


async def _late_taps(
    running: RunningBot, emulator: Any, monkeypatch: pytest.MonkeyPatch, late: Any, release: Any
) -> None:
    from bot.sandbox.users import buttons_of
    from handlers import callbacks, keyboards
    from handlers import respondent as respondent_handlers

    def question_button(data: str) -> bool:
        parsed = callbacks.parse(data)
        return parsed is not None and parsed.kind in callbacks.QUESTION

    q = running.services.questionnaire
    person = Respondent(emulator.chat(9801), running.services)
    await person.ensure_started()
    chat = person.chat
    asked = chat.snapshot(chat.messages[-1].message_id)
    old = [
        b.callback_data
        for row in buttons_of(asked.get("reply_markup"))
        for b in row
        if b.callback_data and question_button(b.callback_data)
    ]
    assert old, "the first question has buttons"
    await person.answer(_state(await interview_of(running.services, 9801)))
    interview = await interview_of(running.services, 9801)
    assert interview is not None
    assert keyboards.stale(interview, callbacks.parse(old[0]))
    monkeypatch.setattr(respondent_handlers, "_on_question_tap", late)

    transcript = chat.transcript
    stale_id = await chat.tap_snapshot(asked, old[0], wait=False)
    await _until(lambda: _answer_of(chat, stale_id), emulator, 10, "the stale tap's answer")
    assert not release.is_set()
    assert _answer_of(chat, stale_id).get("text") == q.ui("en", "stale.tap")

    current = [
        b.callback_data
        for m in chat.messages
        for row in m.buttons
        for b in row
        if b.callback_data and question_button(b.callback_data)
    ]
    assert current, "the second question has a button (an answer, Skip or Back)"
    live_id = await chat.tap(current[0], wait=False)
    await _until(lambda: _answer_of(chat, live_id), emulator, 10, "the live tap's answer")
    assert "text" not in _answer_of(chat, live_id)  # answered empty on arrival
    release.set()
    await running.idle()
    assert chat.transcript[: len(transcript)] == transcript
    after = await interview_of(running.services, 9801)
    assert after is not None and after.version > interview.version, "the live tap applied"
    answers = [c for c in emulator.calls if c.method == "answerCallbackQuery"]
    assert all(c.status == 200 for c in answers)
    assert emulator.violations == []
    assert emulator.refused == []


def _answer_of(chat: Any, query_id: str) -> dict[str, Any]:
    return next((a for a in chat.answered_callbacks if a["callback_query_id"] == query_id), {})
