"""Invitations, the lead lifecycle and contributions, end to end through the fake X API."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sqlalchemy import select

from bot.interview import Catalogue, staff_catalogue
from bot.mentions import leads
from bot.mentions.client import RetryPolicy
from bot.mentions.monitor import MentionMonitor
from bot.mentions.scoring import reason_text, score_text
from bot.sandbox.tghtml import parse_html
from bot.services import Services
from storage.coding_repo import list_tags
from storage.database import Database
from storage.mentions import Lead, XReply
from storage.models import Interview
from tests.fakes.x_api import FakeXApi
from tests.mentions.conftest import USER_KEYS


async def _poll(services: Services, policy: RetryPolicy) -> list[int]:
    monitor = MentionMonitor(services, policy=policy)
    result = await monitor.poll_once()
    await monitor.close()
    assert result.ok, result
    return result.new_leads


def test_payload_and_deep_link() -> None:
    assert leads.payload(42) == "lead-42"
    assert leads.lead_id_from_source("lead-42") == 42
    assert leads.lead_id_from_source("lead-x") is None and leads.lead_id_from_source(None) is None
    assert leads.deep_link("dgu_bot", 7) == "https://t.me/dgu_bot?start=lead-7"


def test_invitation_is_bilingual_welsh_first_and_fits() -> None:
    lead = Lead(id=123456, tweet_id="1", author_id="2", text="t", link="l")
    text = leads.invitation_text(lead, "a_rather_long_bot_name_bot")
    assert text.index("Diolch") < text.index("Thanks")
    assert leads.x_length(text) <= 280
    assert "https://t.me/a_rather_long_bot_name_bot?start=lead-123456" in text
    assert leads.x_length("https://example.com/" + "a" * 300) == 23
    assert leads.x_length("漢字") == 4


def _alert_lead(text: str, reasons: list[str]) -> Lead:
    return Lead(
        id=77, tweet_id="1", author_id="2", username="dai", text=text,
        link="https://x.com/dai/status/1", score=9, reasons=reasons,
    )  # fmt: skip


def test_lead_alert_is_welsh_then_english_from_the_staff_catalogue() -> None:
    words = staff_catalogue("prompts/dgu_landscape.yaml")
    reasons = score_text("Happy to share how our team at GDS works in the UK").reasons
    shown = parse_html(leads.announcement_html(_alert_lead("Happy to share", reasons), "b", words))
    lines = shown.text.splitlines()
    assert lines[:2] == [
        f"{words.text('cy', 'alert.lead.title', id=77)} (sgôr 9, gan @dai)",
        f"{words.text('en', 'alert.lead.title', id=77)} (score 9, from @dai)",
    ]
    for reason in reasons:  # each reason in Welsh, then in English (the staff pages' words)
        welsh, english = (reason_text(partial(words.text, lang), reason) for lang in ("cy", "en"))
        assert welsh != english
        assert f"• {welsh}" in lines and f"   {english}" in lines
        assert lines.index(f"   {english}") == lines.index(f"• {welsh}") + 1
    assert words.text("cy", "alert.lead.invite_there") in lines  # no staff URL: where to go


def test_lead_alert_escapes_cuts_a_long_post_and_fits_telegram() -> None:
    words = staff_catalogue("prompts/dgu_landscape.yaml")
    text = "<b>&amp; " + "ŵ😀" * 12_000
    sent = leads.announcement_html(_alert_lead(text, ["made up reason <i>"]), "b", words)
    shown = parse_html(sent)  # raises as Telegram would on bad HTML
    assert shown.text.count("<b>&amp; ") == 1 and "<i>" in shown.text
    assert shown.text.count("made up reason") == 1  # a reason we can't word: once, as stored
    assert len(shown.text.encode("utf-16-le")) // 2 <= 4096


def test_lead_alert_says_once_what_has_no_translation() -> None:
    english = staff_catalogue("prompts/dgu_landscape.yaml").texts["en"]
    words = Catalogue({"en": english, "cy": {}})
    shown = parse_html(leads.announcement_html(_alert_lead("hi", []), "b", words)).text
    assert shown.count("New lead 77") == 1 and "Arweinydd" not in shown
    assert shown.count(english["lead.no_rule"]) == 1


async def test_whole_path_lead_invitation_deep_link_completed(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    author = x.add_user("eira")
    tweet = x.mention("Could our digital team help with the review?", author=author)
    services = make_services(**USER_KEYS)
    [lead_id] = await _poll(services, policy)
    lead = await leads.get_lead(db, lead_id)
    assert lead is not None
    text = leads.invitation_text(lead, services.bot_username)
    result = await leads.invite(services, lead_id, text, staff_user="rhian", api=None)
    assert result.ok and not result.dry_run and result.reply_tweet_id
    assert x.created == [{"id": result.reply_tweet_id, "text": text, "in_reply_to_tweet_id": tweet}]
    lead = await leads.get_lead(db, lead_id)
    assert lead is not None and lead.status == "invited"
    assert lead.invitation_tweet_id == result.reply_tweet_id and lead.invited_by == "rhian"
    again = await leads.invite(services, lead_id, text, staff_user="rhian")
    assert not again.ok and len(x.created) == 1

    # The person follows the link: the handlers report start and completion.
    source = leads.payload(lead_id)
    async with db.transaction() as s:
        s.add(
            Interview(
                id="iv1",
                questionnaire_id="q",
                questionnaire_version="1",
                language="cy",
                source=source,
            )
        )
    assert await leads.on_interview_started(db, source, "iv1")
    assert (await leads.get_lead(db, lead_id)).status == "started"  # type: ignore[union-attr]
    assert not await leads.on_interview_started(db, "lead-999999", "iv1")
    assert not await leads.on_interview_started(db, None, "iv1")
    assert await leads.on_interview_completed(db, source, "iv1")
    lead = await leads.get_lead(db, lead_id)
    assert lead is not None and lead.status == "completed" and lead.interview_id == "iv1"
    assert not await leads.on_interview_started(db, source, "iv1")  # never moves backwards


async def test_sync_from_interviews_catches_up(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    author = x.add_user("gwen")
    x.mention("one about digital services?", author=author)
    x.mention("two about digital services?", author=author)
    services = make_services()
    first, second = sorted(await _poll(services, policy))
    async with db.transaction() as s:
        s.add(
            Interview(
                id="a",
                questionnaire_id="q",
                questionnaire_version="1",
                language="en",
                source=leads.payload(first),
                status="completed",
            )
        )
        s.add(
            Interview(
                id="b",
                questionnaire_id="q",
                questionnaire_version="1",
                language="en",
                source=leads.payload(second),
            )
        )
        s.add(
            Interview(
                id="c",
                questionnaire_id="q",
                questionnaire_version="1",
                language="en",
                source="poster",
            )
        )
    assert await leads.sync_from_interviews(db) == 2
    assert (await leads.get_lead(db, first)).status == "completed"  # type: ignore[union-attr]
    assert (await leads.get_lead(db, second)).status == "started"  # type: ignore[union-attr]
    assert await leads.sync_from_interviews(db) == 0


async def test_dry_run_records_without_sending(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    x.mention("hello about service design?", author=x.add_user("huw"))
    services = make_services(x_dry_run=True, **USER_KEYS)
    [lead_id] = await _poll(services, policy)
    result = await leads.invite(services, lead_id, "Diolch / Thanks", staff_user="rhian")
    assert result.ok and result.dry_run and result.reply_tweet_id is None
    assert x.created == []
    [reply] = await leads.replies(db, lead_id)
    assert reply.dry_run and reply.text == "Diolch / Thanks"
    lead = await leads.get_lead(db, lead_id)
    assert lead is not None and lead.status == "new" and lead.invitation_text == "Diolch / Thanks"


async def test_invitation_checks(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy
) -> None:
    x.mention("hello about service design?", author=x.add_user("ifan"))
    services = make_services()  # app-only bearer: cannot reply
    [lead_id] = await _poll(services, policy)
    assert (
        await leads.invite(services, lead_id, "  ", staff_user="s")
    ).error == "the invitation is empty"
    too_long = await leads.invite(services, lead_id, "a" * 281, staff_user="s")
    assert not too_long.ok and "281" in (too_long.error or "")
    no_user_context = await leads.invite(services, lead_id, "Diolch", staff_user="s")
    assert not no_user_context.ok and "user-context" in (no_user_context.error or "")
    assert x.created == []


async def test_auto_reply_respects_the_daily_cap(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    author = x.add_user("jac")
    for i in range(3):
        x.mention(
            f"Happy to share our service design work at GDS in the UK, part {i}", author=author
        )
    x.mention("nice", author=author)  # low score: never auto-invited
    services = make_services(x_auto_reply=True, x_auto_reply_daily_cap=2, **USER_KEYS)
    await _poll(services, policy)
    assert len(x.created) == 2
    async with db.reading() as s:
        invited = (await s.execute(select(Lead).where(Lead.status == "invited"))).scalars().all()
        automatic = (await s.execute(select(XReply).where(XReply.automatic))).scalars().all()
    assert len(invited) == 2 and len(automatic) == 2
    assert {lead.invitation_tweet_id for lead in invited} == {t["id"] for t in x.created}


async def test_contributions_and_dismiss(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    author = x.add_user("lowri")
    x.mention("Our unit publishes its service standard openly", author=author, lang="en")
    x.mention("spam spam", author=author)
    services = make_services()
    await _poll(services, policy)
    by_text = {lead.text: lead.id for lead in await leads.list_leads(db)}
    good = next(i for t, i in by_text.items() if "standard" in t)
    noise = next(i for t, i in by_text.items() if "spam" in t)
    assert good is not None and noise is not None
    assert await leads.mark_contribution(
        db, good, True, tags=["standards", " open "], note="useful"
    )
    assert await leads.dismiss(db, noise)
    [row] = await leads.contributions(db)
    assert row["lead_id"] == good and row["note"] == "useful" and row["source"] == "x"
    # the labels became codebook tags (the staff app's one set of tags)
    assert [t["en"] for t in row["tags"]] == ["open", "standards"]
    assert {t.label_en for t in await list_tags(db)} == {"open", "standards"}
    assert await leads.contributions(db, tag="missing") == []
    assert [c["lead_id"] for c in await leads.contributions(db, tag="Open")] == [good]
    assert [c["lead_id"] for c in await leads.contributions(db, q="STANDARD")] == [good]
    assert [lead.id for lead in await leads.list_leads(db, status="dismissed")] == [noise]
    assert [lead.id for lead in await leads.list_leads(db, lang="en", min_score=1)] == [good]
    assert await leads.mark_contribution(db, good, False)
    assert await leads.contributions(db) == []
    assert await leads.mark_contribution(db, good, True)  # coding kept while unmarked
    assert [t["en"] for t in (await leads.contributions(db))[0]["tags"]] == ["open", "standards"]
