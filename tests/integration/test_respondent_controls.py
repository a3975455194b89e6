"""Respondent controls as conversations, in Welsh and in English (issue 3 §2-§5).

The controls (skip, back, review, edit, language, resume, multi-message answers) are the
engine's, not the instrument's: most tests here run on questionnaire version 1
(`prompts/dgu_landscape.v1.yaml`), which stays live for interviews begun on it, so its
hard-coded question ids stay meaningful. The whole interview in each language runs on the
shipped version 2 (and tests/unit/interview/test_engine*.py drive version 2 question by question).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import exports
from bot.interview import countries
from storage.models import Answer
from tests.integration.chatkit import running_bot

LANGS = [("en", "English"), ("cy", "Cymraeg")]
V1 = Path(__file__).parents[2] / "prompts" / "dgu_landscape.v1.yaml"


async def _answers(services) -> dict[str, Answer]:
    async with services.db.reading() as session:
        rows = (await session.execute(select(Answer))).scalars().all()
    return {a.key: a for a in rows}


async def test_language_offered_equally_and_suggested_from_telegram(bot, emulator):
    q = bot.services.questionnaire
    welsh = bot.chat(2001, language_code="cy")
    await welsh.send("/start")
    assert welsh.last_reply.keyboard and len(welsh.last_reply.keyboard[0]) == 2
    assert welsh.last_reply.button_labels == ["Cymraeg", "English"]
    english = bot.chat(2002, language_code="en-GB")
    await english.send("/start")
    assert english.last_reply.button_labels == ["English", "Cymraeg"]
    # Both prompts carry both languages, Welsh included for the English speaker
    assert "Pa iaith" in english.last_reply.text
    await welsh.tap("Cymraeg")
    assert welsh.last_reply.text.startswith((q.intro("cy") or "")[:40])  # then the notice
    assert q.ui("cy", "consent.summary.title") in welsh.last_reply.text
    assert q.ui("cy", "consent.notice.full") in welsh.last_reply.button_labels
    assert emulator.violations == []


@pytest.mark.parametrize(("lang", "label"), LANGS)
async def test_whole_interview_in_each_language(lang, label, bot, emulator):
    chat = bot.chat(2010)
    await chat.consent(label)
    q = bot.services.questionnaire
    first = chat.last_reply.text
    assert q.question_text("relationship", lang) in first
    await chat.complete()
    assert (
        chat.last_reply.text == q.ui(lang, "completed")
        or q.ui(lang, "completed")[:30] in chat.transcript[-1][1]
    )
    answers = await _answers(bot.services)
    assert {a.language for a in answers.values()} == {lang}
    assert any("@" in key for key in answers), "each repeat-group entry is stored"
    assert emulator.violations == []


@pytest.mark.bot(questionnaire=V1)
async def test_language_switch_midway_reasks_and_answers_keep_their_language(bot, emulator):
    q = bot.services.questionnaire
    chat = bot.chat(2020)
    await chat.consent("English")
    await chat.send("Head of service design")  # role, in English
    await chat.send("/language")
    await chat.tap("Cymraeg")
    assert q.question_text("organisation", "cy") in chat.last_reply.text
    await chat.send("Gwasanaeth Digidol y Llywodraeth")
    answers = await _answers(bot.services)
    assert answers["role"].language == "en"
    assert answers["organisation"].language == "cy"
    assert answers["organisation"].question_text == q.question_text("organisation", "cy")
    selection = exports.ExportFilter("all", personal=frozenset())
    data = json.loads("".join([c async for c in exports.json_chunks(bot.services.db, selection)]))
    assert data[0]["language"] == "cy"
    assert emulator.violations == []


@pytest.mark.parametrize(("lang", "label"), LANGS)
@pytest.mark.bot(questionnaire=V1)
async def test_back_offers_the_old_answer_and_keep(lang, label, bot, emulator):
    q = bot.services.questionnaire
    chat = bot.chat(2030)
    await chat.consent(label)
    await chat.send("Delivery manager")
    await chat.send("/back")
    reply = chat.last_reply
    assert q.question_text("role", lang) in reply.text
    assert "Delivery manager" in reply.text
    assert q.ui(lang, "button.keep") in reply.button_labels
    await chat.tap(q.ui(lang, "button.keep"))
    state = await chat.state()
    assert state.cursor == "organisation"
    assert (await _answers(bot.services))["role"].value == "Delivery manager"


@pytest.mark.parametrize(("lang", "label"), LANGS)
@pytest.mark.bot(questionnaire=V1)
async def test_skip_only_optional_and_invalid_answers_explained(lang, label, bot, emulator):
    q = bot.services.questionnaire
    chat = bot.chat(2040)
    await chat.consent(label)
    await chat.send("/skip")  # role is required
    assert (
        chat.last_reply.text == q.ui(lang, "skip.not_allowed")
        or q.ui(lang, "skip.not_allowed") in chat.last_reply.text
    )
    await chat.advance_to("years", limit=60)
    for _attempt in range(3):
        await chat.send("lots")
        assert q.ui(lang, "invalid.number")[:15] in chat.last_reply.text
    assert q.ui(lang, "button.skip") in chat.last_reply.button_labels, (
        "after 3 tries the respondent may skip"
    )
    await chat.send("7")
    await chat.advance_to("founded", limit=60)
    await chat.send("/skip")  # optional
    state = await chat.state()
    assert state.cursor == "placement"
    assert (await _answers(bot.services))["founded"].value is None
    assert emulator.violations == []


@pytest.mark.parametrize(("lang", "label"), LANGS)
@pytest.mark.bot(questionnaire=V1)
async def test_review_edit_and_submit(lang, label, bot, emulator):
    q = bot.services.questionnaire
    chat = bot.chat(2050)
    await chat.consent(label)
    await chat.send("Product lead")
    await chat.send("/review")
    assert "Product lead" in chat.last_reply.text or any(
        "Product lead" in t for _k, t in chat.transcript[-3:]
    )
    await chat.tap("e|role")
    assert q.question_text("role", lang) in chat.last_reply.text
    await chat.send("Chief product officer")
    assert (await _answers(bot.services))["role"].value == "Chief product officer"
    await chat.complete()
    state = await chat.state()
    assert state.status == "completed"


async def test_leave_and_resume_after_restart_with_welcome_back(emulator, database_url):
    url = database_url
    async with running_bot(emulator, url, questionnaire=V1) as bot:
        q = bot.services.questionnaire
        chat = bot.chat(2060)
        await chat.consent("Cymraeg")
        await chat.send("Pennaeth dylunio")
    async with running_bot(emulator, url, questionnaire=V1) as bot:
        chat = bot.chat(2060)  # the same chat, with the new process
        await chat.send("/start")
        assert chat.last_reply.button_labels == [
            q.ui("cy", "resume.button"),
            q.ui("cy", "restart.button"),
        ]
        await chat.tap(q.ui("cy", "resume.button"))
        assert q.ui("cy", "welcome_back", where="")[:12] in chat.last_reply.text
        assert q.question_text("organisation", "cy") in chat.last_reply.text
        assert emulator.violations == []


@pytest.mark.bot(questionnaire=V1)
async def test_stale_button_is_answered_without_corrupting_state(bot, emulator):
    q = bot.services.questionnaire
    chat = bot.chat(2070)
    await chat.consent("English")
    await chat.advance_to("attempted", limit=60)
    multi = chat.last_reply
    toggles = [
        b.callback_data for row in multi.buttons for b in row if b.callback_data.startswith("t|")
    ]
    await chat.tap(toggles[0])
    as_shown = chat.snapshot(multi.message_id)  # the phone still shows its buttons…
    await chat.tap("d|attempted")
    before = await chat.state()
    assert before.cursor != "attempted"
    assert [m.message_id for m in chat.messages if m.buttons] == [chat.last_reply.message_id]
    transcript = chat.transcript
    await chat.tap_snapshot(as_shown, toggles[1])  # …and the tap crossed the bot's edit
    after = await chat.state()
    assert after.cursor == before.cursor
    assert after.answers == before.answers
    assert chat.answered_callbacks[-1].get("text") == q.ui("en", "stale.tap")
    assert chat.transcript == transcript  # nothing else changes on the phone
    assert emulator.violations == []


@pytest.mark.bot(questionnaire=V1)
async def test_country_typed_in_welsh_or_english_finds_iso_code(bot, emulator):
    chat = bot.chat(2080)
    await chat.consent("Cymraeg")
    await chat.advance_to("country", limit=60)
    assert "Estonia" in " ".join(chat.last_reply.button_labels) or chat.last_reply.buttons
    await chat.send("Yr Almen")  # Germany in Welsh, misspelt: confirmed with a tap
    data = [
        b.callback_data
        for row in chat.last_reply.buttons
        for b in row
        if (b.callback_data or "").startswith("a|country|")
    ]
    assert "a|country|DE" in data
    await chat.tap("a|country|DE")
    assert (await _answers(bot.services))["country"].value == "DE"
    assert emulator.violations == []


@pytest.mark.parametrize(
    ("lang", "label", "typed", "code"),
    [
        ("en", "English", "united kingdom", "GB"),
        ("en", "English", "Cymru", "GB"),
        ("cy", "Cymraeg", "Wales", "GB"),
        ("cy", "Cymraeg", "YR ALMAEN", "DE"),
    ],
)
@pytest.mark.bot(questionnaire=V1)
async def test_an_exact_country_name_is_the_answer_without_a_confirmation(
    bot, emulator, lang, label, typed, code
):
    chat = bot.chat(2085)
    await chat.consent(label)
    await chat.advance_to("country", limit=60)
    asked = chat.last_reply.message_id
    before = len(chat.messages)
    await chat.send(typed)
    state = await chat.state()
    reply = chat.messages[before:]
    q = bot.services.questionnaire
    assert (await _answers(bot.services))["country"].value == code
    assert state.cursor != "country", "on to the next question"
    assert len(reply) == 1, "one reply: the note and the next question"
    noted = q.ui(lang, "country.accepted", country=countries.name(code, lang))
    assert reply[0].text.startswith(noted)
    assert q.question_text(state.cursor, lang) in reply[0].text
    assert next(m for m in chat.messages if m.message_id == asked).buttons == []
    assert emulator.violations == []


@pytest.mark.bot(questionnaire=V1)
async def test_multi_message_answer_and_editing_a_sent_message(bot, emulator):
    chat = bot.chat(2090)
    await chat.consent("English")
    role_message = await chat.send("Designer")
    await chat.edit(role_message, "Senior designer")
    assert (await _answers(bot.services))["role"].value == "Senior designer"
    await chat.advance_to("biggest_success", limit=60)
    await chat.send("We moved 40 services onto one platform.")
    # a quick second part gets no extra acknowledgement (the first one said how to finish)
    await chat.send("It took three years, and the hardest part was procurement.", wait=False)
    await chat.send("/done")
    value = (await _answers(bot.services))["biggest_success"].value
    assert "40 services" in value and "procurement" in value


@pytest.mark.bot(questionnaire=V1)
async def test_non_text_input_gets_a_clear_reply_and_the_question_again(bot, emulator):
    q = bot.services.questionnaire
    chat = bot.chat(2100)
    await chat.consent("Cymraeg")
    # (a photo or voice note answers a free-text question: tests/integration/test_media_answers)
    for send in (chat.send_sticker, chat.send_location, chat.send_contact):
        await send()
        texts = [t for _k, t in chat.transcript[-2:]]
        assert any(q.ui("cy", "input.unsupported")[:20] in t for t in texts)
        assert q.question_text("role", "cy") in chat.last_reply.text
    assert emulator.violations == []


@pytest.mark.bot(questionnaire=V1)
async def test_a_reasked_multi_message_answer_still_offers_done(bot, emulator):
    q = bot.services.questionnaire
    chat = bot.chat(2110)
    await chat.consent("English")
    await chat.advance_to("biggest_success", limit=60)
    await chat.send("We moved 40 services onto one platform.")
    await chat.send_sticker()  # not text: the question is asked again
    assert q.ui("en", "button.done") in chat.last_reply.button_labels
    await chat.tap(q.ui("en", "button.done"))
    assert "40 services" in (await _answers(bot.services))["biggest_success"].value
