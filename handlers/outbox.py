"""Exactly one reply per update, and no reply lost: the update's delivery record and the outbox.

While an update is handled, `CURRENT` holds its `Delivery`: `Turn.send` notes there what became
of the reply. bot/telegram.py claims each update's id on arrival (`claim`: one INSERT, so of two
instances given the same update only one handles it), records the outcome with it
(`processed_update.reply`) when the handler is done, and so knows when an update comes again:

- "sent": the reply went out; the redelivery sends nothing.
- "queued": the reply is in the outbox; the redelivery sends nothing new but has the chat's
  outbox rows delivered now.
- "failed" (nothing sent, nothing queued): the update is handled again; its interview change
  is not applied twice (the update-id claim), and the current question is asked.
- none yet: another worker is handling it now (`claim` waits for it), or died doing so.
- "gone": the person blocked the bot.

A reply Telegram still refuses after the transport's retries (bot/transport.py) is held here: its
messages become outbox rows (storage/outbox.py) that `deliver_due`, a periodic job, sends with
exponential backoff until delivered, superseded (the interview moved on) or the chat is
unreachable (403: marked, as reminders do). Before consent nothing about a person may be stored,
and a chat id is about a person: such a reply is not held, only recorded as "failed", and the
webhook answers 503 so that Telegram delivers the update again.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import metrics
from bot.services import Services
from storage import outbox as store
from storage.interviews import InterviewStore
from storage.models import OutboxMessage
from storage.respondents import mark_unreachable

if TYPE_CHECKING:
    from handlers.render import Outgoing

log = logging.getLogger(__name__)

SENT, QUEUED, FAILED, GONE = "sent", "queued", "failed", "gone"
#: outcomes after which a redelivered update sends nothing new
FINAL = frozenset({SENT, QUEUED, GONE})
_RANK = {SENT: 0, GONE: 1, QUEUED: 2, FAILED: 3}

#: how often the job looks for due rows; first retry after BACKOFF, doubling up to MAX_BACKOFF
PERIOD = 5.0
BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=10)
#: a claimed row is not taken by another worker for this long (a crash mid-send frees it)
LEASE = timedelta(seconds=60)
#: rows older than this are dropped: whatever they said is long out of date
KEEP = timedelta(days=2)
#: how long a redelivery waits for another worker that is handling the same update right now
CLAIM_WAIT = 10.0


@dataclass
class Delivery:
    """What became of one update's reply; the worst outcome of its messages wins."""

    update_id: int
    outcome: str = SENT
    #: a reply was lost and could not be kept (before consent): ask Telegram to redeliver
    redeliver: bool = False

    def note(self, outcome: str) -> None:
        if _RANK[outcome] > _RANK[self.outcome]:
            self.outcome = outcome


CURRENT: ContextVar[Delivery | None] = ContextVar("delivery", default=None)


def note(outcome: str) -> None:
    delivery = CURRENT.get()
    if delivery is not None:
        delivery.note(outcome)


async def claim(services: Services, update_id: int) -> str | None:
    """Claim an update on arrival. None: it is ours to handle (new, or its earlier reply failed,
    or its handler died). Otherwise what became of its earlier reply (`FINAL`): send nothing.

    A claim with no outcome made moments ago is another instance handling the same update right
    now (Telegram gave it to both): wait for its outcome rather than reply a second time."""
    store = InterviewStore(services.db)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CLAIM_WAIT
    while True:
        now = services.clock()
        new, reply, claimed = await store.begin(update_id, now)
        if new:
            return None
        if reply in FINAL:
            return reply
        stale = now - _aware(claimed) > timedelta(seconds=CLAIM_WAIT) or loop.time() > deadline
        if (reply is not None or stale) and await store.take_over(update_id, reply, claimed, now):
            return None  # FAILED, or a handler that died: handle it again
        if loop.time() > deadline + CLAIM_WAIT:  # never stuck behind a lost claim
            return None
        await asyncio.sleep(0.1)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def payload(message: Outgoing) -> dict[str, Any]:
    """The sendMessage parameters of one message, as JSON for the outbox row."""
    markup = message.markup()
    return {
        "text": message.text,
        "parse_mode": ParseMode.HTML,
        "reply_markup": markup.to_dict() if markup is not None else None,
    }


async def hold(
    services: Services,
    *,
    user_id: int,
    chat_id: int,
    messages: list[Outgoing],
    update_id: int | None,
    step: tuple[str, int] | None = None,
) -> bool:
    """Queue messages Telegram did not take; False (nothing stored) before consent."""
    respondent = await InterviewStore(services.db).respondent(user_id)
    if respondent is None or respondent.id is None:
        note(FAILED)
        delivery = CURRENT.get()
        if delivery is not None:
            delivery.redeliver = True
        metrics.ERRORS.labels("reply_undelivered").inc()
        log.warning("reply not delivered before consent: not kept; Telegram redelivers it")
        return False
    now = services.clock()
    await store.enqueue(
        services.db,
        respondent_id=respondent.id,
        chat_id=chat_id,
        payloads=[payload(m) for m in messages],
        now=now,
        update_id=update_id,
        interview_id=step[0] if step else None,
        interview_version=step[1] if step else None,
        first_attempt=BACKOFF,
    )
    note(QUEUED)
    metrics.OUTBOX.labels("queued").inc(len(messages))
    log.warning("reply not delivered; %d message(s) wait in the outbox", len(messages))
    return True


async def deliver_due(services: Services, limit: int = 200) -> int:
    """The periodic job: send every row whose time has come; returns how many went out."""
    rows = await store.due(services.db, services.clock(), limit)
    return await _deliver(services, rows)


async def deliver_chat(services: Services, chat_id: int) -> int:
    """Send one chat's waiting rows now (its update came again), backoff or not."""
    rows = await store.due(services.db, services.clock(), chat_id=chat_id)
    return await _deliver(services, rows, early=True)


async def _deliver(services: Services, rows: list[OutboxMessage], *, early: bool = False) -> int:
    bot = services.telegram_bot
    if bot is None or not rows:
        return 0
    db = services.db
    stopped: set[int] = set()  # chats whose earlier row failed: their later rows wait, in order
    sent = 0
    for n, row in enumerate(rows):
        assert row.id is not None
        if row.chat_id in stopped:
            continue
        now = services.clock()
        if row.interview_id is not None and row.interview_version is not None:
            version = await store.current_version(db, row.interview_id)
            if version != row.interview_version:  # a later reply asked afresh
                metrics.OUTBOX.labels("superseded").inc()
                await store.finish(db, row.id)
                continue
        if not await store.claim(db, row.id, now, LEASE, early=early):
            stopped.add(row.chat_id)  # another worker has this chat's rows
            continue
        data = dict(row.payload)
        markup = data.pop("reply_markup", None)
        try:
            message = await bot.send_message(
                chat_id=row.chat_id,
                reply_markup=InlineKeyboardMarkup.de_json(markup, bot) if markup else None,
                disable_web_page_preview=True,
                **data,
            )
        except Forbidden:
            stopped.add(row.chat_id)
            metrics.OUTBOX.labels("unreachable").inc()
            await mark_unreachable(db, row.chat_id)
            await store.drop_chat(db, row.chat_id)
            continue
        except BadRequest as exc:  # refused: sending it again would not help
            log.warning("outbox row %s refused: %s", row.id, exc.message)
            await store.finish(db, row.id)
            continue
        except TelegramError as exc:
            stopped.add(row.chat_id)
            delay = min(BACKOFF * 2 ** (row.attempts + 1), MAX_BACKOFF)
            log.warning("outbox row %s not delivered (%s); next try in %s", row.id, exc, delay)
            await store.back_off(db, row.chat_id, services.clock(), delay)
            continue
        await store.finish(db, row.id)
        sent += 1
        metrics.OUTBOX.labels("delivered").inc()
        if markup and row.interview_id is not None:
            await _hand_keyboard_over(services, bot, row, message.message_id)
        later = any(r.chat_id == row.chat_id for r in rows[n + 1 :])
        if row.interview_id is not None and row.interview_version is not None and not later:
            await store.shown(db, row.interview_id, row.interview_version)
    if sent:
        log.info("outbox: %d message(s) delivered late", sent)
    return sent


async def _hand_keyboard_over(
    services: Services, bot: Any, row: OutboxMessage, message_id: int
) -> None:
    """A queued question with buttons went out late: it carries the interview's live keyboard
    now (handlers/keyboards.py), and the message that carried it loses its buttons (a removal
    that fails is kept in the interview's stale keyboards, retried at the next step)."""
    assert row.interview_id is not None
    interviews = InterviewStore(services.db)
    if await store.current_version(services.db, row.interview_id) != row.interview_version:
        return  # the interview moved on meanwhile: its own step handed the keyboard over
    live, stale = await interviews.keyboards(row.interview_id)
    still: list[int] = []
    for old in dict.fromkeys(m for m in (live, *stale) if m is not None and m != message_id):
        try:
            await bot.edit_message_reply_markup(
                chat_id=row.chat_id, message_id=old, reply_markup=None
            )
        except BadRequest:  # not modified, too old, gone: nothing left to tap
            pass
        except TelegramError:
            still.append(old)
    await interviews.set_keyboards(row.interview_id, message_id, still[-20:])


async def prune(services: Services) -> int:
    return await store.prune(services.db, services.clock() - KEEP)
