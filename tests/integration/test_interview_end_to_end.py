"""A whole interview through the real PTB Application and the spec-checking emulator."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot import exports
from storage.models import Answer, Interview, ProcessedUpdate
from tests.integration.botkit import WEBHOOK_SECRET, running_bot
from tests.integration.chatkit import running_emulator
from tests.integration.interviewer import LONG_TEXT, complete, consent, state_of


async def _export(services) -> list[dict]:
    selection = exports.ExportFilter("all", personal=exports.personal_ids(services.questionnaire))
    text = "".join([c async for c in exports.json_chunks(services.db, selection)])
    return json.loads(text)


async def test_full_interview_by_polling(database_url):
    async with running_emulator() as emulator, running_bot(emulator, database_url) as bot:
        chat = emulator.chat(1001, first_name="Ann", username="ann_dgu", language_code="en")
        await consent(chat, "English")
        answered = await complete(chat, bot.services)
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


async def test_full_interview_by_webhook_and_secret_checked(database_url):
    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url, webhook=True) as bot,
    ):
        assert emulator.webhook is not None
        chat = emulator.chat(1002, language_code="cy")
        await consent(chat, "Cymraeg")
        await complete(chat, bot.services)
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


async def test_restart_mid_interview_resumes_at_same_question(database_url):
    async with running_emulator() as emulator:
        chat = emulator.chat(1003)
        async with running_bot(emulator, database_url) as bot:
            await consent(chat)
            from tests.integration.interviewer import answer_current

            for _ in range(4):
                await answer_current(chat, bot.services)
            before = await state_of(bot.services, 1003)
            async with bot.services.db.reading() as s:
                count_before = (
                    await s.execute(select(func.count()).select_from(Answer))
                ).scalar_one()
        async with running_bot(emulator, database_url) as bot2:
            after = await state_of(bot2.services, 1003)
            assert after is not None and before is not None
            assert after.cursor == before.cursor
            await chat.send("/start")
            await chat.tap(chat.last_reply.buttons[0][0])  # resume
            await complete(chat, bot2.services)
            async with bot2.services.db.reading() as s:
                count_after = (
                    await s.execute(select(func.count()).select_from(Answer))
                ).scalar_one()
            assert count_after > count_before
            assert emulator.violations == []


async def test_repeated_update_is_stored_once(database_url):
    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url, webhook=True) as bot,
    ):
        chat = emulator.chat(1004)
        await consent(chat)
        state = await state_of(bot.services, 1004)
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
