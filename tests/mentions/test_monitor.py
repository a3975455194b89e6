"""The monitor against the fake X API: pages, cursor, faults, restarts, budget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from bot.mentions.client import RetryPolicy
from bot.mentions.monitor import MentionMonitor, usage
from bot.services import Services
from storage.database import Database
from storage.mentions import Lead, XAccount, XCursor
from tests.fakes.x_api import FakeXApi
from tests.mentions.conftest import USER_KEYS


async def _leads(db: Database) -> list[Lead]:
    async with db.reading() as s:
        return list((await s.execute(select(Lead).order_by(Lead.tweet_id))).scalars())


async def _cursor(db: Database) -> XCursor:
    async with db.reading() as s:
        row = await s.get(XCursor, "cdps_cymru")
        assert row is not None
        return row


def _seed(x: FakeXApi, n: int) -> list[str]:
    author = x.add_user("alice", description="Service designer", location="Cardiff")
    return [
        x.mention(f"mention number {i} about service design in Wales?", author=author)
        for i in range(n)
    ]


async def test_first_poll_pages_through_and_stores_each_tweet_once(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    ids = _seed(x, 12)
    monitor = MentionMonitor(make_services(), policy=policy, page_size=5)
    result = await monitor.poll_once()
    await monitor.close()
    assert result.ok and result.sweep_complete, result
    assert result.pages == 3 and result.tweets_read == 12
    assert sorted(lead.tweet_id for lead in await _leads(db)) == sorted(ids)
    mention_calls = x.calls("mentions")
    assert "start_time" in mention_calls[0]["query"] and "since_id" not in mention_calls[0]["query"]
    assert [("pagination_token" in c["query"]) for c in mention_calls] == [False, True, True]
    assert mention_calls[0]["auth"] == "Bearer"
    assert mention_calls[0]["query"]["expansions"] == "author_id"
    cursor = await _cursor(db)
    assert cursor.since_id == max(ids, key=int) and cursor.backfill_done
    lead = (await _leads(db))[0]
    assert lead.username == "alice" and lead.lang == "en" and lead.author_location == "Cardiff"
    assert lead.link == f"https://x.com/alice/status/{lead.tweet_id}"
    assert lead.tweet_created_at is not None and lead.conversation_id == lead.tweet_id


async def test_second_poll_uses_since_id_and_restart_loses_nothing(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    first = _seed(x, 3)
    monitor = MentionMonitor(make_services(), policy=policy)
    await monitor.poll_once()
    await monitor.close()
    author = next(iter(u for u, v in x.users.items() if v["username"] == "alice"))
    later = [x.mention(f"later one {i}", author=author) for i in range(4)]
    restarted = MentionMonitor(make_services(), policy=policy, page_size=5)  # a new process
    result = await restarted.poll_once()
    await restarted.close()
    assert result.ok and result.tweets_read == 4
    assert x.calls("mentions")[-1]["query"]["since_id"] == max(first, key=int)
    assert len(x.calls("by_username")) == 1  # the account id was looked up once
    assert sorted(lead.tweet_id for lead in await _leads(db)) == sorted(first + later)


async def test_interrupted_sweep_resumes_with_until_id(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    author = x.add_user("bob")
    first = x.mention("first one", author=author)
    monitor = MentionMonitor(make_services(), policy=policy, page_size=5)
    await monitor.poll_once()
    burst = [x.mention(f"burst {i}", author=author) for i in range(12)]
    x.fail("mentions", "503", "503", "503", "503")  # page 1 fine, then page 2 keeps failing
    x.faults["mentions"].insert(0, "ok")  # the first request of the poll passes
    result = await monitor.poll_once()
    assert not result.ok and result.pages == 1
    cursor = await _cursor(db)
    assert cursor.since_id == first and cursor.sweep_until_id is not None
    again = MentionMonitor(make_services(), policy=policy, page_size=5)
    result = await again.poll_once()
    await monitor.close()
    await again.close()
    assert result.ok and result.sweep_complete
    assert "until_id" in x.calls("mentions")[-2]["query"]
    assert sorted(lead.tweet_id for lead in await _leads(db)) == sorted([first, *burst])
    assert (await _cursor(db)).since_id == max(burst, key=int)


async def test_429_waits_for_the_reset_then_succeeds(
    x: FakeXApi, make_services: Callable[..., Services], sleeps: Any, db: Database
) -> None:
    _seed(x, 2)
    x.fail("mentions", "429")
    policy = RetryPolicy(attempts=3, backoff_base=0.01, sleep=sleeps, rate_limit_max_wait=5)
    monitor = MentionMonitor(make_services(**USER_KEYS), policy=policy)
    result = await monitor.poll_once()
    await monitor.close()
    assert result.ok and result.tweets_read == 2
    assert sleeps.waits and 0 <= sleeps.waits[0] <= 3  # reset = now + 1 s, plus one
    assert x.calls("mentions")[0]["auth"] == "OAuth"
    assert x.calls("me")  # user context looks itself up with /2/users/me


async def test_429_beyond_the_bound_gives_up_until_next_poll(
    x: FakeXApi, make_services: Callable[..., Services], sleeps: Any, db: Database
) -> None:
    _seed(x, 2)
    x.reset_in = 3600
    x.fail("mentions", "429")
    policy = RetryPolicy(attempts=3, sleep=sleeps, rate_limit_max_wait=5)
    monitor = MentionMonitor(make_services(), policy=policy)
    result = await monitor.poll_once()
    assert not result.ok and result.retry_after and result.retry_after > 3000
    assert sleeps.waits == []
    assert (await _cursor(db)).last_error
    result = await monitor.poll_once()
    await monitor.close()
    assert result.ok and result.tweets_read == 2


async def test_503_and_html_errors_back_off_then_succeed(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, sleeps: Any
) -> None:
    _seed(x, 2)
    x.fail("mentions", "503", "503-html")
    monitor = MentionMonitor(make_services(), policy=policy)
    result = await monitor.poll_once()
    await monitor.close()
    assert result.ok and result.tweets_read == 2
    assert len(sleeps.waits) == 2 and all(0 < w <= 0.05 for w in sleeps.waits)


async def test_malformed_body_is_skipped_and_the_cursor_kept(
    x: FakeXApi, make_services: Callable[..., Services], db: Database, sleeps: Any
) -> None:
    ids = _seed(x, 3)
    x.fail("mentions", "malformed", "malformed")
    monitor = MentionMonitor(
        make_services(), policy=RetryPolicy(attempts=2, backoff_base=0.01, sleep=sleeps)
    )
    result = await monitor.poll_once()
    assert not result.ok and "unreadable" in (result.error or "")
    assert await _leads(db) == []
    result = await monitor.poll_once()
    await monitor.close()
    assert result.ok and sorted(lead.tweet_id for lead in await _leads(db)) == sorted(ids)


async def test_duplicates_across_pages_are_stored_once(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    ids = _seed(x, 9)
    x.duplicate_across_pages = True
    monitor = MentionMonitor(make_services(), policy=policy, page_size=5)
    result = await monitor.poll_once()
    await monitor.close()
    assert result.ok and result.duplicates >= 1
    stored = [lead.tweet_id for lead in await _leads(db)]
    assert sorted(stored) == sorted(ids)


async def test_own_tweets_and_retweets_are_not_leads(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    other = x.add_user("carol")
    x.mention("we posted this ourselves", author=x.account_id)
    x.mention(
        "RT @someone: look @cdps_cymru",
        author=other,
        referenced_tweets=[{"type": "retweeted", "id": "1"}],
    )
    keep = x.mention("a real question about digital services?", author=other)
    monitor = MentionMonitor(make_services(), policy=policy)
    result = await monitor.poll_once()
    await monitor.close()
    assert result.excluded == 2
    assert [lead.tweet_id for lead in await _leads(db)] == [keep]


async def test_read_budget_is_never_exceeded(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy, db: Database
) -> None:
    _seed(x, 30)
    services = make_services(x_monthly_read_budget=12, x_backfill_pages=10)
    monitor = MentionMonitor(services, policy=policy, page_size=5)
    result = await monitor.poll_once()
    assert result.budget_exhausted
    assert result.tweets_read <= 12
    assert all(int(c["query"]["max_results"]) >= 5 for c in x.calls("mentions"))
    calls = len(x.calls("mentions"))
    result = await monitor.poll_once()
    await monitor.close()
    assert result.budget_exhausted and len(x.calls("mentions")) == calls
    figures = await usage(db, budget=12)
    assert figures["reads_used"] <= 12 and figures["remaining"] == 12 - figures["reads_used"]
    async with db.reading() as s:
        assert (await s.execute(select(func.count()).select_from(XAccount))).scalar_one() == 1


async def test_disabled_without_credentials(make_services: Callable[..., Services]) -> None:
    result = await MentionMonitor(make_services(x_bearer_token=None)).poll_once()
    assert result.disabled and not result.ok


async def test_announces_high_scoring_leads_escaped(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy
) -> None:
    author = x.add_user("dai")
    x.mention(
        "Happy to share how our <b>service design</b> team at GDS works in the UK", author=author
    )
    x.mention("nice", author=author)
    sent: list[tuple[int, str]] = []

    async def announce(chat_id: int, text: str) -> None:
        sent.append((chat_id, text))

    services = make_services(staff_telegram_ids="11,22")
    monitor = MentionMonitor(services, policy=policy, announce=announce)
    await monitor.poll_once()
    await monitor.close()
    assert [chat for chat, _ in sent] == [11, 22]
    assert sent[0][1].count("&lt;b&gt;service design&lt;/b&gt;") == 1
    assert sent[0][1].index("Arweinydd newydd") < sent[0][1].index("New lead")  # Welsh first
    assert "start=lead-" in sent[0][1]
