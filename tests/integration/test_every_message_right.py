"""Issue 12, "every message right", as found taking the interview in the simulator
(the walk report): each defect as a conversation with the real process and the emulator.

Run on the shipped questionnaire in English and Welsh where the words matter.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import Answer, Interview
from tests.integration.chatkit import BotChat, running_bot

LANGS = ["en", "cy"]


def _live(chat: BotChat) -> list[int]:
    """The bot's messages that still show buttons."""
    return [m.message_id for m in chat.messages if m.buttons]


async def _interview(chat: BotChat) -> Interview:
    async with chat.services.db.reading() as session:
        rows = (await session.execute(select(Interview))).scalars().all()
    return max(rows, key=lambda i: i.started_at)


async def _answers(chat: BotChat) -> dict[str, Answer]:
    async with chat.services.db.reading() as session:
        rows = (await session.execute(select(Answer))).scalars().all()
    return {a.key: a for a in rows}


# 1. /cancel pauses; the next message is not taken as an answer


@pytest.mark.parametrize("chat", LANGS, indirect=True)
async def test_cancel_pauses_and_the_next_message_gets_the_carry_on_offer(bot, chat):
    lang = chat.raw.language_code
    await chat.consent()
    await chat.advance_to("country")
    before = await chat.state()
    await chat.send("/cancel")
    assert chat.last_reply.text == chat.ui(lang, "cancel.done")
    assert _live(chat) == [], "a paused interview shows no live buttons"
    await chat.send("hello?")
    offer = chat.last_reply
    assert offer.text.startswith(chat.ui(lang, "resume.offer", where="")[:20])
    assert offer.button_labels == [chat.ui(lang, "resume.button"), chat.ui(lang, "restart.button")]
    state = await chat.state()
    assert state is not None and state.cursor == before.cursor == "country"
    assert "country" not in state.answers, "'hello?' was not taken as an answer"
    await chat.tap(chat.ui(lang, "resume.button"))
    assert chat.services.questionnaire.question_text("country", lang) in chat.last_reply.text
    assert _live(chat) == [chat.last_reply.message_id]
    await chat.send("hello")  # carrying on: an ordinary word is not a country
    assert "Greece" not in " ".join(chat.last_reply.button_labels)
    assert "Gwlad Groeg" not in " ".join(chat.last_reply.button_labels)
    await chat.send("Estonai")  # a misspelt country still is
    assert any("Eston" in label for label in chat.last_reply.button_labels)
    assert bot.emulator.violations == []


# 2. /back with a multi-part answer open keeps what was typed


@pytest.mark.parametrize("chat", LANGS, indirect=True)
async def test_back_with_an_open_long_answer_keeps_the_parts(bot, chat):
    lang = chat.raw.language_code
    q = chat.services.questionnaire
    await chat.consent()
    await chat.advance_to("not_as_hoped")
    await chat.send("The first pilot stalled because procurement took a year.")
    await chat.send("Then the team was halved.")
    await chat.send("/back")
    state = await chat.state()
    assert state is not None and state.cursor == "mattered_most"
    kept = "The first pilot stalled because procurement took a year.\nThen the team was halved."
    assert (await _answers(chat))["not_as_hoped"].value == kept
    await chat.tap(chat.ui(lang, "button.keep"))
    back_at = chat.last_reply.text
    assert q.question_text("not_as_hoped", lang) in back_at
    assert "Then the team was halved." in back_at, "shown as their earlier answer"
    await chat.tap(chat.ui(lang, "button.keep"))
    state = await chat.state()
    assert state is not None and state.answers["not_as_hoped"] == kept
    assert bot.emulator.violations == []


# 3. one reply to an upload: another part of a long answer edits the "Got it"


@pytest.mark.parametrize("lang", LANGS)
async def test_an_upload_gets_one_reply_editing_the_got_it(lang, emulator, database_url, tmp_path):
    async with running_bot(emulator, database_url, media_dir=tmp_path / "media") as running:
        chat = running.chat(3300, language_code=lang)
        await chat.consent()
        await chat.advance_to("mattered_most")
        await chat.send("We rebuilt the benefits forms with the people who use them.")
        got_it = chat.last_reply
        count = len(chat.messages)
        await chat.raw.send_document("notes.txt", b"notes", "text/plain")
        await running.idle()
        assert len(chat.messages) == count, "no second message for the upload"
        edited = chat.raw.messages[-1]
        assert edited.message_id == got_it.message_id
        assert chat.ui(lang, "media.received", what="")[:8] in edited.text
        assert "notes.txt" in edited.text
        assert chat.ui(lang, "collecting.parts", parts=2) in edited.text
        assert _live(chat) == [got_it.message_id]
        await chat.raw.send_voice(12)
        await running.idle()
        assert len(chat.messages) == count
        assert chat.ui(lang, "collecting.parts", parts=3) in chat.raw.messages[-1].text
        await chat.send("/done")
        answer = (await _answers(chat))["mattered_most"].value
        assert "notes.txt" in answer and "0:12" in answer
        assert emulator.violations == []


# 5. the progress line's "of about N" reads the typical length from the first question


@pytest.mark.parametrize("chat", LANGS, indirect=True)
async def test_progress_total_never_grows_for_the_typical_respondent(bot, chat):
    import re

    await chat.consent()
    totals: list[int] = []
    typical = {"attempted": ["redesign", "platforms", "standards"], "highlight": ["platforms"]}
    for _ in range(30):
        state = await chat.state()
        assert state is not None
        if state.status != "in_progress":
            break
        found = re.findall(r"(\d+) (?:of about|o tua) (\d+)", chat.last_reply.text)
        if found:
            totals.append(int(found[-1][1]))
        await chat.answer(typical)
    assert len(totals) >= 15
    assert set(totals) == {20}, totals


# 7. resuming shows the question once


@pytest.mark.parametrize("chat", LANGS, indirect=True)
async def test_resume_leaves_one_live_question(bot, chat):
    lang = chat.raw.language_code
    q = chat.services.questionnaire
    await chat.consent()
    await chat.advance_to("country")
    question = chat.last_reply
    await chat.send("/start")
    offer = chat.last_reply
    assert offer.button_labels == [chat.ui(lang, "resume.button"), chat.ui(lang, "restart.button")]
    assert _live(chat) == [offer.message_id], "the question's buttons went with the offer"
    assert not next(m for m in chat.messages if m.message_id == question.message_id).buttons
    count = len(chat.messages)
    await chat.tap(chat.ui(lang, "resume.button"))
    assert len(chat.messages) == count + 1, "Carry on sends the question once"
    text = q.question_text("country", lang)
    assert text in chat.last_reply.text
    assert _live(chat) == [chat.last_reply.message_id]
    assert bot.emulator.violations == []


# 10. prompts beside the interview lose their buttons when superseded


@pytest.mark.parametrize("chat", LANGS, indirect=True)
async def test_consent_language_and_review_prompts_leave_one_live_prompt(bot, chat):
    lang = chat.raw.language_code
    await chat.consent()
    await chat.advance_to("organisation")
    question = chat.last_reply.message_id
    await chat.send("/consent")
    consent_view = chat.last_reply.message_id
    assert _live(chat) == [question, consent_view], "the question stays usable beside it"
    await chat.send("/language")
    language = chat.last_reply.message_id
    assert _live(chat) == [question, language], "the /consent prompt was superseded"
    await chat.send("/delete")
    confirm = chat.last_reply.message_id
    assert _live(chat) == [question, confirm]
    await chat.send("/review")
    assert _live(chat) == [chat.last_reply.message_id], "the review supersedes them all"
    await chat.tap(chat.ui(lang, "review.continue"))
    assert _live(chat) == [chat.last_reply.message_id]
    await chat.send("/consent")
    await chat.tap(chat.ui(lang, "consent.quote.anonymised"))
    assert len(_live(chat)) == 1, "a level chosen: only the question is live"
    assert bot.emulator.violations == []


# 4. the review's Change buttons: the answer's number alone, five a row


@pytest.mark.parametrize("chat", LANGS, indirect=True)
async def test_review_change_buttons_are_numbers_five_a_row(bot, chat):
    lang = chat.raw.language_code
    q = chat.services.questionnaire
    await chat.consent()
    for _ in range(40):
        state = await chat.state()
        assert state is not None
        if state.status == "reviewing":
            break
        await chat.answer()
    review = chat.last_reply
    numbered = review.buttons[:-1]
    labels = [str(b) for row in numbered for b in row]
    assert labels == [str(n) for n in range(1, len(labels) + 1)]
    assert len(labels) == len(state.answers) >= 15
    assert all(len(row) == 5 for row in numbered[:-1]) and 1 <= len(numbered[-1]) <= 5
    assert all(b.callback_data.startswith("e|") for row in numbered for b in row)
    assert q.ui(lang, "review.intro") in review.text
    tenth = [b for row in numbered for b in row][9]
    await chat.tap(tenth.callback_data)
    state = await chat.state()
    assert state is not None and state.cursor == tenth.callback_data[2:]
    assert bot.emulator.violations == []


# 8. editing an earlier answer keeps the question on screen usable


@pytest.mark.parametrize("chat", LANGS, indirect=True)
async def test_editing_an_earlier_answer_keeps_the_question_usable(bot, chat):
    lang = chat.raw.language_code
    q = chat.services.questionnaire
    await chat.consent()
    await chat.advance_to("organisation")
    sent = await chat.raw.send("Goverment Digital Service")
    await bot.idle()
    state = await chat.state()
    assert state is not None and state.cursor == "country"
    count = len(chat.messages)
    await chat.raw.edit(sent, "Government Digital Service")
    await bot.idle()
    assert (await _answers(chat))["organisation"].value == "Government Digital Service"
    assert len(chat.messages) == count + 1
    note = chat.last_reply
    assert chat.ui(lang, "amended") in note.text
    assert q.question_text("country", lang) not in note.text, "the question is not copied"
    assert chat.ui(lang, "button.back") in note.button_labels
    assert _live(chat) == [note.message_id]
    await chat.tap(chat.last_reply.buttons[0][0].callback_data)  # a quick pick answers it
    state = await chat.state()
    assert state is not None and "country" in state.answers
    assert bot.emulator.violations == []


@pytest.mark.parametrize("chat", LANGS, indirect=True)
async def test_after_an_edit_the_next_reply_takes_the_keyboard_from_the_note(bot, chat):
    """The note of an edit carries the question's buttons (Back, at a text question); the
    answer's "Got it" then carries the one live keyboard and the note's buttons go (in the
    simulator, with flood pacing, the note's Back stayed live beside Done for a second or two:
    the removal is housekeeping and waits behind replies for the chat's budget)."""
    await chat.consent()
    await chat.advance_to("organisation")
    sent = await chat.raw.send("Goverment Digital Service")
    await bot.idle()
    await chat.raw.send("united kingdom")  # taken at once (an exact name), as in the simulator
    await bot.idle()
    assert (await chat.state()).cursor == "mattered_most"
    await chat.raw.edit(sent, "Government Digital Service")
    await bot.idle()
    note = chat.last_reply
    assert chat.ui(chat.raw.language_code, "amended") in note.text
    assert _live(chat) == [note.message_id]
    await chat.raw.send("GOV.UK Notify mattered most: one service every team could use.")
    await bot.idle()
    got_it = chat.last_reply
    assert got_it.message_id != note.message_id
    assert _live(chat) == [got_it.message_id]
    assert bot.emulator.violations == []


# 6. a message after the thank-you is kept as an addendum


@pytest.mark.parametrize("chat", LANGS, indirect=True)
async def test_a_message_after_the_thank_you_is_kept_for_the_team(bot, chat):
    import csv
    import io
    import json

    from bot import exports

    lang = chat.raw.language_code
    await chat.consent()
    await chat.complete()
    await chat.send("Oh, one more thing I forgot to say: the unit had 40 staff.")
    assert chat.last_reply.text == chat.ui(lang, "completed.addendum")
    interview = await _interview(chat)
    assert interview.status == "completed"
    assert interview.addendum is not None
    assert interview.addendum.endswith("the unit had 40 staff.")
    await chat.send("And it closed in 2024.")
    interview = await _interview(chat)
    assert interview.addendum is not None and "40 staff" in interview.addendum
    assert interview.addendum.endswith("And it closed in 2024.")
    db = chat.services.db
    chosen = exports.ExportFilter(personal=exports.personal_ids(chat.services.questionnaire))
    [record] = json.loads("".join([c async for c in exports.json_chunks(db, chosen)]))
    assert record["addendum"] == interview.addendum
    [row] = list(
        csv.DictReader(io.StringIO("".join([c async for c in exports.csv_chunks(db, chosen)])))
    )
    assert row["addendum"] == interview.addendum
    await chat.send("/mydata")
    assert "And it closed in 2024." in "\n".join(m.text for m in chat.messages[-3:])
    assert bot.emulator.violations == []


# the instrument: user_testing and reuse are asked only where they apply


async def test_service_and_platform_questions_only_where_they_apply(bot, chat, clock):
    await chat.consent()
    asked: list[str] = []
    for _ in range(40):
        state = await chat.state()
        assert state is not None
        if state.status != "in_progress":
            break
        asked.append(
            await chat.answer({"attempted": ["skills", "standards"], "highlight": ["skills"]})
        )
    assert "user_testing" not in asked and "reuse" not in asked
    assert "effort_split" in asked and "data_use" in asked
    clock.advance(minutes=1)  # the second interview is the newer one
    await chat.send("/start")
    await chat.tap(chat.ui("en", "restart.button"))
    state = await chat.state()
    assert state is not None and state.status == "in_progress" and not state.answers
    asked = []
    for _ in range(40):
        state = await chat.state()
        assert state is not None
        if state.status != "in_progress":
            break
        asked.append(await chat.answer({"attempted": ["platforms"], "highlight": ["platforms"]}))
    assert "user_testing" in asked and "reuse" in asked
    assert bot.emulator.violations == []
