"""A whole interview through the real PTB Application and the spec-checking emulator."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot import exports
from storage.models import Answer, Interview, ProcessedUpdate
from tests.integration.chatkit import LONG_TEXT, WEBHOOK_SECRET, running_bot


async def _export(services) -> list[dict]:
    selection = exports.ExportFilter("all", personal=exports.personal_ids(services.questionnaire))
    text = "".join([c async for c in exports.json_chunks(services.db, selection)])
    return json.loads(text)


async def test_full_interview_by_polling(bot, emulator):
    chat = bot.chat(1001, first_name="Ann", username="ann_dgu", language_code="en")
    await chat.consent("English")
    answered = await chat.complete()
    # the first two areas ticked, no shared platforms: `reuse` is not asked
    assert len(answered) >= 19 and "reuse" not in answered
    assert emulator.violations == []
    data = await _export(bot.services)
    assert len(data) == 1
    interview = data[0]
    assert interview["status"] == "completed"
    assert interview["language"] == "en"
    assert interview["completed_at"]
    texts = [a["value"] for a in interview["answers"] if a["value"] == LONG_TEXT]
    assert texts, "free text must come back exactly as sent"
    assert all(a["question_text"] for a in interview["answers"])


@pytest.mark.bot(webhook=True)
async def test_full_interview_by_webhook_and_secret_checked(bot, emulator):
    assert emulator.webhook is not None
    chat = bot.chat(1002, language_code="cy")
    await chat.consent("Cymraeg")
    await chat.complete()
    assert emulator.violations == []
    update = {
        "update_id": 999999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "text": "hi",
        },
    }
    missing = await bot.client.post("/telegram/webhook", json=update)
    wrong = await bot.client.post(
        "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
    )
    assert (missing.status, wrong.status) == (403, 403)
    right = await bot.client.post(
        "/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    assert right.status == 200
    data = await _export(bot.services)
    assert data[0]["status"] == "completed"
    assert data[0]["language"] == "cy"
    assert {a["language"] for a in data[0]["answers"]} == {"cy"}


async def test_restart_mid_interview_resumes_at_same_question(emulator, database_url):
    async with running_bot(emulator, database_url) as bot:
        chat = bot.chat(1003)
        await chat.consent()
        for _ in range(4):
            await chat.answer()
        before = await chat.state()
        async with bot.services.db.reading() as s:
            count_before = (await s.execute(select(func.count()).select_from(Answer))).scalar_one()
    async with running_bot(emulator, database_url) as bot2:
        chat = bot2.chat(1003)  # the same chat, with the new process
        after = await chat.state()
        assert after is not None and before is not None
        assert after.cursor == before.cursor
        await chat.send("/start")
        await chat.tap(chat.last_reply.buttons[0][0])  # resume
        await chat.complete()
        async with bot2.services.db.reading() as s:
            count_after = (await s.execute(select(func.count()).select_from(Answer))).scalar_one()
        assert count_after > count_before
        assert emulator.violations == []


@pytest.mark.bot(webhook=True)
async def test_repeated_update_is_stored_once(bot, emulator):
    chat = bot.chat(1004)
    await chat.consent()
    state = await chat.state()
    async with bot.services.db.reading() as s:
        interview = (await s.execute(select(Interview))).scalars().one()
    version = interview.version
    update = {
        "update_id": 555001,
        "message": {
            "message_id": 9001,
            "date": 1700000000,
            "chat": {"id": 1004, "type": "private", "first_name": "Ann"},
            "from": {"id": 1004, "is_bot": False, "first_name": "Ann"},
            "text": "A repeated answer",
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    for _ in range(3):
        response = await bot.client.post("/telegram/webhook", json=update, headers=headers)
        assert response.status == 200
    async with bot.services.db.reading() as s:
        interview = (await s.execute(select(Interview))).scalars().one()
        claimed = (
            await s.execute(
                select(func.count())
                .select_from(ProcessedUpdate)
                .where(ProcessedUpdate.update_id == 555001)
            )
        ).scalar_one()
    assert claimed == 1
    assert interview.version == version + 1
    assert state is not None
