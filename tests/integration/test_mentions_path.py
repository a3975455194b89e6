"""The whole mention path in the real process: a mention on (fake) X becomes a lead, staff
invite it with a reply from the staff app, the person opens the deep link in (emulated)
Telegram, consents and completes the interview, and the lead follows by itself.

The fake X API checks every request against the X API v2 spec (tests/fakes/x_api.py); the
Telegram emulator checks every Bot API call against the Bot API spec.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.interview import staff_catalogue
from bot.mentions import leads
from bot.mentions.monitor import poll_once
from bot.web.accounts import add_staff
from storage.mentions import Lead, XCursor, XReply
from storage.models import Interview
from tests.fakes.x_api import FakeXApi
from tests.integration.chatkit import running_bot
from tests.web.conftest import PASSWORD, login

X_USER = {
    "x_bearer_token": "app-token",
    "x_api_key": "consumer-key",
    "x_api_secret": "consumer-secret",
    "x_access_token": "access-token",
    "x_access_token_secret": "access-token-secret",
}
_TEXTAREA = re.compile(r'<textarea[^>]*name="text"[^>]*>(.*?)</textarea>', re.S)
_PAYLOAD = re.compile(r"\?start=(lead-[0-9]+)")


def _x(fake: FakeXApi, **extra: Any) -> dict[str, Any]:
    return {**X_USER, "x_api_url": fake.url, "x_poll_seconds": 3600, **extra}


@pytest.fixture
async def x() -> AsyncIterator[FakeXApi]:
    async with FakeXApi() as fake:
        yield fake


@pytest.fixture
def bot_options(bot_options: dict[str, Any], x: FakeXApi) -> dict[str, Any]:
    """The bot signed in to the fake X API as the monitored account."""
    return _x(x, **bot_options)


async def _lead(services: Any, lead_id: int) -> Lead:
    found = await leads.get_lead(services.db, lead_id)
    assert found is not None
    return found


async def _draft(client: Any, lead_id: int) -> str:
    page = await (await client.get(f"/mentions/leads/{lead_id}")).text()
    found = _TEXTAREA.search(page)
    assert found, "no invitation form on the lead page"
    return html.unescape(found.group(1))


async def test_mention_to_invitation_to_completed_interview(bot, emulator, x: FakeXApi) -> None:
    services = bot.services
    author = x.add_user("nia_digital", description="Head of digital, Welsh public service")
    tweet = x.mention(
        "Happy to share how our digital service team built the service standard in Wales",
        author=author,
        lang="en",
    )
    result = await poll_once(services)
    assert result.ok and result.sweep_complete, result.summary()
    [lead_id] = result.new_leads
    assert (await _lead(services, lead_id)).status == "new"

    # a comms editor signs in to the staff app and sends the invitation from the lead page
    await add_staff(services.db, "comms", PASSWORD, "editor")
    csrf = await login(bot.client, "comms")
    draft = await _draft(bot.client, lead_id)
    assert "Diolch" in draft and f"start=lead-{lead_id}" in draft
    assert services.bot_username and f"t.me/{services.bot_username}?" in draft
    sent = await bot.client.post(
        f"/mentions/leads/{lead_id}/invite",
        data={"csrf_token": csrf, "text": draft},
        allow_redirects=False,
    )
    assert sent.status == 303 and "?message=sent&detail=" in sent.headers["Location"]
    [reply] = x.created  # the fake X API recorded exactly one reply, to the mention
    assert reply["in_reply_to_tweet_id"] == tweet and reply["text"] == draft
    lead = await _lead(services, lead_id)
    assert lead.status == "invited" and lead.invitation_tweet_id == reply["id"]
    assert lead.invited_by == "comms"
    shown = await bot.client.get(sent.headers["Location"])
    assert f"Reply sent (tweet {reply['id']})." in await shown.text()

    # a second invitation is refused and sends nothing
    again = await bot.client.post(
        f"/mentions/leads/{lead_id}/invite", data={"csrf_token": csrf, "text": draft}
    )
    assert "already invited" in await again.text()
    assert len(x.created) == 1

    # the person opens the deep link from the reply, consents and completes the interview
    [start_payload] = _PAYLOAD.findall(reply["text"])
    chat = bot.chat(4242, first_name="Nia", language_code="en")
    await chat.send(f"/start {start_payload}")
    await chat.tap("English")
    await chat.tap(chat.last_reply.buttons[0][0])  # agree to the privacy notice
    await chat.tap(chat.last_reply.buttons[1][0])  # quote consent: without my name
    lead = await _lead(services, lead_id)
    assert lead.status == "started" and lead.interview_id
    await chat.complete()
    lead = await _lead(services, lead_id)
    assert lead.status == "completed"
    async with services.db.reading() as session:
        interview = await session.get(Interview, lead.interview_id)
    assert interview is not None and interview.status == "completed"
    assert interview.source == f"lead-{lead_id}"

    # the staff app shows the attribution both ways, and the funnel counts it
    lead_page = await (await bot.client.get(f"/mentions/leads/{lead_id}")).text()
    assert f"/interviews/{interview.id}" in lead_page
    listing = await (await bot.client.get(f"/interviews?source=lead-{lead_id}")).text()
    assert "1 interview<" in listing
    transcript = await (await bot.client.get(f"/interviews/{interview.id}")).text()
    assert f'href="/mentions/leads/{lead_id}"' in transcript
    landscape = await (await bot.client.get("/landscape")).text()
    stages = landscape[landscape.index("Leads at each stage") :]
    for label in ("Leads found", "Invited", "Started", "Completed"):
        assert f'{label}</th><td class="govuk-table__cell govuk-table__cell--numeric">1<' in (
            stages
        )
    assert emulator.violations == []
    assert x.violations == []


@pytest.mark.bot(x_dry_run=True)
async def test_dry_run_records_the_invitation_but_sends_nothing(bot, x: FakeXApi) -> None:
    x.mention("Would love to talk about our government digital service", author=x.add_user("a"))
    [lead_id] = (await poll_once(bot.services)).new_leads
    await add_staff(bot.services.db, "comms", PASSWORD, "editor")
    csrf = await login(bot.client, "comms")
    draft = await _draft(bot.client, lead_id)
    page = await bot.client.post(
        f"/mentions/leads/{lead_id}/invite", data={"csrf_token": csrf, "text": draft}
    )
    assert "Dry run: the reply was recorded, not sent." in await page.text()
    assert x.created == [] and x.calls("tweets") == []
    lead = await _lead(bot.services, lead_id)
    assert lead.status == "new" and lead.invitation_tweet_id is None
    assert [r.dry_run for r in await leads.replies(bot.services.db, lead_id)] == [True]
    assert x.violations == []


async def test_restart_between_polls_makes_no_duplicates(
    emulator, database_url: str, x: FakeXApi
) -> None:
    first_author, second_author = x.add_user("one"), x.add_user("two")
    first_ids = [x.mention(f"digital service question {n}?", author=first_author) for n in range(3)]
    async with running_bot(emulator, database_url, **_x(x)) as bot:
        first = await poll_once(bot.services)
        assert first.ok and len(first.new_leads) == 3
        again = await poll_once(bot.services)  # nothing new: nothing stored twice
        assert again.ok and again.new_leads == []
        async with bot.services.db.reading() as session:
            before = await session.get(XCursor, "cdps_cymru")
        assert before is not None and before.since_id == max(first_ids, key=int)
    later = x.mention("another digital service question?", author=second_author)
    async with running_bot(emulator, database_url, **_x(x)) as bot:
        second = await poll_once(bot.services)
        assert second.ok and len(second.new_leads) == 1, second.summary()
        async with bot.services.db.reading() as session:
            tweets = list((await session.execute(select(Lead.tweet_id))).scalars())
            cursor = await session.get(XCursor, "cdps_cymru")
            replies = await session.scalar(select(func.count()).select_from(XReply))
        assert sorted(tweets) == sorted(t["id"] for t in x.tweets)
        assert len(set(tweets)) == len(tweets) == 4
        assert cursor is not None and cursor.since_id == later
        assert replies == 0
        # the restarted process read only what was new (since_id), not the whole history,
        # and did not look the account up again
        assert x.calls("mentions")[-1]["query"]["since_id"] == before.since_id
        assert len(x.calls("me")) + len(x.calls("by_username")) == 1
    assert x.violations == []


STAFF_CHATS = (5001, 5002)


def _entities(message: Any, kind: str) -> list[str]:
    """The text under each entity of a kind (offsets in UTF-16 units, as Telegram counts)."""
    units = message.text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == kind
    ]


@pytest.mark.bot(staff_telegram_ids="5001,5002", public_base_url="https://staff.example")
async def test_lead_alert_reaches_staff_chats_in_welsh_then_english(
    bot, emulator, x: FakeXApi
) -> None:
    """The serve process's own mentions-poll job finds a high-scoring mention and alerts each
    staff chat through the emulator (every request checked against the Bot API spec): one
    message, Welsh first then English, the tweet once and escaped, a link to the lead's page."""
    services = bot.services
    for staff_id in STAFF_CHATS:  # staff have started the bot, as Telegram requires
        emulator.chat(staff_id, first_name="Staff", language_code="cy")
    author = x.add_user("nia_digital", description="Head of digital, Welsh public service")
    x.mention(
        "Happy to share how our <digital service> team at GDS built the service standard in Wales",
        author=author,
        lang="en",
    )
    [job] = [spec for spec in services.jobs if spec.name == "mentions-poll"]
    result = await job.run(services)
    [lead_id] = result.new_leads
    lead = await _lead(services, lead_id)
    assert lead.score >= services.settings.x_lead_announce_score
    words = staff_catalogue(services.settings.questionnaire)
    for staff_id in STAFF_CHATS:
        [alert] = emulator.chat(staff_id).messages
        assert alert.parse_mode == "HTML"
        text = alert.text
        welsh = words.text("cy", "alert.lead.title", id=lead_id)
        english = words.text("en", "alert.lead.title", id=lead_id)
        assert text.startswith(welsh) and english in text
        assert text.index(welsh) < text.index(english)
        assert text.count("<digital service>") == 1  # the tweet once, shown as written
        assert "+2 yn enwi uned: 'GDS'" in text and "+2 names a unit: 'GDS'" in text
        assert text.index("+2 yn enwi uned") < text.index("+2 names a unit")
        assert "Agor ar X · Open on X" in text
        links = {e.get("url") for e in alert.entities if e["type"] == "text_link"}
        assert links == {lead.link, f"https://staff.example/mentions/leads/{lead_id}"}
        assert _entities(alert, "code") == [leads.deep_link(services.bot_username, lead_id)]
        assert _entities(alert, "bold") == [welsh, english]
    assert emulator.violations == []
