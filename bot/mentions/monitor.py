"""The poll loop: mentions of the watched account become leads, without loss or doubles.

One poll walks `GET /2/users/:id/mentions` newest-first, page by page. Each page is stored
in one transaction together with the cursor row, so whatever is committed is consistent:

* `since_id` moves only when a sweep has reached its lower end; until then the sweep's
  newest id and the oldest id stored so far are kept, and an interrupted sweep (error,
  budget, restart) resumes with `until_id` instead of skipping the older pages;
* each tweet id is unique in the lead table, so duplicates across pages (or a re-read after
  a crash) are harmless;
* the posts read are counted per calendar month (UTC) against X_MONTHLY_READ_BUDGET before a
  page is requested (`max_results` shrinks to what is left), so the budget is never exceeded.

Nothing here may stop the process: `poll_once` reports failures in its result and `run`
logs and carries on.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.interview import staff_catalogue
from bot.mentions import leads as lead_rules
from bot.mentions.client import RetryPolicy, XApi, XError, XRateLimited
from bot.mentions.scoring import exclusion, score_text
from bot.services import Services
from storage import lead_repo
from storage.clock import utcnow
from storage.database import Database
from storage.mentions import Lead, XCursor

log = logging.getLogger(__name__)

Announce = Callable[[int, str], Awaitable[None]]
"""Send an HTML message to one Telegram user id (the lead passes the bot's send_message)."""

_TWEET_ID = re.compile(r"^[0-9]{1,19}$")
API_PAGE_CAP = 8
"""X returns at most the 800 most recent mentions: 8 pages of 100."""


@dataclass
class PollResult:
    """What one poll did; `ok` is False when it stopped early on an error (nothing is lost)."""

    ok: bool = True
    pages: int = 0
    tweets_read: int = 0
    new_leads: list[int] = field(default_factory=list)
    excluded: int = 0
    malformed: int = 0
    duplicates: int = 0
    sweep_complete: bool = False
    budget_exhausted: bool = False
    disabled: bool = False
    error: str | None = None
    retry_after: float | None = None

    def summary(self) -> str:
        """One line for `dgu-bot mentions poll --once` and the logs."""
        if self.disabled:
            return "mentions: X credentials are not set; nothing polled"
        state = "ok" if self.ok else f"stopped: {self.error}"
        extra = " (monthly read budget reached)" if self.budget_exhausted else ""
        return (
            f"mentions: {state}; {self.pages} pages, {self.tweets_read} posts read, "
            f"{len(self.new_leads)} new leads, {self.duplicates} duplicates, "
            f"{self.excluded} excluded, {self.malformed} malformed{extra}"
        )


def month_key(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def _newer(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if int(a) >= int(b) else b


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _text(value: Any, limit: int | None = None) -> str | None:
    if not isinstance(value, str):
        return None
    return value[:limit] if limit else value


async def usage(
    db: Database, budget: int | None = None, *, now: datetime | None = None
) -> dict[str, Any]:
    """The read-budget figures and poll health for the staff app (one row per watched handle)."""
    moment = now or utcnow()
    cursors, accounts = await lead_repo.poll_state(db)
    this_month = month_key(moment)
    rows: list[dict[str, Any]] = []
    for c in cursors:
        used = c.reads_used if c.month_key == this_month else 0
        rows.append(
            {
                "handle": c.handle,
                "user_id": accounts[c.handle].user_id if c.handle in accounts else None,
                "month": this_month,
                "reads_used": used,
                "since_id": c.since_id,
                "sweep_in_progress": c.sweep_newest_id is not None,
                "backfill_done": c.backfill_done,
                "last_poll_at": c.last_poll_at.isoformat() if c.last_poll_at else None,
                "last_ok_at": c.last_ok_at.isoformat() if c.last_ok_at else None,
                "last_error": c.last_error,
            }
        )
    total = sum(int(r["reads_used"]) for r in rows)
    result: dict[str, Any] = {"month": this_month, "reads_used": total, "accounts": rows}
    if budget is not None:
        result["budget"] = budget
        result["remaining"] = max(0, budget - total)
        result["percent"] = round(100 * total / budget, 1) if budget else 100.0
    return result


async def poll_once(services: Services, *, announce: Announce | None = None) -> PollResult:
    """One poll with a fresh monitor, closed afterwards (`dgu-bot mentions poll --once`)."""
    monitor = MentionMonitor(services, announce=announce)
    try:
        return await monitor.poll_once()
    finally:
        await monitor.close()


class MentionMonitor:
    """Polls mentions of `settings.x_account` and turns them into scored leads."""

    def __init__(
        self,
        services: Services,
        *,
        api: XApi | None = None,
        policy: RetryPolicy | None = None,
        announce: Announce | None = None,
        max_pages: int = API_PAGE_CAP,
        page_size: int = 100,
    ) -> None:
        self.services = services
        self.settings = services.settings
        self.db = services.db
        self._api = api
        self._policy = policy
        self.announce = announce
        self.max_pages = max_pages
        self.page_size = page_size
        self._lock = asyncio.Lock()

    @property
    def api(self) -> XApi:
        if self._api is None:
            self._api = XApi(self.settings, policy=self._policy)
            if self.services.x_api is None:
                self.services.x_api = self._api
        return self._api

    async def close(self) -> None:
        if self._api is not None:
            # Invitations reuse the monitor's client (Services.x_api): never leave a closed one.
            if self.services.x_api is self._api:
                self.services.x_api = None
            await self._api.close()

    # ---------------------------------------------------------------- loop

    async def run(self) -> None:
        """Poll every X_POLL_SECONDS until cancelled; never raises anything but cancellation."""
        log.info("mention monitor started for @%s", self.settings.x_account)
        try:
            while True:
                delay = self.settings.x_poll_seconds
                try:
                    result = await self.poll_once()
                    if result.retry_after:
                        delay = max(delay, result.retry_after)
                except asyncio.CancelledError:
                    raise
                except Exception:  # poll_once reports its own errors; this is the last net
                    log.exception("mention poll failed unexpectedly")
                await asyncio.sleep(delay)
        finally:
            await self.close()

    async def poll_once(self) -> PollResult:
        """One poll (all pages of new mentions, within the budget); never raises."""
        if not self.settings.x_enabled:
            return PollResult(ok=False, disabled=True, error="X credentials are not set")
        async with self._lock:
            result = PollResult()
            try:
                await self._poll(result)
            except XRateLimited as exc:
                result.ok = False
                result.error = str(exc)
                if exc.reset_at is not None:
                    wait = exc.reset_at - self.services.clock().timestamp()
                    result.retry_after = max(0.0, wait)
            except XError as exc:
                result.ok, result.error = False, str(exc)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("mention poll failed")
                result.ok, result.error = False, f"{type(exc).__name__}: {exc}"[:300]
            if result.error:
                log.warning("mention poll stopped: %s", result.error)
                await self._record_error(result.error)
        await self._after_poll(result)
        return result

    # ---------------------------------------------------------------- steps

    async def account_id(self) -> str:
        """The watched account's id: from the database, or looked up once and stored."""
        handle = self.settings.x_account.lower()
        known = await lead_repo.account_user_id(self.db, handle)
        if known is not None:
            return known
        user_id = await self.api.account_id(handle)
        await lead_repo.remember_account(self.db, handle, user_id, self._now())
        log.info("X account @%s has id %s", handle, user_id)
        return user_id

    def _now(self) -> datetime:
        return self.services.clock()

    async def _poll(self, result: PollResult) -> None:
        handle = self.settings.x_account.lower()
        user_id = await self.account_id()
        now = self._now()
        cursor = await lead_repo.cursor(self.db, handle)
        backfill = not cursor.backfill_done
        page_limit = max(1, self.settings.x_backfill_pages) if backfill else self.max_pages
        query: dict[str, Any] = {}
        if cursor.since_id:
            query["since_id"] = cursor.since_id
        elif backfill:
            query["start_time"] = now - timedelta(days=self.settings.x_backfill_days)
        else:  # nothing found so far: look from shortly before the last good poll
            start = (cursor.last_ok_at or now) - timedelta(minutes=5)
            query["start_time"] = start
        if cursor.sweep_until_id:
            query["until_id"] = cursor.sweep_until_id
        token: str | None = None
        for page_no in range(page_limit):
            used = cursor.reads_used if cursor.month_key == month_key(now) else 0
            remaining = self.settings.x_monthly_read_budget - used
            if remaining < 5:  # the API's smallest page
                result.budget_exhausted = True
                log.warning("X monthly read budget reached (%s used)", used)
                break
            body = await self.api.mentions(
                user_id,
                max_results=min(self.page_size, remaining),
                pagination_token=token,
                **query,
            )
            page = _Page.parse(body)
            if page is None:
                result.ok = False
                result.error = "malformed mentions page skipped (cursor kept)"
                break
            last_page = page.next_token is None or page_no + 1 == page_limit
            cursor = await self._store_page(handle, user_id, page, result, now, backfill, last_page)
            result.pages += 1
            if page.next_token is None:
                break
            token = page.next_token
        if result.tweets_read >= 800:
            log.warning(
                "%s mentions in one poll: X may have dropped older ones", result.tweets_read
            )

    async def _store_page(
        self,
        handle: str,
        user_id: str,
        page: _Page,
        result: PollResult,
        now: datetime,
        backfill: bool,
        last_page: bool,
    ) -> XCursor:
        """Store one page's leads and move the cursor, in one transaction."""
        result.tweets_read += page.count
        result.malformed += page.malformed
        tweets = [
            (
                tweet["id"],
                None
                if exclusion(tweet, user_id)
                else self._lead(tweet, page.users.get(str(tweet.get("author_id", ""))), now),
            )
            for tweet in page.tweets
        ]

        def move(cursor: XCursor) -> None:
            if cursor.month_key != month_key(now):
                cursor.month_key, cursor.reads_used = month_key(now), 0
            cursor.reads_used += page.count
            ids_seen = page.ids
            if ids_seen:
                cursor.sweep_newest_id = _newer(cursor.sweep_newest_id, max(ids_seen, key=int))
                cursor.sweep_until_id = min(ids_seen, key=int)
            finished = page.next_token is None or (last_page and backfill)
            if page.next_token is not None and last_page and backfill:
                log.info("first-run backfill stopped at its page bound; older mentions skipped")
            if finished:
                cursor.since_id = _newer(cursor.since_id, cursor.sweep_newest_id)
                cursor.sweep_newest_id = cursor.sweep_until_id = None
                cursor.backfill_done = True
                cursor.last_ok_at = now
                result.sweep_complete = True
            cursor.last_poll_at = now
            cursor.last_error = None

        saved = await lead_repo.save_page(self.db, handle, tweets, move)
        result.duplicates += saved.duplicates
        result.excluded += saved.excluded
        result.new_leads.extend(saved.new_lead_ids)
        return saved.cursor

    def _lead(self, tweet: dict[str, Any], user: dict[str, Any] | None, now: datetime) -> Lead:
        user = user or {}
        username = _text(user.get("username"), 64)
        description = _text(user.get("description"))
        score = score_text(str(tweet.get("text", "")), author_description=description)
        who = username or "i"
        return Lead(
            tweet_id=tweet["id"],
            author_id=str(tweet.get("author_id") or ""),
            username=username,
            name=_text(user.get("name"), 200),
            author_description=description,
            author_location=_text(user.get("location"), 200),
            text=str(tweet.get("text", "")),
            link=f"https://x.com/{who}/status/{tweet['id']}",
            lang=_text(tweet.get("lang"), 16),
            tweet_created_at=_parse_time(tweet.get("created_at")),
            conversation_id=_text(tweet.get("conversation_id"), 32),
            score=score.value,
            reasons=score.reasons,
            fetched_at=now,
            updated_at=now,
        )

    async def _record_error(self, error: str) -> None:
        handle = self.settings.x_account.lower()
        try:
            await lead_repo.record_poll_error(self.db, handle, error, self._now())
        except Exception:
            log.exception("could not record the mention poll error")

    async def _after_poll(self, result: PollResult) -> None:
        """Announce new high-scoring leads and, when switched on, invite them automatically."""
        if not result.new_leads:
            return
        threshold = self.settings.x_lead_announce_score
        hot = await lead_repo.leads_scoring_at_least(self.db, result.new_leads, threshold)
        for lead in hot:
            if self.announce is not None and self.settings.staff_telegram_ids:
                text = lead_rules.announcement_html(
                    lead,
                    self.services.bot_username,
                    staff_catalogue(self.settings.questionnaire),
                    staff_url=self.settings.public_base_url,
                )
                for staff_id in self.settings.staff_telegram_ids:
                    try:
                        await self.announce(staff_id, text)
                    except Exception:
                        log.exception("could not announce lead %s to a staff member", lead.id)
            if self.settings.x_auto_reply and lead.id is not None:
                text = lead_rules.invitation_text(lead, self.services.bot_username)
                outcome = await lead_rules.invite(
                    self.services, lead.id, text, staff_user="auto", automatic=True, api=self.api
                )
                if not outcome.ok:
                    log.info(
                        "automatic invitation for lead %s not sent: %s", lead.id, outcome.error
                    )


@dataclass
class _Page:
    """One mentions page, checked: only well-formed tweets survive, the rest are counted."""

    tweets: list[dict[str, Any]]
    users: dict[str, dict[str, Any]]
    ids: list[str]
    count: int
    malformed: int
    next_token: str | None

    @classmethod
    def parse(cls, body: dict[str, Any]) -> _Page | None:
        data = body.get("data") or []
        meta = body.get("meta") or {}
        includes = body.get("includes") or {}
        if (
            not isinstance(data, list)
            or not isinstance(meta, dict)
            or not isinstance(includes, dict)
        ):
            log.warning("mentions page has an unexpected shape; skipped")
            return None
        tweets, ids, malformed = [], [], 0
        for item in data:
            tid = str(item.get("id", "")) if isinstance(item, dict) else ""
            if not _TWEET_ID.match(tid) or not isinstance(item.get("text"), str):
                malformed += 1
                log.warning("malformed tweet in mentions page skipped")
                continue
            ids.append(tid)
            tweets.append({**item, "id": tid})
        users: dict[str, dict[str, Any]] = {}
        for user in includes.get("users") or []:
            if isinstance(user, dict) and user.get("id") is not None:
                users[str(user["id"])] = user
        token = meta.get("next_token")
        next_token = token if isinstance(token, str) and token else None
        return cls(tweets, users, ids, len(data), malformed, next_token)
