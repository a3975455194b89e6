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
from hashlib import sha256
from pathlib import Path

import pytest
import yaml
from sqlalchemy import delete, select

from bot import exports
from bot.web.accounts import add_staff
from handlers import notice
from storage import coding_repo
from storage.models import Interview, Respondent
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


#: what the first layer must say, in a few lines (written here independently of the ui files)
FIRST_LAYER = {
    "en": {
        "who": "Centre for Digital Public Services (CDPS)",
        "kept": "Telegram name and ID for 730 days",
        "voluntary": "voluntary",
        "skip": "skip optional questions",
        "stop": "stop and carry on later",
        "telegram": "not end-to-end encrypted",
        "consent": "withdraw your consent",
        "public_task": "object to our use of it",
    },
    "cy": {
        "who": "Ganolfan Gwasanaethau Cyhoeddus Digidol (CDPS)",
        "kept": "rhif adnabod Telegram am 730 diwrnod",
        "voluntary": "wirfoddol",
        "skip": "hepgor cwestiynau dewisol",
        "stop": "stopio a pharhau wedyn",
        "telegram": "ddim wedi'i hamgryptio o un pen i'r llall",
        "consent": "thynnu eich caniatâd yn ôl",
        "public_task": "gwrthwynebu ein defnydd ohono",
    },
}
#: "comfortably under ~1,000 characters" on a phone: what the first layer may take at most,
#: and with the sentence on how we found someone invited from their post on X
FIRST_LAYER_MAX, FIRST_LAYER_LEAD_MAX = 1000, 1100


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _notice(chat: BotChat, label: str, start: str = "/start") -> list:
    """The reply to choosing a language: the notice's first layer."""
    before = len(chat.messages)
    await chat.send(start)
    await chat.tap(label)
    return chat.messages[before + 1 :]  # after the language prompt


async def _full(chat: BotChat, lang: str, **options) -> list:
    """The reply to "Read the full privacy notice"."""
    before = len(chat.messages)
    await chat.tap(chat.ui(lang, "consent.notice.full"), **options)
    return chat.messages[before:]


def _now(chat: BotChat, message_id: int):
    """A message as the person sees it now (after edits)."""
    return next(m for m in chat.messages if m.message_id == message_id)


def _choices(chat: BotChat, lang: str) -> list[str]:
    return [chat.ui(lang, "consent.agree"), chat.ui(lang, "consent.decline")]


@pytest.mark.parametrize(
    "bot_options",
    [{"lawful_basis": basis, **SETTINGS} for basis in ("consent", "public_task")],
    ids=["consent", "public_task"],
)
@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_first_layer_is_short_and_says_what_matters_most(
    bot, emulator, bot_options, label, lang
):
    basis = bot_options["lawful_basis"]
    chat = bot.chat(3001, language_code=lang)
    (first,) = await _notice(chat, label)
    text = first.text
    words = FIRST_LAYER[lang]
    other = "consent" if basis == "public_task" else "public_task"
    q = bot.services.questionnaire
    assert emulator.violations == []
    assert _units(text) <= FIRST_LAYER_MAX, _units(text)
    assert text.startswith(q.intro(lang).split("\n")[0])  # who is asking and why, first
    assert f" {q.minutes} " in text  # how long it takes
    for point in ("who", "kept", "voluntary", "skip", "stop", "telegram", basis):
        assert words[point] in text, point
    assert words[other] not in text
    assert "/mydata" in text and "/delete" in text and "/consent" in text
    assert MUST_SAY[lang]["lead"] not in text
    # the choices, and the full notice one tap away
    assert first.button_labels == [*_choices(chat, lang), chat.ui(lang, "consent.notice.full")]
    assert [len(row) for row in first.buttons] == [2, 1]


@pytest.mark.parametrize(
    "bot_options",
    [{"lawful_basis": basis, **SETTINGS} for basis in ("consent", "public_task")],
    ids=["consent", "public_task"],
)
@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_full_notice_states_every_point_for_the_lawful_basis(
    bot, emulator, bot_options, label, lang
):
    basis = bot_options["lawful_basis"]
    chat = bot.chat(3101, language_code=lang)
    (first,) = await _notice(chat, label)
    sent = await _full(chat, lang)
    assert emulator.violations == []
    assert len(sent) == 1 and _units(sent[0].text) <= 4096
    text = sent[0].text
    words = MUST_SAY[lang]
    other = "consent" if basis == "public_task" else "public_task"
    assert text.startswith(chat.ui(lang, "privacy.title", version=notice.VERSION))
    assert "6(1)(e)" in text if basis == "public_task" else "6(1)(a)" in text
    assert words[basis] in text and words[other] not in text
    for point in ("telegram", "voluntary", "published", "correct"):
        assert words[point] in text, point
    assert HOSTING["data_hosting_cy" if lang == "cy" else "data_hosting"] in text
    assert "dpo@example.org" in text and "https://example.org/privacy-notice" in text
    assert "730" in text and "ico.org.uk" in text
    assert "/mydata" in text and "/delete" in text and "/consent" in text and "/review" in text
    assert words["lead"] not in text, "only someone invited from their post is told that"
    assert text.endswith(chat.ui(lang, "consent.notice.ask"))
    # the choices moved under the full notice: the first layer keeps its text, not its buttons
    assert sent[0].button_labels == _choices(chat, lang)
    assert _now(chat, first.message_id).buttons == []
    assert _now(chat, first.message_id).text == first.text
    await chat.tap(chat.ui(lang, "consent.agree"))
    assert chat.last_reply.text.startswith(chat.ui(lang, "consent.thanks"))
    assert _now(chat, sent[0].message_id).buttons == []
    async with bot.services.db.reading() as session:
        interview = (await session.execute(select(Interview))).scalar_one()
    assert interview.consent_version == notice.VERSION
    assert emulator.violations == []


@pytest.mark.bot(privacy_notice_url="https://example.org/privacy-notice", **HOSTING)
@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_with_no_contact_set_the_notice_gives_its_link_once(bot, emulator, label, lang):
    chat = bot.chat(3151, language_code=lang)
    await _notice(chat, label)
    (sent,) = await _full(chat, lang)
    assert sent.text.count("https://example.org/privacy-notice") == 1
    assert (
        chat.ui(
            lang, "consent.notice.contact_unset", notice_url="https://example.org/privacy-notice"
        )
        in sent.text
    )
    assert emulator.violations == []


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_agreeing_on_the_first_layer_records_the_layered_notice(bot, emulator, label, lang):
    chat = bot.chat(3151, language_code=lang)
    (first,) = await _notice(chat, label)
    await chat.tap(chat.ui(lang, "consent.agree"))
    assert chat.last_reply.text.startswith(chat.ui(lang, "consent.thanks"))
    assert _now(chat, first.message_id).buttons == []
    async with bot.services.db.reading() as session:
        interview = (await session.execute(select(Interview))).scalar_one()
    assert interview.consent_version == notice.VERSION == "2026-12.3"
    assert emulator.violations == []


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_full_notice_tapped_on_an_older_first_layer_after_agreeing(
    bot, emulator, label, lang
):
    """Two copies of the first layer (a second /start before agreeing); agreed on the second:
    the first's "Read the full privacy notice" shows the notice as /privacy does, without
    choices to agree again, and a second tap on it changes nothing."""
    chat = bot.chat(3161, language_code=lang)
    (older,) = await _notice(chat, label)
    await _notice(chat, label)
    await chat.tap(chat.ui(lang, "consent.agree"))
    await chat.tap(chat.ui(lang, "consent.quote.anonymised"))
    question = chat.last_reply
    assert question.buttons, "the first question, live"
    sent = await _full(chat, lang, message_id=older.message_id)
    assert len(sent) == 1 and sent[0].buttons == []
    assert sent[0].text.startswith(chat.ui(lang, "privacy.title", version=notice.VERSION))
    assert _now(chat, older.message_id).buttons == []
    assert _now(chat, question.message_id).buttons == question.buttons
    assert emulator.violations == []


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
@pytest.mark.bot(**SETTINGS)
async def test_a_lead_deep_link_is_told_we_found_their_post_on_x(bot, emulator, label, lang):
    chat = bot.chat(3201, language_code=lang)
    (first,) = await _notice(chat, label, "/start lead-7")
    assert MUST_SAY[lang]["lead"] in first.text and "@cdps_cymru" in first.text
    assert _units(first.text) <= FIRST_LAYER_LEAD_MAX, _units(first.text)
    (notice_,) = await _full(chat, lang)
    assert MUST_SAY[lang]["lead"] in notice_.text and "@cdps_cymru" in notice_.text
    assert "dpo@example.org" in notice_.text
    # /privacy repeats the whole notice at any time, the X paragraph included
    await chat.tap(chat.ui(lang, "consent.agree"))
    await chat.tap(chat.ui(lang, "consent.quote.anonymised"))
    async with bot.services.db.reading() as session:
        interview = (await session.execute(select(Interview))).scalar_one()
    assert interview.source == "lead-7", "the source travels through the full notice's buttons"
    await chat.send("/privacy")
    again = chat.last_reply
    # someone who came another way hears nothing about X, before or after agreeing
    plain = bot.chat(3202, language_code=lang)
    (plain_first,) = await _notice(plain, label, "/start newsletter")
    (plain_notice,) = await _full(plain, lang)
    await plain.tap(chat.ui(lang, "consent.agree"))
    await plain.tap(chat.ui(lang, "consent.quote.anonymised"))
    await plain.send("/privacy")
    plain_again = plain.last_reply
    assert emulator.violations == []
    assert again.text.startswith(chat.ui(lang, "privacy.title", version=notice.VERSION))
    assert MUST_SAY[lang]["lead"] in again.text and again.buttons == []
    assert MUST_SAY[lang]["telegram"] in again.text
    assert MUST_SAY[lang]["lead"] not in plain_first.text
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
    (first,) = await _notice(chat, label, "/start lead-9")
    assert _units(first.text) <= FIRST_LAYER_LEAD_MAX, "the long settings stay in the full notice"
    sent = await _full(chat, lang)
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


#: the fingerprint of every word of the notice (both layers, both languages, the introduction
#: the first layer opens with) for each version: a changed notice is a new version, recorded
#: with each consent (interview.consent_version)
NOTICE_WORDS = {"2026-12.2": "773852abf026", "2026-12.3": "dcd311fc0aca"}
PROMPTS = Path(__file__).parents[2] / "prompts"


def _notice_words() -> str:
    def load(name: str) -> dict:
        return yaml.safe_load((PROMPTS / name).read_text(encoding="utf-8"))

    def text(entry: object) -> str:
        return str(entry["text"] if isinstance(entry, dict) else entry)

    words: list[tuple[str, str, str]] = []
    for lang, ui, questionnaire in (
        ("en", load("ui.en.yaml")["strings"], {"intro": load("dgu_landscape.yaml")["intro"]}),
        ("cy", load("ui.cy.yaml")["strings"], load("dgu_landscape.cy.yaml")["strings"]),
    ):
        words.append((lang, "intro", text(questionnaire["intro"])))
        for key, entry in ui.items():
            notice_key = key.startswith(("consent.notice.", "consent.summary.", "privacy.title"))
            if notice_key and key != "consent.notice.full":  # not the button's label
                words.append((lang, key, text(entry)))
    return sha256(repr(sorted(words)).encode()).hexdigest()[:12]


def test_a_changed_notice_is_a_new_version():
    assert NOTICE_WORDS.get(notice.VERSION) == _notice_words(), (
        "the notice's words changed: bump VERSION in handlers/notice.py and record "
        f"NOTICE_WORDS[{notice.VERSION!r}] = {_notice_words()!r}"
    )


@pytest.mark.parametrize(("label", "lang"), [("English", "en"), ("Cymraeg", "cy")])
async def test_no_interview_on_record_means_no_agreement_on_record(bot, emulator, label, lang):
    """A respondent row whose interview is gone (the process died between the two writes of
    "I agree", or the interview was erased since an offer was shown) holds no agreement: /start
    and an old "start again" button ask for it again, never begin without it."""
    chat = bot.chat(3801, language_code=lang)
    await chat.consent(label)
    await chat.send("/start")
    offer = chat.last_reply
    assert chat.ui(lang, "restart.button") in offer.button_labels
    async with bot.services.db.transaction() as session:  # as if it never got that far
        await session.execute(delete(Interview))
    async with bot.services.db.reading() as session:  # the respondent row outlived it
        assert (await session.execute(select(Respondent.telegram_user_id))).scalar_one() == 3801
    await chat.tap(chat.ui(lang, "restart.button"), message_id=offer.message_id)
    assert sorted(chat.last_reply.button_labels) == ["Cymraeg", "English"]
    await chat.send("/start")
    assert sorted(chat.last_reply.button_labels) == ["Cymraeg", "English"]
    async with bot.services.db.reading() as session:
        assert (await session.execute(select(Interview))).first() is None
    await chat.tap(label)
    await chat.tap(chat.ui(lang, "consent.agree"))
    async with bot.services.db.reading() as session:
        agreed = (await session.execute(select(Interview))).scalar_one()
    assert agreed.consent_version == notice.VERSION and agreed.consented_at is not None
    assert emulator.violations == []
