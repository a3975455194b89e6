"""Property (issue 12): whatever a respondent taps or types, each update delivered once or twice,
the chat ends with at most one live keyboard (the current question's) and every answer stored
once: exactly what the pure engine gives for the same inputs, each taken once.

Through the real process (webhook mode, so an update can be redelivered with its update_id, as
Telegram does) and the Bot API emulator. Taps are on the buttons the phone shows, or on a copy of
a message as it looked earlier (a tap that crossed the bot's edit of it).
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot import interview as engine
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.faults import DROP, DROP_AFTER
from bot.sandbox.users import buttons_of
from handlers import callbacks, keyboards
from storage.interviews import InterviewStore
from storage.models import Answer
from tests.integration.chatkit import (
    WEBHOOK_SECRET,
    BotChat,
    Clock,
    RunningBot,
    running_bot,
    running_emulator,
)

KINDS = ("live", "live", "old", "text", "number", "long", "done")
TEXTS = ("Head of service design", "Estonia", "National", "yes", "ab", "12")
ACTION = st.tuples(
    st.sampled_from(KINDS),
    st.integers(min_value=0, max_value=40),  # which button / which text
    st.booleans(),  # delivered twice
    st.sampled_from((1, 30)),  # seconds since the last input: machine or human speed
)
FAULTED = ["editMessageText", "editMessageReplyMarkup", "answerCallbackQuery"]
_update_ids = itertools.count(5_000_000)
_users = itertools.count(13_000)


class Model:
    """The pure engine fed the same inputs once each, filtered as the handlers filter them."""

    def __init__(self, q: engine.Questionnaire, state: engine.State) -> None:
        self.q, self.state = q, state

    def text(self, text: str, now: datetime) -> None:
        self.state = engine.advance(self.q, self.state, engine.Text(text, now), now).state

    def done(self, now: datetime) -> None:
        self.state = engine.advance(self.q, self.state, engine.Done(None), now).state

    def tap(self, data: str, now: datetime) -> None:
        tapped = callbacks.parse(data)
        interview = SimpleNamespace(status="in_progress", state=self.state.to_json())
        if keyboards.stale(interview, tapped):  # type: ignore[arg-type]
            return
        from handlers.respondent import _button_input

        made = _button_input(tapped)
        if made is not None:
            self.state = engine.advance(self.q, self.state, made, now).state  # type: ignore[arg-type]


async def _post(bot: RunningBot, update: dict[str, Any], times: int) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    for _ in range(times):
        response = await bot.client.post("/telegram/webhook", json=update, headers=headers)
        assert response.status == 200
        await bot.idle()


async def _send(
    bot: RunningBot, emulator: BotApiEmulator, chat: BotChat, text: str, n: int
) -> None:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    message = emulator.new_user_message(chat.raw, content)
    await _post(bot, {"update_id": next(_update_ids), "message": message}, n)


async def _tap(
    bot: RunningBot,
    emulator: BotApiEmulator,
    chat: BotChat,
    message: dict[str, Any],
    data: str,
    n: int,
) -> None:
    query_id = f"p{next(_update_ids)}"
    emulator.register_callback(query_id, chat.user_id)
    query = {
        "id": query_id,
        "from": chat.user,
        "message": message,
        "chat_instance": str(-chat.user_id * 7919),
        "data": data,
    }
    await _post(bot, {"update_id": next(_update_ids), "callback_query": query}, n)


async def _scenario(
    database_url: str, actions: list[tuple[str, int, bool, int]], faults: bool = False
) -> None:
    clock = Clock()
    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url, webhook=True, clock=clock) as bot,
    ):
        q = bot.services.questionnaire
        user = next(_users)
        chat = bot.chat(user)
        await chat.consent("English")
        store = InterviewStore(bot.services.db)
        _, interview = await store.respondent_and_interview(user)
        assert interview is not None
        model = Model(q, engine.State.from_json(interview.state))
        if faults:  # a fifth of edits and callback answers fail (5xx, dropped connections);
            # sends stay reliable here so that every input is taken as the model takes it.
            # A fifth of callback answers also arrive and then lose their connection: the bot
            # cannot tell, and must not answer again (Telegram refuses a second answer)
            emulator.faults.rate(0.2, ["500", DROP], seed=len(actions), methods=FAULTED)
            emulator.faults.inject("answerCallbackQuery", kind=DROP_AFTER, times=None, share=0.2)
        seen: list[dict[str, Any]] = []  # every bot message with buttons, as it once looked
        for kind, index, twice, gap in actions:
            clock.advance(seconds=gap)
            times = 2 if twice else 1
            seen.extend(chat.snapshot(m.message_id) for m in chat.messages if m.buttons)
            if kind in ("live", "old"):
                pool = [chat.snapshot(i) for i in _live(chat)] if kind == "live" else seen
                choices = [
                    (message, b.callback_data)
                    for message in pool
                    for row in buttons_of(message.get("reply_markup"))
                    for b in row
                    if b.callback_data and b.callback_data[0] in "atdsb"
                ]
                if not choices:
                    continue
                message, data = choices[index % len(choices)]
                await _tap(bot, emulator, chat, message, data, times)
                model.tap(data, clock.now)
            elif kind == "done":
                await _send(bot, emulator, chat, "/done", times)
                model.done(clock.now)
            else:
                text = {"text": TEXTS[index % len(TEXTS)], "number": str(index + 1)}.get(
                    kind, "x" * 3600
                )
                await _send(bot, emulator, chat, text, times)
                model.text(text, clock.now)
            live = _live(chat)
            assert len(live) <= 1, chat.transcript[-4:]

        _, interview = await store.respondent_and_interview(user)
        assert interview is not None
        state = engine.State.from_json(interview.state)
        assert state.answers == model.state.answers, "an answer applied twice or lost"
        assert state.fragments == model.state.fragments, "a part of an answer taken twice"
        async with bot.services.db.reading() as session:
            rows = (
                (
                    await session.execute(select(Answer).where(Answer.interview_id == interview.id))  # type: ignore[arg-type]
                )
                .scalars()
                .all()
            )
        assert {r.key: r.value for r in rows} == dict(model.state.answers)
        for message_id in _live(chat):  # the one live keyboard acts on where the interview is
            message = chat.snapshot(message_id)
            for row in buttons_of(message.get("reply_markup")):
                for b in row:
                    assert not keyboards.stale(interview, callbacks.parse(b.callback_data)), b
        assert emulator.violations == []
        # Each callback query is answered once (bot/telegram.py's DeliveryBot; a redelivered
        # tap sends nothing; an answer that may have arrived is never sent again).
        assert emulator.refused == []


def _live(chat: BotChat) -> list[int]:
    return [m.message_id for m in chat.messages if m.buttons]


@settings(
    max_examples=15,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTION, min_size=1, max_size=10))
def test_one_live_keyboard_and_every_answer_once(
    sqlite_dir: Path, migrated_template: Path, actions
) -> None:
    database = sqlite_dir / f"p{next(_users)}.sqlite3"
    shutil.copy(migrated_template, database)  # migrated once per session (tests/conftest.py)
    asyncio.run(_scenario(f"sqlite:///{database}", actions))


@settings(
    max_examples=12,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTION, min_size=1, max_size=10))
def test_the_same_with_a_fifth_of_edits_failing(
    sqlite_dir: Path, migrated_template: Path, actions
) -> None:
    database = sqlite_dir / f"f{next(_users)}.sqlite3"
    shutil.copy(migrated_template, database)
    asyncio.run(_scenario(f"sqlite:///{database}", actions, faults=True))
