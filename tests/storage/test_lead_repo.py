"""storage/lead_repo.py on SQLite and PostgreSQL: pages, cursor, lifecycle, replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import lead_repo
from storage.database import Database
from storage.mentions import Lead, XCursor, XReply
from storage.models import Interview, Respondent

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def lead(tweet_id: str, score: int = 0) -> Lead:
    return Lead(
        tweet_id=tweet_id,
        author_id="42",
        text=f"tweet {tweet_id}",
        link=f"https://x.com/i/status/{tweet_id}",
        score=score,
        fetched_at=T0,
        updated_at=T0,
    )


def stamp(cursor: XCursor) -> None:
    cursor.reads_used += 3
    cursor.last_poll_at = T0


async def test_account_is_remembered_once(db: Database) -> None:
    assert await lead_repo.account_user_id(db, "cdps_cymru") is None
    await lead_repo.remember_account(db, "cdps_cymru", "111", T0)
    await lead_repo.remember_account(db, "cdps_cymru", "222", T0)
    assert await lead_repo.account_user_id(db, "cdps_cymru") == "111"
    cursors, accounts = await lead_repo.poll_state(db)
    assert cursors == [] and accounts["cdps_cymru"].user_id == "111"


async def test_a_page_counts_duplicates_and_exclusions_and_moves_the_cursor(
    db: Database,
) -> None:
    fresh = await lead_repo.cursor(db, "cdps_cymru")
    assert fresh.since_id is None and fresh.reads_used == 0  # not stored yet

    first = await lead_repo.save_page(
        db, "cdps_cymru", [("10", lead("10")), ("11", None), ("10", lead("10"))], stamp
    )
    assert (len(first.new_lead_ids), first.excluded, first.duplicates) == (1, 1, 1)
    assert first.cursor.reads_used == 3

    again = await lead_repo.save_page(
        db, "cdps_cymru", [("10", lead("10")), ("12", lead("12", score=5))], stamp
    )
    assert again.duplicates == 1 and len(again.new_lead_ids) == 1
    stored = await lead_repo.cursor(db, "cdps_cymru")
    assert stored.reads_used == 6 and stored.last_poll_at is not None
    assert [x.tweet_id for x in await lead_repo.list_leads(db)] in (["10", "12"], ["12", "10"])
    hot = await lead_repo.leads_scoring_at_least(db, first.new_lead_ids + again.new_lead_ids, 5)
    assert [x.tweet_id for x in hot] == ["12"]


async def test_a_failed_page_stores_nothing(db: Database) -> None:
    def broken(cursor: XCursor) -> None:
        cursor.reads_used += 3
        raise RuntimeError("cursor rule failed")

    with pytest.raises(RuntimeError):
        await lead_repo.save_page(db, "cdps_cymru", [("10", lead("10"))], broken)
    assert await lead_repo.list_leads(db) == []
    assert (await lead_repo.cursor(db, "cdps_cymru")).reads_used == 0


async def test_poll_error_is_recorded_on_the_cursor(db: Database) -> None:
    await lead_repo.record_poll_error(db, "cdps_cymru", "x" * 600, T0)
    cursor = await lead_repo.cursor(db, "cdps_cymru")
    assert cursor.last_error == "x" * 500 and cursor.last_poll_at is not None


async def test_interviews_move_a_lead_forward_only(db: Database) -> None:
    saved = await lead_repo.save_page(db, "cdps_cymru", [("10", lead("10"))], stamp)
    (lead_id,) = saved.new_lead_ids
    later = T0 + timedelta(hours=1)
    assert await lead_repo.follow_interview(db, lead_id, "iv1", "completed", later)
    assert not await lead_repo.follow_interview(db, lead_id, "iv1", "started", later)
    row = await lead_repo.get_lead(db, lead_id)
    assert row is not None and (row.status, row.interview_id) == ("completed", "iv1")
    assert not await lead_repo.follow_interview(db, lead_id + 99, "iv1", "started", later)

    assert await lead_repo.set_status(db, lead_id, "dismissed", later)
    assert await lead_repo.follow_interview(db, lead_id, "iv1", "started", later)
    with pytest.raises(ValueError):
        await lead_repo.set_status(db, lead_id, "archived", later)
    assert not await lead_repo.set_status(db, lead_id + 99, "new", later)


async def test_lead_interviews_lists_only_deep_linked_interviews(db: Database) -> None:
    async with db.transaction() as session:
        person = Respondent(telegram_user_id=7)
        session.add(person)
        await session.flush()
        assert person.id is not None
        common = {"questionnaire_id": "q", "questionnaire_version": "1", "language": "cy"}
        session.add(Interview(id="a", respondent_id=person.id, source="lead-3", **common))
        session.add(Interview(id="b", respondent_id=person.id, status="abandoned", **common))
    assert await lead_repo.lead_interviews(db) == [("a", "lead-3", "in_progress")]


async def test_replies_update_the_lead_and_count_per_day(db: Database) -> None:
    saved = await lead_repo.save_page(db, "cdps_cymru", [("10", lead("10"))], stamp)
    (lead_id,) = saved.new_lead_ids

    def reply(**values: object) -> XReply:
        fields: dict[str, object] = {
            "lead_id": lead_id,
            "in_reply_to_tweet_id": "10",
            "text": "Diolch / Thanks",
            "staff_user": "auto",
            "automatic": True,
            "sent_at": T0,
        }
        return XReply(**{**fields, **values})

    await lead_repo.record_reply(db, reply(dry_run=True), accepted=True)
    row = await lead_repo.get_lead(db, lead_id)
    assert row is not None and row.status == "new" and row.invitation_text == "Diolch / Thanks"

    await lead_repo.record_reply(db, reply(error="403"), accepted=False)
    await lead_repo.record_reply(db, reply(reply_tweet_id="99"), accepted=True)
    row = await lead_repo.get_lead(db, lead_id)
    assert row is not None and (row.status, row.invitation_tweet_id) == ("invited", "99")
    assert [r.error for r in await lead_repo.replies(db, lead_id)] == [None, "403", None]
    assert await lead_repo.automatic_replies_on(db, T0.replace(hour=23)) == 2
    assert await lead_repo.automatic_replies_on(db, T0 + timedelta(days=1)) == 0
