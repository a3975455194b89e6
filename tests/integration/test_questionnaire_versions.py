"""Questionnaire versions and the introduction, through the real bot and the spec-checking
emulator: an interview started on version 1 finishes on version 1 after version 2 is deployed;
a new respondent reads the introduction before the privacy notice, and /help repeats it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import exports
from bot.interview import load_questionnaire
from storage.models import Answer, Interview
from tests.integration.chatkit import running_bot

PROMPTS = Path(__file__).parents[2] / "prompts"
V1 = PROMPTS / "dgu_landscape.v1.yaml"


async def test_interview_started_on_v1_finishes_on_v1_after_v2_is_deployed(emulator, database_url):
    # Before the deployment: the bot runs version 1 only
    async with running_bot(emulator, database_url, questionnaire=V1) as old:
        assert old.services.questionnaire.version == "2026.1"
        chat = old.chat(3101, language_code="en")
        await chat.consent(quote=1)  # quoted without their name
        for _ in range(3):  # role, organisation, country
            await chat.answer()
    # After it: the bot runs version 2, which keeps version 1 for interviews begun on it
    async with running_bot(emulator, database_url) as new:
        assert new.services.questionnaire.version == "2026.2"
        chat = new.chat(3101)  # the same chat, with the new process
        state = await chat.state()
        assert state is not None and state.cursor == "level"  # a v1-only question
        await chat.send("/start")
        await chat.tap(chat.last_reply.buttons[0][0])  # carry on
        assert "At what level of government" in chat.last_reply.text
        answered = await chat.complete()
        assert {"level", "years", "trait_centre", "biggest_success"} <= set(answered)
        assert "relationship" not in answered
        # /mydata reads the answers as version 1 shows them (a v1-only choice's label)
        before = len(chat.messages)
        await chat.send("/mydata")
        shown = "\n".join(m.text for m in chat.messages[before:] if m.document is None)
        assert "At what level of government" in shown
        assert "\nNational" in shown
        # a brand-new respondent meanwhile gets version 2
        other = new.chat(3102, language_code="en")
        await other.consent()
        assert "What is your connection to the digital government unit" in (other.last_reply.text)
        assert emulator.violations == []
        async with new.services.db.reading() as s:
            interviews = {
                i.respondent_id: i for i in (await s.execute(select(Interview))).scalars()
            }
            answers = (await s.execute(select(Answer))).scalars().all()
        # as `dgu-bot export` and the staff downloads do: personal ids of every version
        personal = new.services.questionnaire.personal_ids
        selection = exports.ExportFilter(personal=personal)
        text = "".join([c async for c in exports.json_chunks(new.services.db, selection)])
    versions = sorted(i.questionnaire_version for i in interviews.values())
    assert versions == ["2026.1", "2026.2"]
    v1 = load_questionnaire(V1)
    old_answers = [a for a in answers if a.question_id in ("trait_centre", "years")]
    assert {a.question_text for a in old_answers} == {
        v1.question_text("trait_centre", "en"),
        v1.question_text("years", "en"),
    }
    exported = json.loads(text)
    assert len(exported) == 1 and exported[0]["questionnaire"]["version"] == "2026.1"
    keys = {a["key"] for a in exported[0]["answers"]}
    assert {"role", "level", "trait_centre", "outcome@redesign"} <= keys
    # role is personal: withheld unless the respondent chose to be quoted by name
    role = next(a for a in exported[0]["answers"] if a["key"] == "role")
    assert role["value"] is None and role["withheld"] is True


@pytest.mark.parametrize(("label", "lang"), [("English", "en"), ("Cymraeg", "cy")])
async def test_introduction_comes_before_the_privacy_notice_and_on_help(label, lang, bot, emulator):
    q = bot.services.questionnaire
    intro = q.intro(lang)
    assert intro is not None and str(q.minutes) in intro
    chat = bot.chat(3200 + len(lang), language_code=lang)
    await chat.send("/start")
    await chat.tap(label)
    shown = chat.last_reply.text
    summary = q.ui(lang, "consent.summary.title")
    assert shown.startswith(intro.split("\n")[0])  # the introduction first, whole ...
    assert intro in shown and shown.index(intro) < shown.index(summary)  # ... then the notice
    assert chat.last_reply.button_labels == [
        q.ui(lang, "consent.agree"),
        q.ui(lang, "consent.decline"),
        q.ui(lang, "consent.notice.full"),
    ]
    first_line = intro.split("\n")[0]
    await chat.send("/help")
    helped = "\n".join(m.text for m in chat.messages[-2:])
    assert first_line in helped and q.ui(lang, "help").split("\n")[0] in helped
    # after agreeing, /help still repeats it, in the chosen language
    await chat.tap(q.ui(lang, "consent.agree"))
    await chat.tap(chat.last_reply.buttons[0][0])
    await chat.send("/help")
    assert first_line in "\n".join(m.text for m in chat.messages[-2:])
    assert emulator.violations == []
