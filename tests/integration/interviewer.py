"""A respondent who answers whatever the bot asks, reading the position from the database.

Integration tests use it to take the whole shipped interview without hard-coding its
content; answers can be scripted per question id.
"""

from __future__ import annotations

from typing import Any

from bot.interview import Questionnaire, State, split_key
from bot.sandbox.users import Chat
from storage.interviews import InterviewStore
from storage.models import Interview

LONG_TEXT = (
    "We rebuilt <b>benefits</b> & tax forms with users: 5 > 3 < 7, *stars* _under_ [links]"
    " `code` — and it worked 🎉 because the team sat with the policy owners every week."
)


async def state_of(services: Any, user_id: int) -> State | None:
    found = await _interview_of(services, user_id)
    return State.from_json(found.state) if found else None


async def questionnaire_of(services: Any, user_id: int) -> Questionnaire:
    """The questionnaire version the respondent's current interview runs on."""
    found = await _interview_of(services, user_id)
    version = found.questionnaire_version if found else None
    return services.questionnaire.for_version(version)  # type: ignore[no-any-return]


async def _interview_of(services: Any, user_id: int) -> Interview | None:
    store = InterviewStore(services.db)
    respondent = await store.respondent(user_id)
    if respondent is None or respondent.id is None:
        return None
    return await store.current_interview(respondent.id)


CREDIT = "Siân Jones, Head of Digital, Cardiff Council"


async def consent(
    chat: Chat, language: str = "English", quote: int = 0, credit: str = CREDIT
) -> None:
    """From /start to the first question: language, privacy notice, quote consent (and, when
    quoted by name, the name and job title to credit)."""
    await chat.send("/start")
    await chat.tap(language)
    await chat.tap(chat.last_reply.buttons[0][0])  # agree
    await chat.tap(chat.last_reply.buttons[quote][0])  # quote consent level
    if quote == 0:
        await chat.send(credit)


async def answer_current(chat: Chat, services: Any, script: dict[str, Any] | None = None) -> str:
    """Answer the current question once; returns the question id answered."""
    state = await state_of(services, chat.user_id)
    assert state is not None and state.cursor is not None, "no current question"
    q = await questionnaire_of(services, chat.user_id)
    qid, _item = split_key(state.cursor)
    question = q.question(qid)
    wanted = (script or {}).get(qid)
    kind = question.kind
    key = state.cursor
    if kind in ("single", "yesno", "scale"):
        choice = wanted or question.choice_ids[0] if kind == "single" else wanted
        data = _button_data(chat, key, choice)
        await chat.tap(data)
    elif kind == "multi":
        picks = wanted or list(question.choice_ids[:2])
        for pick in picks:
            await chat.tap(f"t|{key}|{pick}")
        await chat.tap(f"d|{key}")
    elif kind == "country":
        await chat.send(wanted or "Estonia")
        data = [
            b.callback_data
            for row in chat.last_reply.buttons
            for b in row
            if b.callback_data and b.callback_data.startswith(f"a|{key}|")
        ]
        await chat.tap(data[0])
    elif kind == "number":
        low = question.minimum if question.minimum is not None else 0
        high = question.maximum if question.maximum is not None else low + 10
        await chat.send(str(wanted if wanted is not None else (low + high) // 2))
    else:
        await chat.send(wanted or LONG_TEXT)
        after = await state_of(services, chat.user_id)
        if after is not None and after.cursor == key and after.status != "reviewing":
            await chat.send("/done")
    return qid


def _button_data(chat: Chat, key: str, choice: str | None) -> str:
    for message in reversed(chat.messages):
        for row in message.buttons:
            for button in row:
                data = button.callback_data or ""
                if data.startswith(f"a|{key}|") and (choice is None or data == f"a|{key}|{choice}"):
                    return data
    raise AssertionError(f"no button for {key}={choice}")


async def complete(
    chat: Chat, services: Any, script: dict[str, Any] | None = None, limit: int = 200
) -> list[str]:
    """Answer until the review summary, then submit; returns the question ids answered."""
    answered: list[str] = []
    for _ in range(limit):
        state = await state_of(services, chat.user_id)
        assert state is not None
        if state.status == "reviewing":
            await chat.tap("S")
            return answered
        if state.status == "completed":
            return answered
        answered.append(await answer_current(chat, services, script))
    raise AssertionError("interview did not finish")
