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
from tests.integration.chatkit import LONG_TEXT, BotChat
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
#: the longest settings allowed (1500 characters each), with markup characters to escape
LONGEST = {
    "contact": ("Data Protection Officer <dpo> & " * 50)[:1495] + "END-C",
    "hosting": ("servers in a data centre in Cardiff & " * 40)[:1495] + "END-H",
    "url": "https://example.org/" + "a" * 1475 + "END-U",
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


async def _notice(chat: BotChat, label: str, start: str = "/start") -> list:
    before = len(chat.messages)
    await chat.send(start)
    await chat.tap(label)
    return chat.messages[before + 1 :]  # after the language prompt


@pytest.mark.parametrize(
    "bot_options",
    [{"lawful_basis": basis, **SETTINGS} for basis in ("consent", "public_task")],
    ids=["consent", "public_task"],
)
@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_notice_states_every_point_for_the_lawful_basis(
    bot, emulator, bot_options, label, lang
):
    basis = bot_options["lawful_basis"]
    chat = bot.chat(3101, language_code=lang)
    sent = await _notice(chat, label)
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
        chat.ui(lang, "consent.agree"),
        chat.ui(lang, "consent.decline"),
    ]


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
@pytest.mark.bot(**SETTINGS)
async def test_a_lead_deep_link_is_told_we_found_their_post_on_x(bot, emulator, label, lang):
    chat = bot.chat(3201, language_code=lang)
    sent = await _notice(chat, label, "/start lead-7")
    (notice,) = sent
    assert MUST_SAY[lang]["lead"] in notice.text and "@cdps_cymru" in notice.text
    assert "dpo@example.org" in notice.text
    # /privacy repeats the whole notice at any time, the X paragraph included
    await chat.tap(chat.ui(lang, "consent.agree"))
    await chat.tap(chat.ui(lang, "consent.quote.anonymised"))
    await chat.send("/privacy")
    again = chat.last_reply
    # someone who came another way hears nothing about X, before or after agreeing
    plain = bot.chat(3202, language_code=lang)
    (plain_notice,) = await _notice(plain, label, "/start newsletter")
    await plain.tap(chat.ui(lang, "consent.agree"))
    await plain.tap(chat.ui(lang, "consent.quote.anonymised"))
    await plain.send("/privacy")
    plain_again = plain.last_reply
    assert emulator.violations == []
    assert again.text.startswith(chat.ui(lang, "privacy.title", version="2026-12"))
    assert MUST_SAY[lang]["lead"] in again.text and again.buttons == []
    assert MUST_SAY[lang]["telegram"] in again.text
    assert MUST_SAY[lang]["lead"] not in plain_notice.text
    assert MUST_SAY[lang]["lead"] not in plain_again.text
    assert MUST_SAY[lang]["telegram"] in plain_again.text


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
@pytest.mark.bot(
    **{
        **SETTINGS,
        "privacy_contact": LONGEST["contact"],
        "privacy_notice_url": LONGEST["url"],
        "data_hosting": LONGEST["hosting"],
        "data_hosting_cy": LONGEST["hosting"],
    }
)
async def test_a_notice_too_long_for_one_message_is_split_never_cut(bot, emulator, label, lang):
    contact, hosting, url = LONGEST["contact"], LONGEST["hosting"], LONGEST["url"]
    assert len(contact) == len(hosting) == len(url) == 1500
    chat = bot.chat(3301, language_code=lang)
    sent = await _notice(chat, label, "/start lead-9")
    await chat.tap(chat.ui(lang, "consent.agree"))
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
    assert agreed.startswith(chat.ui(lang, "consent.thanks"))


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
@pytest.mark.bot(lawful_basis="public_task")
async def test_public_task_offers_objection_rather_than_withdrawal(bot, emulator, label, lang):
    chat = bot.chat(3401, language_code=lang)
    await chat.consent(label, quote=1)
    await chat.send("/consent")
    shown = chat.last_reply
    assert chat.ui(lang, "consent.object") in shown.button_labels
    assert chat.ui(lang, "consent.withdraw") not in shown.button_labels
    assert shown.text.startswith(
        chat.ui(lang, "consent.current_object", quote=chat.ui(lang, "consent.quote.anonymised"))
    )
    await chat.tap(chat.ui(lang, "consent.object"))
    assert chat.last_reply.text == chat.ui(lang, "consent.object_confirm")
    await chat.tap(chat.ui(lang, "delete.yes"))
    assert chat.last_reply.text == chat.ui(lang, "consent.objected")
    async with bot.services.db.reading() as session:
        left = (await session.execute(select(Interview))).scalars().all()
    assert emulator.violations == []
    assert left == []


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
@pytest.mark.bot(questionnaire=V1)
async def test_attributable_quotes_credit_the_typed_name_everywhere(bot, emulator, label, lang):
    credit = "Nia Ll. Evans, Prif Swyddog Digidol, Cyngor Gwynedd"
    services = bot.services
    chat = bot.chat(3501, first_name="Telegram Name", username="tg_user", language_code=lang)
    await chat.send("/start")
    await chat.tap(label)
    await chat.tap(chat.ui(lang, "consent.agree"))
    await chat.tap(chat.ui(lang, "consent.quote.attributable"))
    asked = chat.last_reply
    assert asked.text.endswith(chat.ui(lang, "consent.credit.ask"))
    assert asked.button_labels == [chat.ui(lang, "consent.credit.instead")]
    assert (await chat.state()).answers == {}  # nothing taken as an answer

    await chat.send("x" * 201)  # too long: asked again, nothing stored
    assert chat.last_reply.text.endswith(chat.ui(lang, "consent.credit.ask"))
    await chat.send(f"  {credit}\n")
    first_question = services.questionnaire.question_text("role", lang)
    assert chat.last_reply.text.startswith(chat.ui(lang, "consent.credit.saved", credit=credit))
    assert first_question in chat.last_reply.text
    state = await chat.state()
    assert state.answers == {}, "the credit is not an answer"

    for _ in range(12):  # on to a free-text answer staff can quote
        state = await chat.state()
        if state is not None and state.cursor == "remit":
            break
        await chat.answer({"role": "Head of digital", "organisation": "Cyngor Gwynedd"})
    await chat.answer()
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
    await chat.send("/mydata")
    mydata = chat.messages[before:]
    assert chat.ui(lang, "mydata.credit", credit=credit) in "\n".join(
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
    await chat.send("/consent")
    assert chat.ui(lang, "consent.credit.current", credit=credit) in chat.last_reply.text
    await chat.tap(chat.ui(lang, "consent.credit.change"))
    assert chat.last_reply.text == chat.ui(lang, "consent.credit.ask")
    await chat.send("Nia Evans, Head of Digital")
    assert chat.last_reply.text.startswith(
        chat.ui(lang, "consent.credit.saved", credit="Nia Evans, Head of Digital")
    )
    body = await (await bot.client.get("/exports/quotes.csv")).text()
    assert "Nia Evans, Head of Digital" in body and credit not in body

    # erased with the level: "without my name" forgets it
    await chat.send("/consent")
    await chat.tap(chat.ui(lang, "consent.quote.anonymised"))
    async with services.db.reading() as session:
        after = (await session.execute(select(Interview))).scalar_one()
    body = await (await bot.client.get("/exports/quotes.csv")).text()
    assert emulator.violations == []
    assert after.credit is None and after.quote_consent == "anonymised"
    assert "Nia" not in body


@pytest.mark.bot(questionnaire=V1)
async def test_choosing_not_to_be_named_instead_skips_the_credit(bot, emulator):
    chat = bot.chat(3601, language_code="en")
    await chat.send("/start")
    await chat.tap("English")
    await chat.tap(chat.ui("en", "consent.agree"))
    await chat.tap(chat.ui("en", "consent.quote.attributable"))
    await chat.tap(chat.ui("en", "consent.credit.instead"))
    first_question = bot.services.questionnaire.question_text("role", "en")
    assert first_question in chat.last_reply.text
    await chat.send("Head of service design")  # an answer, not a credit
    state = await chat.state()
    async with bot.services.db.reading() as session:
        interview = (await session.execute(select(Interview))).scalar_one()
    assert emulator.violations == []
    assert state.answers.get("role") == "Head of service design"
    assert interview.quote_consent == "anonymised" and interview.credit is None
    assert not interview.credit_pending


@pytest.mark.bot(questionnaire=V1)
async def test_starting_again_keeps_the_name_to_credit(bot, emulator):
    chat = bot.chat(3701, language_code="en")
    await chat.consent("English", quote=0, credit="Gwen Price, Service Designer")
    await chat.answer()
    await chat.send("/start")
    await chat.tap(chat.ui("en", "restart.button"))
    async with bot.services.db.reading() as session:
        rows = (await session.execute(select(Interview))).scalars().all()
    assert emulator.violations == []
    assert len(rows) == 2
    assert {(r.quote_consent, r.credit) for r in rows} == {
        ("attributable", "Gwen Price, Service Designer")
    }
