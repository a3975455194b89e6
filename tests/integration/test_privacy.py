"""Consent, quote consent, /mydata, /delete and withdrawal, in Welsh and English."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from bot import exports
from storage import counters
from storage.models import Answer, Interview, Respondent
from storage.tables import metadata
from tests.integration.chatkit import CREDIT, LONG_TEXT, BotChat

LANGUAGES = [("English", "en"), ("Cymraeg", "cy")]
NOTICE_URL = "https://example.org/privacy-notice"
CONTACT = "dpo@example.org"


async def table_counts(services) -> dict[str, int]:
    """Rows in every table the application defines (plus SQLite's search index)."""
    counts: dict[str, int] = {}
    async with services.db.reading() as session:
        for table in metadata.sorted_tables:
            counts[table.name] = (
                await session.execute(select(func.count()).select_from(table))
            ).scalar_one()
        if services.db.backend == "sqlite":
            counts["answer_fts"] = (
                await session.execute(text("SELECT count(*) FROM answer_fts"))
            ).scalar_one()
    return counts


def _without_update_ids(counts: dict[str, int]) -> dict[str, int]:
    return {name: n for name, n in counts.items() if name != "processed_update"}


async def _answer_some(chat: BotChat, n: int) -> None:
    for _ in range(n):
        await chat.answer()


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
@pytest.mark.bot(privacy_notice_url=NOTICE_URL, privacy_contact=CONTACT)
async def test_notice_then_decline_stores_nothing(bot, emulator, label, lang):
    chat = bot.chat(2001, first_name="Dewi", username="dewi_dgu", language_code=lang)
    await chat.send("/start lead-7")
    await chat.tap(label)
    first = chat.last_reply  # the notice's first layer: the points that matter most
    assert "730" in first.text  # the retention period from settings
    assert "/mydata" in first.text and "/delete" in first.text and "/consent" in first.text
    assert first.button_labels == [
        chat.ui(lang, "consent.agree"),
        chat.ui(lang, "consent.decline"),
        chat.ui(lang, "consent.notice.full"),
    ]
    await chat.tap(chat.ui(lang, "consent.notice.full"))  # reading it stores nothing either
    notice = chat.last_reply
    assert NOTICE_URL in notice.text and CONTACT in notice.text
    assert "730" in notice.text
    assert "/mydata" in notice.text and "/delete" in notice.text and "/consent" in notice.text
    assert notice.button_labels == [
        chat.ui(lang, "consent.agree"),
        chat.ui(lang, "consent.decline"),
    ]
    await chat.tap(chat.ui(lang, "consent.decline"))
    assert chat.last_reply.text == chat.ui(lang, "consent.declined")
    await chat.send("/mydata")
    assert chat.last_reply.text == chat.ui(lang, "mydata.empty")
    assert chat.documents == []
    counts = await table_counts(bot.services)
    async with bot.services.db.reading() as session:
        stored = (await session.execute(text("SELECT name, value FROM counter"))).all()
    assert emulator.violations == []
    assert counts.pop("counter") == 1
    assert counts.pop("processed_update") >= 1  # Telegram's update ids: nobody's data
    assert {name: n for name, n in counts.items() if n} == {}
    assert [tuple(r) for r in stored] == [(counters.DECLINED, 1)]


@pytest.mark.parametrize(
    ("quote", "level"), [(0, "attributable"), (1, "anonymised"), (2, "background")]
)
async def test_each_quote_level_is_stored_and_exports_honour_it(bot, emulator, quote, level):
    user_id = 7_310_042_100 + quote  # a Telegram-sized id
    chat = bot.chat(user_id, first_name="Siân", username="sian_dgu", language_code="cy")
    await chat.consent("Cymraeg", quote=quote)
    await _answer_some(chat, 2)
    async with bot.services.db.reading() as session:
        stored = (await session.execute(select(Interview.quote_consent))).scalar_one()
    personal = exports.personal_ids(bot.services.questionnaire)
    everything = exports.ExportFilter("all", personal=personal)
    db = bot.services.db
    data = json.loads("".join([c async for c in exports.json_chunks(db, everything)]))
    csv_text = "".join([c async for c in exports.csv_chunks(db, everything)])
    assert emulator.violations == []
    assert stored == level
    who = data[0]["respondent"]
    row = next(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    if level == "attributable":
        assert who == {"telegram_user_id": user_id, "username": "sian_dgu", "name": "Siân"}
        assert row["username"] == "sian_dgu"
        assert data[0]["consent"]["credit"] == row["credit"] == CREDIT
    else:
        assert not any(who.values())
        assert data[0]["consent"]["credit"] is None and row["credit"] == ""
        dumped = json.dumps(data, ensure_ascii=False) + csv_text
        assert "sian_dgu" not in dumped and "Siân" not in dumped
        # the id as a value of its own, not as digits inside a timestamp or a random id
        assert re.search(rf"(?<![0-9A-Za-z]){user_id}(?![0-9A-Za-z])", dumped) is None


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_consent_command_changes_quote_consent_everywhere(bot, emulator, label, lang):
    from bot.web.accounts import add_staff
    from storage import coding_repo
    from tests.web.conftest import login

    services = bot.services
    chat = bot.chat(2200, first_name="Ann", username="ann_dgu", language_code=lang)
    await chat.consent(label, quote=0)
    for _ in range(12):  # on to a free-text answer staff can quote
        state = await chat.state()
        if state is not None and state.cursor == "mattered_most":
            break
        await chat.answer({"organisation": "Gov Lab"})
    await chat.answer()
    async with services.db.reading() as session:
        interview = (await session.execute(select(Interview))).scalar_one()
    await coding_repo.add_quote(
        services.db,
        interview.id,
        "mattered_most",
        0,
        10,
        LONG_TEXT[:10],
        [],
        "editor",
        services.clock(),
    )
    await add_staff(services.db, "viewer", "correct horse battery", "viewer")
    await login(bot.client, "viewer", "correct horse battery")

    async def quote_rows() -> list[dict[str, str]]:
        body = await (await bot.client.get("/exports/quotes.csv")).text()
        return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))

    # credited with the name and title they typed, not their Telegram name
    assert [r["attribution"] for r in await quote_rows()] == [CREDIT]

    await chat.send("/consent")
    shown = chat.last_reply
    current = chat.ui(lang, "consent.quote.attributable")
    assert shown.text == (
        chat.ui(lang, "consent.current", quote=current)
        + "\n"
        + chat.ui(lang, "consent.credit.current", credit=CREDIT)
    )
    assert f"✓ {current}" in shown.button_labels
    assert chat.ui(lang, "consent.withdraw") in shown.button_labels
    await chat.tap(chat.ui(lang, "consent.quote.anonymised"))
    # one message: the confirmation, then the question again (render.merged)
    assert chat.last_reply.text.startswith(chat.ui(lang, "consent.quote.recorded"))
    rows = await quote_rows()
    assert len(rows) == 1
    assert "Ann" not in rows[0]["attribution"] and "Siân" not in rows[0]["attribution"]
    async with services.db.reading() as session:
        credits = (await session.execute(select(Interview.credit))).scalars().all()
    assert credits == [None], "a level other than attributable erases the name to credit"

    await chat.send("/consent")
    await chat.tap(chat.ui(lang, "consent.quote.background"))
    assert await quote_rows() == []  # background answers never appear in quote exports
    async with services.db.reading() as session:
        levels = (await session.execute(select(Interview.quote_consent))).scalars().all()
    assert levels == ["background"]
    assert emulator.violations == []


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_mydata_sends_everything_as_message_and_json(bot, emulator, label, lang):
    services = bot.services
    chat = bot.chat(2300, first_name="Rhys <b>&", username="rhys_dgu", language_code=lang)
    await chat.send("/start lead-42")
    await chat.tap(label)
    await chat.tap(chat.last_reply.buttons[0][0])
    await chat.tap(chat.last_reply.buttons[1][0])  # anonymised
    await _answer_some(chat, 3)
    # a very long answer (a merged paste) with markup characters, to split at 4096
    huge = ("<tag> & " + "ŵ🎉" * 10 + " ") * 400
    async with services.db.transaction() as session:
        first = (await session.execute(select(Answer).order_by(Answer.position))).scalars().first()
        await session.execute(update(Answer).where(Answer.id == first.id).values(value=huge))
    before = len(chat.messages)
    await chat.send("/mydata")
    sent = chat.messages[before:]
    assert emulator.violations == []
    texts = [m.text for m in sent if m.document is None]
    assert len(texts) >= 4  # split: the long answer alone is ~8,000 characters
    assert all(len(t.encode("utf-16-le")) // 2 <= 4096 for t in texts)
    joined = "\n".join(texts)
    assert texts[0].startswith(chat.ui(lang, "mydata.intro"))
    assert "Rhys <b>&" in joined and "@rhys_dgu" in joined and "2300" in joined
    assert "lead-42" in joined
    assert chat.ui(lang, "consent.quote.anonymised") in joined
    assert huge.replace("\n", "") in joined.replace("\n", "")
    assert chat.ui(lang, "mydata.delete_hint") in joined
    document = sent[-1].document
    assert document is not None and document.file_name.endswith(".json")
    assert document.caption == chat.ui(lang, "mydata.document")
    data = document.json()
    assert data["respondent"]["telegram_user_id"] == 2300
    assert data["respondent"]["language"] == lang
    (interview,) = data["interviews"]
    assert interview["source"] == "lead-42"
    assert interview["language"] == lang
    assert interview["consent"]["quote_consent"] == "anonymised"
    assert interview["consent"]["consented_at"] and interview["consent"]["notice_version"]
    assert interview["started_at"] and interview["last_activity_at"]
    assert len(interview["answers"]) >= 3
    assert interview["answers"][0]["value"] == huge
    assert data["retention_days"] == 730


def _file_bytes(database_url: str) -> bytes:
    path = Path(database_url.removeprefix("sqlite:///"))
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_delete_asks_then_erases_for_real(bot, emulator, migrated_url, label, lang):
    marker = "Zebra-marker-7731 unique words"
    services = bot.services
    other = bot.chat(2401, language_code="en")
    await other.consent("English")
    await _answer_some(other, 2)
    chat = bot.chat(2400, first_name="Gwen", username="gwen_dgu", language_code=lang)
    await chat.consent(label)
    for _ in range(3):
        await chat.answer({"role": marker, "organisation": marker})
    before = await table_counts(services)

    await chat.send("/delete")
    assert chat.last_reply.text == chat.ui(lang, "delete.confirm")
    await chat.tap(chat.ui(lang, "delete.no"))
    assert chat.last_reply.text == chat.ui(lang, "delete.cancelled")
    # every update's id and reply outcome are recorded (no content, nobody's data)
    assert _without_update_ids(await table_counts(services)) == _without_update_ids(before)

    await chat.send("/delete")
    confirm = chat.last_reply
    await chat.tap(chat.ui(lang, "delete.yes"))
    assert chat.last_reply.text == chat.ui(lang, "delete.done")
    after = await table_counts(services)
    # the confirmation is frozen: no second tap on it
    assert next(m for m in chat.messages if m.message_id == confirm.message_id).buttons == []
    await chat.send("/mydata")
    assert chat.last_reply.text == chat.ui(lang, "mydata.empty")
    withdrawn = await counters.read(services.db, counters.WITHDRAWN)
    async with services.db.reading() as session:
        people = (await session.execute(select(Respondent.telegram_user_id))).scalars().all()
    # gone from the files too (while the server runs, not only once it closes)
    on_disk = _file_bytes(migrated_url) if migrated_url.startswith("sqlite") else b""
    assert emulator.violations == []
    assert marker.encode() not in on_disk
    assert people == [2401]  # the other respondent is untouched
    assert after["interview"] == 1
    assert after["respondent"] == before["respondent"] - 1
    assert after["answer"] == 2 and before["answer"] == 5
    assert withdrawn == 1


@pytest.mark.parametrize(("label", "lang"), LANGUAGES)
async def test_withdrawing_consent_erases_too(bot, emulator, label, lang):
    services = bot.services
    chat = bot.chat(2500, language_code=lang)
    await chat.consent(label, quote=1)
    await _answer_some(chat, 2)
    await chat.send("/consent")
    await chat.tap(chat.ui(lang, "consent.withdraw"))
    assert chat.last_reply.text == chat.ui(lang, "consent.withdraw_confirm")
    await chat.tap(chat.ui(lang, "delete.yes"))
    assert chat.last_reply.text == chat.ui(lang, "consent.withdrawn")
    counts = await table_counts(services)
    assert await counters.read(services.db, counters.WITHDRAWN) == 1
    await chat.send("/consent")
    assert chat.last_reply.text == chat.ui(lang, "consent.none")
    # they can take part again from scratch: the notice comes first
    await chat.send("/start")
    await chat.tap(label)
    assert chat.ui(lang, "consent.agree") in chat.last_reply.button_labels
    assert emulator.violations == []
    assert counts["respondent"] == counts["interview"] == counts["answer"] == 0
    assert counts["reminder"] == 0
