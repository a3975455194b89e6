"""Reminders for idle interviews: the periodic job that sends them, and their buttons.

`send_due_reminders(services)` plans the next reminder of every interview idle for
`reminder_after_hours` (at most `reminder_max` each), then claims and sends the rows that
are due. A claimed row is never sent again: a crash between claim and send loses that one
reminder rather than risking a duplicate (docs/adr/0002-reminders-at-most-once.md).
A 403 marks the respondent unreachable. Buttons (handlers/callbacks.py): CARRY_ON re-asks
the current question, LATER reminds later, STOP stops reminders.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot import interview as engine
from bot.services import Services
from handlers import callbacks, credit, keyboards, render
from handlers.callbacks import Data
from handlers.conversation import step
from handlers.turn import Tap, Turn, language_of
from storage import reminders as store
from storage.interviews import ACTIVE_STATUSES, InterviewStore
from storage.respondents import mark_unreachable

log = logging.getLogger(__name__)


def _after(services: Services) -> timedelta:
    return timedelta(hours=services.settings.reminder_after_hours)


async def send_due_reminders(services: Services, limit: int = 100) -> int:
    """One run of the reminder job; returns how many reminders went out."""
    bot = services.telegram_bot
    if bot is None:
        return 0
    now = services.clock()
    settings = services.settings
    await store.plan(services.db, now, after=_after(services), maximum=settings.reminder_max)
    sent = 0
    for row in await store.due(services.db, now, limit):
        assert row.id is not None
        due = await store.claim(services.db, row.id, now, spacing=_after(services))
        if due is None:
            continue
        if await _send(services, bot, due):
            sent += 1
    return sent


async def _send(services: Services, bot: Bot, due: store.Due) -> bool:
    reminder, interview, respondent = due.reminder, due.interview, due.respondent
    assert reminder.id is not None
    db = services.db
    if interview.status != "in_progress" or respondent.unreachable:
        await store.finish(db, reminder.id, "skipped")
        return False
    if reminder.kind == store.IDLE:
        if respondent.reminders_opt_out:
            await store.finish(db, reminder.id, "skipped")
            return False
        if interview.updated_at + _after(services) > services.clock():
            await store.drop(db, reminder.id)  # they came back meanwhile; it doesn't count
            return False
    elif interview.updated_at > reminder.created_at:
        await store.drop(db, reminder.id)  # asked to be reminded, then carried on anyway
        return False
    q = services.questionnaire
    lang = language_of(q, respondent)
    message = reminder_message(services, lang, interview.id)
    try:
        await bot.send_message(chat_id=respondent.telegram_user_id, **message.fields())
    except Forbidden:
        await mark_unreachable(db, respondent.telegram_user_id)
        await store.finish(db, reminder.id, "unreachable")
        return False
    except TimedOut:
        # Telegram may have delivered it: count it as sent rather than risk a second copy.
        await store.finish(db, reminder.id, "timeout")
        return False
    except BadRequest as exc:  # e.g. chat not found: trying again would not help
        log.warning("reminder %s refused: %s", reminder.id, exc.message)
        await store.finish(db, reminder.id, "failed")
        return False
    except (RetryAfter, NetworkError) as exc:  # not delivered: free the claim for a retry
        log.warning("reminder %s not delivered (%s); will retry", reminder.id, exc)
        await store.release(db, reminder, services.clock())
        return False
    except Exception:
        log.exception("reminder %s failed", reminder.id)
        await store.finish(db, reminder.id, "failed")
        return False
    await store.finish(db, reminder.id, "sent")
    return True


def reminder_message(services: Services, lang: str, interview_id: str) -> render.Outgoing:
    q = services.questionnaire
    return render.simple(
        q.ui(lang, "reminder.text"),
        [
            [(q.ui(lang, "reminder.continue"), callbacks.CARRY_ON.pack(interview_id))],
            [(q.ui(lang, "reminder.later"), callbacks.LATER.pack(interview_id))],
            [(q.ui(lang, "reminder.stop"), callbacks.STOP.pack())],
        ],
    )


async def expire_idle_interviews(services: Services) -> int:
    """Interviews idle for `abandon_after_days` become abandoned (and can still be resumed)."""
    after = timedelta(days=services.settings.abandon_after_days)
    count = await store.expire(services.db, services.clock(), after=after)
    if count:
        log.info("%d idle interviews marked abandoned", count)
    return count


async def on_button(turn: Turn, tap: Tap, data: Data) -> None:
    """The reminder's buttons: carry on, remind me later, no more reminders."""
    services = turn.services
    store_ = InterviewStore(services.db)
    respondent = await store_.respondent(turn.user.id)
    if respondent is None or respondent.id is None:
        await tap.answer()
        await turn.send([render.language_prompt(turn.q, None)])
        return
    lang = language_of(turn.q, respondent)
    if not await keyboards.first_tap(turn, tap, lang):  # a double tap: the first was taken
        return
    if data.kind is callbacks.STOP:
        await store.opt_out(services.db, respondent.id)
        await turn.send([render.simple(turn.ui(lang, "reminder.stopped"))])
        return
    interview = await store_.current_interview(respondent.id)
    if (
        interview is None
        or interview.status not in ACTIVE_STATUSES
        or interview.id != data["interview"]
    ):
        await turn.send([render.simple(turn.ui(lang, "reminder.gone"))])
        return
    if data.kind is callbacks.CARRY_ON:
        if interview.credit_pending:  # the bot still waits for the name to credit
            await turn.send([credit.ask_message(turn, lang)])
            return
        await step(turn, interview, lambda q, state: engine.current(q, state))
        return
    if data.kind is callbacks.LATER:
        await store.schedule_later(services.db, interview.id, turn.now + _after(services), turn.now)
        hours = services.settings.reminder_after_hours
        shown = f"{hours:g}"
        await turn.send([render.simple(turn.ui(lang, "reminder.later_set", hours=shown))])
