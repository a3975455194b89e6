"""Lead lifecycle: new → invited → started → completed (or dismissed), invitations, contributions.

The deep link `https://t.me/<bot>?start=lead-<id>` carries the lead id into the interview's
`source`; the Telegram handlers call `on_interview_started` / `on_interview_completed`, and
`sync_from_interviews` repairs anything those calls missed (a crash between two commits).

Invitations are replies to the lead's own mention of us: X only allows programmatic replies
to people who summoned the account, and a lead exists only for such a mention. They are sent
on a staff action, or automatically (X_AUTO_REPLY) within X_AUTO_REPLY_DAILY_CAP per UTC day.
In X_DRY_RUN the reply is recorded (x_reply.dry_run) but not sent, and the lead keeps its
status so a real invitation can follow.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.exports import contribution_json
from bot.interview import Catalogue
from bot.mentions.client import XApi, XError
from bot.mentions.scoring import reason_text
from storage import contribution_repo, lead_repo
from storage.clock import utcnow
from storage.coding_repo import list_tags
from storage.contribution_repo import ContributionFilters
from storage.database import Database
from storage.lead_repo import get_lead as get_lead
from storage.lead_repo import list_leads as list_leads
from storage.lead_repo import replies as replies
from storage.mentions import Lead, XReply

if TYPE_CHECKING:
    from bot.services import Services, XReplier

log = logging.getLogger(__name__)

PAYLOAD = re.compile(r"^lead-([0-9]{1,18})$")
TWEET_LIMIT = 280
URL_WEIGHT = 23
_URL = re.compile(r"https?://\S+")
_invite_lock = asyncio.Lock()


def payload(lead_id: int) -> str:
    """The /start payload for a lead (matches Telegram's ^[A-Za-z0-9_-]{1,64}$)."""
    return f"lead-{lead_id}"


def lead_id_from_source(source: str | None) -> int | None:
    match = PAYLOAD.match(source or "")
    return int(match.group(1)) if match else None


def deep_link(bot_username: str | None, lead_id: int) -> str:
    return f"https://t.me/{bot_username or 'bot'}?start={payload(lead_id)}"


def x_length(text: str) -> int:
    """Length as X counts it: NFC, URLs count 23, most scripts 1, CJK and emoji 2."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    rest = _URL.sub("", text)
    total += URL_WEIGHT * len(_URL.findall(text))
    for ch in rest:
        cp = ord(ch)
        light = (
            cp <= 0x10FF
            or 0x2000 <= cp <= 0x200D
            or 0x2010 <= cp <= 0x201F
            or 0x2032 <= cp <= 0x2037
        )
        total += 1 if light else 2
    return total


INVITATION = (
    "Diolch am gysylltu! Hoffech chi rannu eich profiad o uned llywodraeth ddigidol mewn "
    "sgwrs fer ar Telegram? / Thanks for getting in touch! Would you share your experience "
    "of a digital government unit in a short Telegram chat? {link}"
)
"""Welsh first, then English, one link: fits in a reply (see `x_length`)."""


def invitation_text(lead: Lead, bot_username: str | None) -> str:
    """The default, editable invitation for a lead."""
    return INVITATION.format(link=deep_link(bot_username, lead.id or 0))


#: the lead alert's languages, in order: a staff chat has no one person's language, so the
#: alert is bilingual, Welsh first, as a Welsh public body's messages are
ALERT_LANGUAGES: tuple[str, ...] = ("cy", "en")
#: the tweet's share of the alert (X's own limit is far below; a long post is cut, not refused)
ALERT_TWEET_CHARS = 1200


def _reason_html(reason: str, t: Callable[..., str]) -> str:
    return html.escape(reason_text(t, reason))


def announcement_html(
    lead: Lead,
    bot_username: str | None,
    words: Catalogue,
    *,
    languages: tuple[str, ...] = ALERT_LANGUAGES,
    staff_url: str | None = None,
) -> str:
    """Telegram HTML for staff about a new lead: who, what, score and why, in each of
    `languages` in turn (the tweet itself once, as written); every value escaped.
    `staff_url`: the public root of the staff app, for a link to the lead's page."""
    esc = html.escape
    who = f"@{lead.username}" if lead.username else (lead.name or lead.author_id)
    link = deep_link(bot_username, lead.id or 0)
    text = lead.text if len(lead.text) <= ALERT_TWEET_CHARS else lead.text[:ALERT_TWEET_CHARS] + "…"
    page = f"{staff_url.rstrip('/')}/mentions/leads/{lead.id}" if staff_url else None

    def each(render: Callable[[Callable[..., str]], str]) -> list[str]:
        """One line per language, a language whose words are the same said once."""
        out: list[str] = []
        for lang in languages:
            line = render(partial(words.text, lang))
            if line not in out:
                out.append(line)
        return out

    def title(t: Callable[..., str]) -> str:
        detail = t("alert.lead.detail", score=lead.score, who=who)
        return f"<b>{esc(t('alert.lead.title', id=lead.id))}</b> ({esc(detail)})"

    parts = ["\n".join(each(title)), esc(text)]
    reasons = lead.reasons or []
    why = [" · ".join(each(lambda t: esc(t("alert.lead.reasons")))) + ":"]
    for reason in reasons:
        why.append("• " + "\n   ".join(each(partial(_reason_html, reason))))
    if not reasons:
        why.append("• " + " · ".join(each(lambda t: esc(t("lead.no_rule")))))
    parts.append("\n".join(why))
    tweet = " · ".join(each(lambda t: esc(t("mentions.open_on_x"))))
    deep = " · ".join(each(lambda t: esc(t("lead.deep_link").rstrip(":"))))
    ends = [f'<a href="{esc(lead.link)}">{tweet}</a>', f"{deep}: <code>{esc(link)}</code>"]
    if page:
        label = " · ".join(each(lambda t: esc(t("alert.lead.page"))))
        ends.append(f'<a href="{esc(page)}">{label}</a>')
    else:
        ends.extend(each(lambda t: esc(t("alert.lead.invite_there"))))
    parts.append("\n".join(ends))
    return "\n\n".join(parts)


# ------------------------------------------------------------------ lifecycle


async def _advance(db: Database, source: str | None, interview_id: str, status: str) -> bool:
    lead_id = lead_id_from_source(source)
    if lead_id is None:
        return False
    return await lead_repo.follow_interview(db, lead_id, interview_id, status, utcnow())


async def on_interview_started(db: Database, source: str | None, interview_id: str) -> bool:
    """Called when an interview starts; moves lead-<id> to `started`. True if it changed."""
    return await _advance(db, source, interview_id, "started")


async def on_interview_completed(db: Database, source: str | None, interview_id: str) -> bool:
    """Called when an interview completes; moves lead-<id> to `completed`."""
    return await _advance(db, source, interview_id, "completed")


async def sync_from_interviews(db: Database) -> int:
    """Catch-up: align lead statuses with interviews whose source is lead-<id>. Returns changes."""
    changed = 0
    for interview_id, source, status in await lead_repo.lead_interviews(db):
        if status == "completed":
            changed += await on_interview_completed(db, source, interview_id)
        elif status in ("in_progress", "abandoned"):
            changed += await on_interview_started(db, source, interview_id)
    return changed


async def set_status(db: Database, lead_id: int, status: str) -> bool:
    """Staff triage (dismiss, or back to new)."""
    return await lead_repo.set_status(db, lead_id, status, utcnow())


async def dismiss(db: Database, lead_id: int) -> bool:
    return await set_status(db, lead_id, "dismissed")


# ------------------------------------------------------------------ contributions


async def mark_contribution(
    db: Database,
    lead_id: int,
    flag: bool,
    tags: list[str] | None = None,
    note: str | None = None,
    *,
    tag_ids: list[int] | None = None,
    by: str = "staff",
) -> bool:
    """Mark (or unmark) a mention as a contribution in itself; optionally set note and tags.

    Tags are the staff app's codebook tags, by id or by English label (a new label is added
    to the codebook), so a tweet is coded like an interview (docs/adr/0003-contributions.md).
    """
    return await contribution_repo.mark(
        db, lead_id, flag, by=by, now=utcnow(), note=note, tag_ids=tag_ids, labels=tags
    )


async def contributions(
    db: Database, q: str | None = None, tag: str | None = None
) -> list[dict[str, Any]]:
    """Contributions as their export dicts (`bot.exports.contribution_json`); `tag` is a
    codebook label (English, case-insensitive)."""
    tag_id: int | None = None
    if tag:
        by_label = {t.label_en.lower(): t.id for t in await list_tags(db)}
        if tag.lower() not in by_label:
            return []
        tag_id = by_label[tag.lower()]
    filters = ContributionFilters(q=q or "", tag=tag_id)
    return [
        contribution_json(item)
        async for batch in contribution_repo.stream(db, filters)
        for item in batch
    ]


# ------------------------------------------------------------------ invitations


#: why an invitation was refused, by code (staff pages word each as `lead.invite_error.<code>`)
INVITE_ERRORS = {
    "empty": "the invitation is empty",
    "too_long": "the invitation is {length} characters (max 280)",
    "no_lead": "no such lead",
    "already": "this lead was already invited",
    "dismissed": "lead dismissed",
    "auto_off": "automatic replies are off",
    "cap": "daily cap of automatic replies reached",
}


@dataclass
class InviteResult:
    ok: bool
    dry_run: bool = False
    reply_tweet_id: str | None = None
    error: str | None = None
    code: str = ""  # a key of INVITE_ERRORS; "" for X's own error (in `error`)


def _refused(code: str, **params: object) -> InviteResult:
    return InviteResult(False, error=INVITE_ERRORS[code].format(**params), code=code)


async def invite(
    services: Services,
    lead_id: int,
    text: str,
    *,
    staff_user: str,
    automatic: bool = False,
    api: XApi | None = None,
) -> InviteResult:
    """Reply to the lead's mention with `text` (at most once per lead); never raises XError."""
    settings, db = services.settings, services.db
    text = text.strip()
    if not text:
        return _refused("empty")
    if x_length(text) > TWEET_LIMIT:
        return _refused("too_long", length=x_length(text))
    async with _invite_lock:
        lead = await get_lead(db, lead_id)
        if lead is None:
            return _refused("no_lead")
        if lead.invitation_tweet_id:
            return _refused("already")
        if lead.status == "dismissed" and automatic:
            return _refused("dismissed")
        now = services.clock()
        if automatic:
            if not settings.x_auto_reply:
                return _refused("auto_off")
            if await lead_repo.automatic_replies_on(db, now) >= settings.x_auto_reply_daily_cap:
                return _refused("cap")
        record = XReply(
            lead_id=lead_id,
            in_reply_to_tweet_id=lead.tweet_id,
            text=text,
            dry_run=settings.x_dry_run,
            automatic=automatic,
            staff_user=staff_user[:64],
            sent_at=now,
        )
        result = InviteResult(True, dry_run=settings.x_dry_run)
        if not settings.x_dry_run:
            own: XApi | None = None
            client: XReplier | None = api or services.x_api
            if client is None:
                client = own = XApi(settings)
            try:
                result.reply_tweet_id = await client.reply(text, lead.tweet_id)
            except XError as exc:
                record.error = str(exc)[:500]
                result = InviteResult(False, error=str(exc))
            finally:
                if own is not None:
                    await own.close()
        record.reply_tweet_id = result.reply_tweet_id
        await lead_repo.record_reply(db, record, accepted=result.ok)
        if result.ok:
            log.info("lead %s invited%s", lead_id, " (dry run)" if result.dry_run else "")
        return result
