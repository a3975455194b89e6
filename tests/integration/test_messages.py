"""What the phone shows, through the real process and the Bot API emulator (issue 12).

One copy of each question; toggles edit the keyboard in place; answered questions, prompts and
notices lose their buttons; a tap on a question the respondent has left gets a short "that
question has moved on" and nothing else; consent is one state whichever copy is tapped; every
part of a long answer is acknowledged; nothing Telegram would refuse is ever sent.
"""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.simulator import setup_simulator_routes
from storage.interviews import InterviewStore
from tests.integration.chatkit import CREDIT, BotChat

LANGUAGES = {"en": "English", "cy": "Cymraeg"}
FIRST = "Part one: we moved every licence application online with the people who use them. " * 2
FIRST = FIRST.strip()


def live(chat: BotChat) -> list[int]:
    """Ids of the bot's messages that still show buttons."""
    return [m.message_id for m in chat.messages if m.buttons]


def clean(emulator: BotApiEmulator) -> None:
    """Telegram would have accepted every request the bot made."""
    assert emulator.violations == []
    assert emulator.refused == []


async def test_multi_select_taps_edit_one_keyboard_in_place(bot, emulator):
    q = bot.services.questionnaire
    chat = bot.chat(12001)
    await chat.consent("English")
    await chat.advance_to("attempted")
    question = chat.last_reply
    count = len(chat.messages)
    toggles = [b.callback_data for row in question.buttons for b in row if b.callback_data]
    toggles = [t for t in toggles if t.startswith("t|")]
    emulator.reset_calls()
    for data in toggles[:3]:
        await chat.tap(data)
    await chat.tap(toggles[1])  # and one untick
    assert len(chat.messages) == count  # no copy of the question: the same message, edited
    edits = [c for c in emulator.calls if c.method == "editMessageReplyMarkup"]
    assert len(edits) == 4
    assert {c.params["message_id"] for c in edits} == {question.message_id}
    shown = next(m for m in chat.messages if m.message_id == question.message_id)
    ticked = [str(b) for row in shown.buttons for b in row if str(b).startswith("☑")]
    assert len(ticked) == 2
    text = q.question_text("attempted", "en")
    assert sum(text in m.text for m in chat.messages) == 1
    assert live(chat) == [question.message_id]
    await chat.tap("d|attempted")
    state = await chat.state()
    assert state is not None and state.cursor != "attempted"
    assert len(live(chat)) == 1  # only the next question's buttons
    assert sum(text in m.text for m in chat.messages) == 1
    assert "→" in next(m.text for m in chat.messages if text in m.text)  # shows the answer
    clean(emulator)


async def test_a_tap_on_a_question_left_behind_changes_nothing(bot, emulator):
    q = bot.services.questionnaire
    chat = bot.chat(12002)
    await chat.consent("Cymraeg")
    await chat.advance_to("relationship")
    question = chat.last_reply
    as_shown = chat.snapshot(question.message_id)
    choices = [b.callback_data for row in question.buttons for b in row if b.callback_data]
    choices = [c for c in choices if c.startswith("a|relationship|")]
    await chat.tap(choices[0])
    before = await chat.state()
    assert before is not None and before.answers["relationship"] == choices[0].split("|")[2]
    transcript = chat.transcript
    await chat.tap_snapshot(as_shown, choices[1])  # a second tap, crossing the first's edit
    after = await chat.state()
    assert after == before
    assert chat.answered_callbacks[-1].get("text") == q.ui("cy", "stale.tap")
    assert chat.transcript == transcript
    assert len(live(chat)) == 1
    clean(emulator)


@pytest.mark.parametrize("lang", ["en", "cy"])
async def test_consent_is_one_state_whichever_copy_is_tapped(bot, emulator, lang):
    q = bot.services.questionnaire
    chat = bot.chat(12003, language_code=lang)
    await chat.send("/start")
    first_prompt = chat.last_reply.message_id
    await chat.send("/start")  # nothing stored yet: a second language prompt
    second_prompt = chat.last_reply.message_id
    await chat.tap(LANGUAGES[lang], message_id=first_prompt)
    first_notice = chat.last_reply.message_id
    await chat.tap(LANGUAGES[lang], message_id=second_prompt)
    second_notice = chat.last_reply.message_id
    assert live(chat) == [first_notice, second_notice]  # answered prompts lost their buttons
    await chat.tap(q.ui(lang, "consent.agree"), message_id=first_notice)
    assert chat.last_reply.button_labels[0] == q.ui(lang, "consent.quote.attributable")
    quote_prompt = chat.last_reply.message_id

    # "I agree" again, on the other copy: nothing visible changes
    transcript = chat.transcript
    await chat.tap(q.ui(lang, "consent.agree"), message_id=second_notice)
    assert chat.answered_callbacks[-1].get("text") == q.ui(lang, "consent.already")
    assert [t for t in chat.transcript] == transcript
    assert live(chat) == [quote_prompt]
    clean(emulator)


@pytest.mark.parametrize("lang", ["en", "cy"])
async def test_declining_an_old_notice_after_agreeing_is_a_confirmed_withdrawal(
    bot, emulator, lang
):
    q = bot.services.questionnaire
    store = InterviewStore(bot.services.db)
    chat = bot.chat(12004, language_code=lang)
    await chat.send("/start")
    await chat.send("/start")
    prompts = live(chat)
    await chat.tap(LANGUAGES[lang], message_id=prompts[0])
    await chat.tap(LANGUAGES[lang], message_id=prompts[1])
    first_notice, second_notice = live(chat)
    await chat.tap(q.ui(lang, "consent.agree"), message_id=first_notice)
    await chat.tap(chat.last_reply.buttons[1][0])  # quote: anonymised; question one follows
    assert await store.respondent(12004) is not None
    question_one = chat.last_reply
    assert q.question_text("relationship", lang) in question_one.text
    # its choices are the interview's keyboard; the other notice is still there to tap
    assert live(chat) == [second_notice, question_one.message_id]

    await chat.tap(q.ui(lang, "consent.decline"), message_id=second_notice)
    said = chat.last_reply
    assert said.text == q.ui(lang, "consent.withdraw_confirm")  # asks first
    assert q.ui(lang, "consent.declined") not in [m.text for m in chat.messages]
    assert await store.respondent(12004) is not None  # nothing erased before confirming
    # the notice lost its buttons; question one keeps its own (No carries on with it)
    assert live(chat) == [question_one.message_id, said.message_id]
    await chat.tap(q.ui(lang, "delete.yes"), message_id=said.message_id)
    assert await store.respondent(12004) is None
    assert chat.last_reply.text == q.ui(lang, "consent.withdrawn")
    assert live(chat) == []  # no question follows without a new agreement
    assert await store.respondent(12004) is None
    clean(emulator)


async def test_declining_before_agreeing_stores_nothing_and_says_so(bot, emulator):
    q = bot.services.questionnaire
    chat = bot.chat(12005)
    await chat.send("/start")
    await chat.tap("English")
    await chat.tap(q.ui("en", "consent.decline"))
    assert chat.last_reply.text == q.ui("en", "consent.declined")
    assert await InterviewStore(bot.services.db).respondent(12005) is None
    assert live(chat) == []
    clean(emulator)


@pytest.mark.parametrize("lang", ["en", "cy"])
async def test_every_part_of_a_long_answer_is_acknowledged(bot, emulator, clock, lang):
    q = bot.services.questionnaire
    chat = bot.chat(12006, language_code=lang)
    await chat.consent(LANGUAGES[lang])
    await chat.advance_to("mattered_most")
    await chat.send(FIRST)
    got_it = chat.last_reply
    assert got_it.text == q.ui(lang, "collecting")
    assert got_it.button_labels == [q.ui(lang, "button.done")]
    count = len(chat.messages)

    clock.advance(seconds=1)  # machine speed (a split paste): the same message says 2 parts
    await chat.send("Part two.")
    assert len(chat.messages) == count
    edited = chat.last_reply
    assert edited.message_id == got_it.message_id and edited.edits == 1
    assert edited.text == q.ui(lang, "collecting.parts", parts=2)
    assert live(chat) == [got_it.message_id]

    clock.advance(seconds=30)  # human speed: a fresh acknowledgement, the old one loses Done
    await chat.send("Part three.")
    assert len(chat.messages) == count + 1
    assert chat.last_reply.text == q.ui(lang, "collecting.parts", parts=3)
    assert live(chat) == [chat.last_reply.message_id]

    clock.advance(seconds=1)
    await chat.send("/done")
    state = await chat.state()
    assert state is not None and state.cursor != "mattered_most"  # long enough: no probe
    assert state.answers["mattered_most"] == f"{FIRST}\nPart two.\nPart three."
    clock.advance(
        seconds=1
    )  # right after Done: never glued to the answer; answers what's on screen
    before = len(chat.messages)
    await chat.send("A reply to the next question, typed fast.")
    after = await chat.state()
    assert after is not None
    assert after.answers["mattered_most"] == state.answers["mattered_most"]
    assert len(chat.messages) > before  # and it got a visible answer
    assert len(live(chat)) <= 1
    clean(emulator)


async def test_parts_sent_at_once_are_each_acknowledged(bot, emulator):
    chat = bot.chat(12007)
    await chat.consent("English")
    await chat.advance_to("mattered_most")
    for n in range(3):  # a paste Telegram split in three, arriving together
        await chat.send(f"Piece {n} of a pasted answer.", wait=False)
    await chat.settle()
    await bot.idle()
    state = await chat.state()
    assert state is not None and len(state.fragments) == 3
    texts = [m.text for m in chat.messages]
    assert any(bot.services.questionnaire.ui("en", "collecting.parts", parts=3) == t for t in texts)
    assert len(live(chat)) == 1
    clean(emulator)


@pytest.mark.parametrize("lang", ["en", "cy"])
async def test_the_interview_in_the_simulator_shows_each_question_once(bot, emulator, lang):
    q = bot.services.questionnaire
    page = web.Application()
    setup_simulator_routes(page, emulator)
    async with TestClient(TestServer(page, host="127.0.0.1")) as client:
        chat = bot.chat(12008, language_code=lang)
        await chat.consent(LANGUAGES[lang])
        for _ in range(120):
            state = await chat.state()
            assert state is not None
            if state.status != "in_progress":
                break
            assert state.cursor is not None
            text = q.question_text(state.cursor, lang)
            seen = [m.message_id for m in chat.messages if text in m.text]
            assert len(seen) == 1, (text, chat.transcript[-4:])
            await chat.answer()
            assert len(live(chat)) <= 1, chat.transcript[-3:]
            after = await chat.state()
            if after is not None and after.status == "in_progress":  # (not the summary)
                seen = [m.message_id for m in chat.messages if text in m.text]
                assert len(seen) == 1, (text, chat.transcript[-4:])  # answered: still once
        assert state.status == "reviewing"
        shown = await (await client.get("/simulator/api/chat?user_id=12008")).json()
        with_buttons = [m for m in shown["messages"] if m["buttons"]]
        assert len(with_buttons) == 1  # the review summary's, and no dead ones
        assert with_buttons[0]["id"] == chat.last_reply.message_id
    clean(emulator)


async def test_the_emulator_refuses_what_telegram_refuses(emulator):
    """The fake is as strict as Telegram on what issue 12 is about, and counts each refusal."""
    import aiohttp

    def keyboard(n: int) -> dict:
        return {"inline_keyboard": [[{"text": str(i), "callback_data": str(i)} for i in range(n)]]}

    async with aiohttp.ClientSession() as http:
        emulator.chat(12009)
        api = f"{emulator.base_url}{emulator.token}"

        async def call(method: str, **params) -> int:
            async with http.post(f"{api}/{method}", json=params) as response:
                return response.status

        assert await call("sendMessage", chat_id=12009, text="x", reply_markup=keyboard(9)) == 400
        assert await call("sendMessage", chat_id=12009, text="x", reply_markup=keyboard(8)) == 200
        message_id = emulator.stored_messages(12009)[-1].message_id
        same = {"chat_id": 12009, "message_id": message_id, "reply_markup": keyboard(8)}
        assert await call("editMessageReplyMarkup", **same) == 400  # message is not modified
        edit = {"chat_id": 12009, "message_id": message_id, "parse_mode": "HTML"}
        assert await call("editMessageText", text="<b> </b>", **edit) == 400  # empty
        assert await call("editMessageText", text="x" * 4097, **edit) == 400  # too long
        assert await call("editMessageReplyMarkup", chat_id=12009, message_id=message_id) == 200
        assert await call("editMessageReplyMarkup", chat_id=12009, message_id=message_id) == 400
        assert len(emulator.refused) == 5
        assert "not modified" in emulator.refused[1] and "not modified" in emulator.refused[4]


def test_rows_are_split_at_telegrams_limit():
    from handlers.render import Outgoing

    markup = Outgoing("x", [[(str(n), str(n)) for n in range(10)]]).markup()
    assert markup is not None
    assert [len(row) for row in markup.inline_keyboard] == [8, 2]


async def test_double_taps_on_prompts_and_an_older_quote_prompt(bot, emulator):
    q = bot.services.questionnaire
    store = InterviewStore(bot.services.db)
    chat = bot.chat(12010)
    await chat.send("/start")
    await chat.tap("English")
    notice = chat.snapshot(chat.last_reply.message_id)
    await chat.tap(q.ui("en", "consent.agree"))
    transcript = chat.transcript
    await chat.tap_snapshot(notice, q.ui("en", "consent.agree"))  # a double tap
    assert chat.answered_callbacks[-1].get("text") == q.ui("en", "consent.already")
    assert chat.transcript == transcript

    prompt = chat.snapshot(chat.last_reply.message_id)  # how may we quote you?
    await chat.tap(q.ui("en", "consent.quote.anonymised"))
    assert prompt["message_id"] not in live(chat)  # answered: its buttons are gone
    transcript = chat.transcript
    await chat.tap_snapshot(prompt, q.ui("en", "consent.quote.anonymised"))  # the same again
    assert chat.answered_callbacks[-1].get("text") == q.ui("en", "choice.kept")
    assert chat.transcript == transcript

    await chat.tap_snapshot(prompt, q.ui("en", "consent.quote.attributable"))  # a change
    _, interview = await store.respondent_and_interview(12010)
    assert interview is not None and interview.quote_consent == "anonymised"  # not yet
    view = chat.last_reply  # asks to confirm: the current choice, and buttons to change it
    current = q.ui("en", "consent.quote.anonymised")
    assert view.text == q.ui("en", "consent.current", quote=current)
    await chat.tap(q.ui("en", "consent.quote.attributable"), message_id=view.message_id)
    _, interview = await store.respondent_and_interview(12010)
    assert interview is not None and interview.quote_consent == "attributable"
    assert not next(m for m in chat.messages if m.message_id == view.message_id).buttons
    # quoted by name: the bot asks whom to credit (its "instead" button the live one)
    asked = chat.last_reply
    assert asked.text.startswith(q.ui("en", "consent.quote.recorded"))
    assert q.ui("en", "consent.credit.ask") in asked.text
    assert live(chat) == [asked.message_id]
    await chat.send(CREDIT)
    _, interview = await store.respondent_and_interview(12010)
    assert interview is not None and interview.credit == CREDIT
    assert not interview.credit_pending
    assert chat.last_reply.text.startswith(q.ui("en", "consent.credit.saved", credit=CREDIT))
    assert asked.message_id not in live(chat)  # answered: its button is gone
    clean(emulator)


async def test_double_taps_on_reminder_and_delete_prompts_change_nothing(bot, emulator, clock):
    """A prompt's buttons go on its first tap; the second tap of a double tap (Telegram
    delivers it with the message as it was) gets "already noted" and nothing else: no second
    reply, and no edit that would change nothing ("message is not modified")."""
    from handlers.reminders import send_due_reminders

    q = bot.services.questionnaire
    chat = bot.chat(12020)
    await chat.consent("English")
    await chat.answer()
    clock.advance(hours=49)
    assert await send_due_reminders(bot.services) == 1
    for label in ("reminder.continue", "delete.no", "delete.yes"):
        if label.startswith("delete"):
            await chat.send("/delete")
        prompt = chat.snapshot(chat.last_reply.message_id)
        await chat.tap(q.ui("en", label))
        assert prompt["message_id"] not in live(chat), label  # answered: no buttons
        transcript = chat.transcript
        await chat.tap_snapshot(prompt, q.ui("en", label))  # the double tap
        assert chat.answered_callbacks[-1].get("text") == q.ui("en", "choice.kept"), label
        assert chat.transcript == transcript, label
    assert chat.last_reply.text == q.ui("en", "delete.done")
    clean(emulator)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_an_edit_that_is_no_answer_gets_a_short_note_and_changes_nothing(bot, emulator, lang):
    """Editing a command, or a message that answered no question (here the name to credit),
    gets one short note in the respondent's language; the interview is as it was. Before
    consent too, in the language the phone suggests."""
    q = bot.services.questionnaire
    store = InterviewStore(bot.services.db)
    chat = bot.chat(12030 + len(lang), language_code=lang)
    await chat.send("/start")
    await chat.edit(_last_user_message(emulator, chat), "/help")
    assert chat.last_reply.text == q.ui(lang, "edited.ignored")
    assert await store.respondent(chat.user_id) is None  # nothing stored before consent

    await chat.consent(LANGUAGES[lang])  # its last message: the name to credit
    credit_message = _last_user_message(emulator, chat)
    await chat.send("/help")
    command = _last_user_message(emulator, chat)
    _, before = await store.respondent_and_interview(chat.user_id)
    assert before is not None
    for message_id, text in ((command, "/review"), (credit_message, "Someone else")):
        shown = len(chat.messages)
        await chat.edit(message_id, text)
        assert [m.text for m in chat.messages[shown:]] == [q.ui(lang, "edited.ignored")]
    _, after = await store.respondent_and_interview(chat.user_id)
    assert after is not None
    assert (after.state, after.credit, after.version) == (
        before.state,
        before.credit,
        before.version,
    )
    clean(emulator)


def _last_user_message(emulator: BotApiEmulator, chat: BotChat) -> int:
    return [m for m in emulator.stored_messages(chat.user_id) if not m.from_bot][-1].message_id
