"""The privacy notice says everything UK GDPR Art. 13 asks (and Art. 14 for someone we found
through their public post on X), in Welsh and English, for either lawful basis; and a
respondent quoted by name is credited with the name and job title they type.

Everything goes through the real bot and the Bot API emulator (which checks every request
against the spec, 4096-character limit included).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import exports
from bot.web.accounts import add_staff
from storage import coding_repo
from storage.models import Interview
from tests.integration.botkit import running_bot
from tests.integration.chatkit import running_emulator
from tests.integration.interviewer import LONG_TEXT, state_of
from tests.integration.privacykit import Talk
from tests.web.conftest import login

#: interviews begun on version 1 still run it; its free-text first question (`role`) shows that
#: the text after the credit prompt is an answer, not a credit
V1 = Path(__file__).parents[2] / "prompts" / "dgu_landscape.v1.yaml"

LANGUAGES = [("English", "en"), ("Cymraeg", "cy")]
HOSTING = {
    "data_hosting": "on servers in London run by Example Cloud Ltd",
    "data_hosting_cy": "ar weinyddion yn Llundain sy'n cael eu rhedeg gan Example Cloud Ltd",
}
SETTINGS = {
    "privacy_notice_url": "https://example.org/privacy-notice",
    "privacy_contact": "dpo@example.org",
    **HOSTING,
}
#: words a reader must find, written here independently of the ui files
MUST_SAY = {
    "en": {
        "telegram": "not end-to-end encrypted",
        "voluntary": "voluntary",
        "published": "already been published cannot be recalled",
        "correct": "correct any answer",
        "consent": "withdraw it at any time",
        "public_task": "right to object",
        "lead": "public post on X",
    },
    "cy": {
        "telegram": "ddim wedi'u hamgryptio o un pen i'r llall",
        "voluntary": "wirfoddol",
        "published": "galw dyfyniad yn ôl ar ôl iddo gael ei gyhoeddi",
        "correct": "cywirwch unrhyw ateb",
        "consent": "ei dynnu'n ôl unrhyw bryd",
        "public_task": "hawl i wrthwynebu",
        "lead": "neges gyhoeddus ar X",
    },
}


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _notice(talk: Talk, chat, label: str, start: str = "/start") -> list:
    before = len(chat.messages)
    await talk.send(chat, start)
    await talk.tap(chat, label)
    return chat.messages[before + 1 :]  # after the language prompt


@pytest.mark.parametrize("basis", ["consent", "public_task"])
@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_notice_states_every_point_for_the_lawful_basis(database_url, label, lang, basis):
    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url, lawful_basis=basis, **SETTINGS) as bot,
    ):
        talk = Talk(bot, emulator)
        chat = emulator.chat(3101, language_code=lang)
        sent = await _notice(talk, chat, label)
        assert emulator.violations == []
    assert len(sent) == 1 and _units(sent[0].text) <= 4096
    text = sent[0].text
    words = MUST_SAY[lang]
    other = "consent" if basis == "public_task" else "public_task"
    assert "6(1)(e)" in text if basis == "public_task" else "6(1)(a)" in text
    assert words[basis] in text and words[other] not in text
    for point in ("telegram", "voluntary", "published", "correct"):
        assert words[point] in text, point
    assert HOSTING["data_hosting_cy" if lang == "cy" else "data_hosting"] in text
    assert "dpo@example.org" in text and "https://example.org/privacy-notice" in text
    assert "730" in text and "ico.org.uk" in text
    assert "/mydata" in text and "/delete" in text and "/consent" in text and "/review" in text
    assert words["lead"] not in text, "only someone invited from their post is told that"
    assert sent[0].button_labels == [
        talk.ui(lang, "consent.agree"),
        talk.ui(lang, "consent.decline"),
    ]


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_a_lead_deep_link_is_told_we_found_their_post_on_x(database_url, label, lang):
    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url, **SETTINGS) as bot,
    ):
        talk = Talk(bot, emulator)
        chat = emulator.chat(3201, language_code=lang)
        sent = await _notice(talk, chat, label, "/start lead-7")
        (notice,) = sent
        assert MUST_SAY[lang]["lead"] in notice.text and "@cdps_cymru" in notice.text
        assert "dpo@example.org" in notice.text
        # /privacy repeats the whole notice at any time, the X paragraph included
        await talk.tap(chat, talk.ui(lang, "consent.agree"))
        await talk.tap(chat, talk.ui(lang, "consent.quote.anonymised"))
        await talk.send(chat, "/privacy")
        again = chat.last_reply
        # someone who came another way hears nothing about X, before or after agreeing
        plain = emulator.chat(3202, language_code=lang)
        (plain_notice,) = await _notice(talk, plain, label, "/start newsletter")
        await talk.tap(plain, talk.ui(lang, "consent.agree"))
        await talk.tap(plain, talk.ui(lang, "consent.quote.anonymised"))
        await talk.send(plain, "/privacy")
        plain_again = plain.last_reply
        assert emulator.violations == []
    assert again.text.startswith(talk.ui(lang, "privacy.title", version="2026-12"))
    assert MUST_SAY[lang]["lead"] in again.text and again.buttons == []
    assert MUST_SAY[lang]["telegram"] in again.text
    assert MUST_SAY[lang]["lead"] not in plain_notice.text
    assert MUST_SAY[lang]["lead"] not in plain_again.text
    assert MUST_SAY[lang]["telegram"] in plain_again.text


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_a_notice_too_long_for_one_message_is_split_never_cut(database_url, label, lang):
    # the longest settings allowed (1500 characters each), with markup characters to escape
    contact = ("Data Protection Officer <dpo> & " * 50)[:1495] + "END-C"
    hosting = ("servers in a data centre in Cardiff & " * 40)[:1495] + "END-H"
    url = "https://example.org/" + "a" * 1475 + "END-U"
    assert len(contact) == len(hosting) == len(url) == 1500
    settings = {**SETTINGS, "privacy_contact": contact, "privacy_notice_url": url}
    settings.update(data_hosting=hosting, data_hosting_cy=hosting)
    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url, **settings) as bot,
    ):
        talk = Talk(bot, emulator)
        chat = emulator.chat(3301, language_code=lang)
        sent = await _notice(talk, chat, label, "/start lead-9")
        await talk.tap(chat, talk.ui(lang, "consent.agree"))
        agreed = chat.last_reply.text
        assert emulator.violations == []
    assert len(sent) >= 2
    assert all(_units(m.text) <= 4096 for m in sent)
    assert [bool(m.buttons) for m in sent] == [False] * (len(sent) - 1) + [True]
    joined = "\n".join(m.text for m in sent)
    # every paragraph whole: the contact appears twice (contact line and the X paragraph)
    assert joined.count("END-C") == 2 and joined.count("END-H") == 1 and "END-U" in joined
    assert contact in joined and hosting in joined and url in joined
    assert MUST_SAY[lang]["lead"] in joined and MUST_SAY[lang]["telegram"] in joined
    assert agreed.startswith(talk.ui(lang, "consent.thanks"))


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_public_task_offers_objection_rather_than_withdrawal(database_url, label, lang):
    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url, lawful_basis="public_task") as bot,
    ):
        talk = Talk(bot, emulator)
        chat = emulator.chat(3401, language_code=lang)
        await talk.consent(chat, label, quote=1)
        await talk.send(chat, "/consent")
        shown = chat.last_reply
        assert talk.ui(lang, "consent.object") in shown.button_labels
        assert talk.ui(lang, "consent.withdraw") not in shown.button_labels
        assert shown.text.startswith(
            talk.ui(lang, "consent.current_object", quote=talk.ui(lang, "consent.quote.anonymised"))
        )
        await talk.tap(chat, talk.ui(lang, "consent.object"))
        assert chat.last_reply.text == talk.ui(lang, "consent.object_confirm")
        await talk.tap(chat, talk.ui(lang, "delete.yes"))
        assert chat.last_reply.text == talk.ui(lang, "consent.objected")
        async with bot.services.db.reading() as session:
            left = (await session.execute(select(Interview))).scalars().all()
        assert emulator.violations == []
    assert left == []


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_attributable_quotes_credit_the_typed_name_everywhere(database_url, label, lang):
    credit = "Nia Ll. Evans, Prif Swyddog Digidol, Cyngor Gwynedd"
    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url, questionnaire=V1) as bot,
    ):
        talk = Talk(bot, emulator)
        services = bot.services
        chat = emulator.chat(
            3501, first_name="Telegram Name", username="tg_user", language_code=lang
        )
        await talk.send(chat, "/start")
        await talk.tap(chat, label)
        await talk.tap(chat, talk.ui(lang, "consent.agree"))
        await talk.tap(chat, talk.ui(lang, "consent.quote.attributable"))
        asked = chat.last_reply
        assert asked.text.endswith(talk.ui(lang, "consent.credit.ask"))
        assert asked.button_labels == [talk.ui(lang, "consent.credit.instead")]
        assert (await state_of(services, 3501)).answers == {}  # nothing taken as an answer

        await talk.send(chat, "x" * 201)  # too long: asked again, nothing stored
        assert chat.last_reply.text.endswith(talk.ui(lang, "consent.credit.ask"))
        await talk.send(chat, f"  {credit}\n")
        first_question = services.questionnaire.question_text("role", lang)
        assert chat.last_reply.text.startswith(talk.ui(lang, "consent.credit.saved", credit=credit))
        assert first_question in chat.last_reply.text
        state = await state_of(services, 3501)
        assert state.answers == {}, "the credit is not an answer"

        for _ in range(12):  # on to a free-text answer staff can quote
            state = await state_of(services, 3501)
            if state is not None and state.cursor == "remit":
                break
            await talk.answer(chat, {"role": "Head of digital", "organisation": "Cyngor Gwynedd"})
        await talk.answer(chat)
        async with services.db.reading() as session:
            interview = (await session.execute(select(Interview))).scalar_one()
        assert interview.credit == credit and not interview.credit_pending
        await coding_repo.add_quote(
            services.db,
            interview.id,
            "remit",
            0,
            10,
            LONG_TEXT[:10],
            [],
            "editor",
            services.clock(),
        )

        # /mydata shows it (text and file)
        before = len(chat.messages)
        await talk.send(chat, "/mydata")
        mydata = chat.messages[before:]
        assert talk.ui(lang, "mydata.credit", credit=credit) in "\n".join(
            m.text for m in mydata if m.document is None
        )
        assert mydata[-1].document.json()["interviews"][0]["consent"]["credit"] == credit

        # exports and the staff app credit that name, never the Telegram one
        personal = exports.personal_ids(services.questionnaire)
        selection = exports.ExportFilter("all", personal=personal)
        data = json.loads("".join([c async for c in exports.json_chunks(services.db, selection)]))
        assert data[0]["consent"]["credit"] == credit
        await add_staff(services.db, "viewer", "correct horse battery", "viewer")
        await login(bot.client, "viewer", "correct horse battery")
        body = await (await bot.client.get("/exports/quotes.csv")).text()
        rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
        assert [r["attribution"] for r in rows] == [credit]
        assert "Telegram Name" not in body

        # editable from /consent
        await talk.send(chat, "/consent")
        assert talk.ui(lang, "consent.credit.current", credit=credit) in chat.last_reply.text
        await talk.tap(chat, talk.ui(lang, "consent.credit.change"))
        assert chat.last_reply.text == talk.ui(lang, "consent.credit.ask")
        await talk.send(chat, "Nia Evans, Head of Digital")
        assert chat.last_reply.text.startswith(
            talk.ui(lang, "consent.credit.saved", credit="Nia Evans, Head of Digital")
        )
        body = await (await bot.client.get("/exports/quotes.csv")).text()
        assert "Nia Evans, Head of Digital" in body and credit not in body

        # erased with the level: "without my name" forgets it
        await talk.send(chat, "/consent")
        await talk.tap(chat, talk.ui(lang, "consent.quote.anonymised"))
        async with services.db.reading() as session:
            after = (await session.execute(select(Interview))).scalar_one()
        body = await (await bot.client.get("/exports/quotes.csv")).text()
        assert emulator.violations == []
    assert after.credit is None and after.quote_consent == "anonymised"
    assert "Nia" not in body


async def test_choosing_not_to_be_named_instead_skips_the_credit(database_url):
    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url, questionnaire=V1) as bot,
    ):
        talk = Talk(bot, emulator)
        chat = emulator.chat(3601, language_code="en")
        await talk.send(chat, "/start")
        await talk.tap(chat, "English")
        await talk.tap(chat, talk.ui("en", "consent.agree"))
        await talk.tap(chat, talk.ui("en", "consent.quote.attributable"))
        await talk.tap(chat, talk.ui("en", "consent.credit.instead"))
        first_question = bot.services.questionnaire.question_text("role", "en")
        assert first_question in chat.last_reply.text
        await talk.send(chat, "Head of service design")  # an answer, not a credit
        state = await state_of(bot.services, 3601)
        async with bot.services.db.reading() as session:
            interview = (await session.execute(select(Interview))).scalar_one()
        assert emulator.violations == []
    assert state.answers.get("role") == "Head of service design"
    assert interview.quote_consent == "anonymised" and interview.credit is None
    assert not interview.credit_pending


async def test_starting_again_keeps_the_name_to_credit(database_url):
    async with (
        running_emulator() as emulator,
        running_bot(emulator, database_url, questionnaire=V1) as bot,
    ):
        talk = Talk(bot, emulator)
        chat = emulator.chat(3701, language_code="en")
        await talk.consent(chat, "English", quote=0, credit="Gwen Price, Service Designer")
        await talk.answer(chat)
        await talk.send(chat, "/start")
        await talk.tap(chat, talk.ui("en", "restart.button"))
        async with bot.services.db.reading() as session:
            rows = (await session.execute(select(Interview))).scalars().all()
        assert emulator.violations == []
    assert len(rows) == 2
    assert {(r.quote_consent, r.credit) for r in rows} == {
        ("attributable", "Gwen Price, Service Designer")
    }
