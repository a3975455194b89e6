"""The respondent's side of the interview: Telegram update in, engine step, store, reply.

Every step follows the same order, which is what makes a crash or a restart harmless:
load the interview row, run the pure engine, write the answers and the new position in
one transaction (claiming the update id), and only then send the reply.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram import MaybeInaccessibleMessage, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import interview as engine
from bot import transport
from bot.interview import Questionnaire, State
from bot.services import Services
from handlers import keyboards, outbox, render
from handlers.render import Outgoing
from storage.interviews import AnswerWrite, Change, DuplicateUpdate, InterviewStore, StaleVersion
from storage.models import Interview, Respondent

log = logging.getLogger(__name__)

MAX_RETRIES = 5


@dataclass
class Turn:
    """What one update is about: who, when, and how to reply."""

    services: Services
    update: Update
    bot: Any
    #: (message id, has buttons) of what this turn sent or edited, in order; and the messages
    #: whose buttons it removed (handlers.keyboards keeps one live keyboard per interview)
    shown: list[tuple[int, bool]] = field(default_factory=list)
    cleared: set[int] = field(default_factory=set)
    #: interview id -> (message with its live buttons, older ones that may still show some),
    #: as read with the interview at the start of the turn
    keyboards: dict[str, tuple[int | None, list[int]]] = field(default_factory=dict)
    #: a message of the reply did not get through (after the transport's retries)...
    undelivered: bool = False
    #: ...and waits in the outbox (False before consent: nothing may be stored)
    held: bool = False

    @property
    def user(self) -> User:
        user = self.update.effective_user
        assert user is not None
        return user

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        return chat.id if chat is not None else self.user.id

    @property
    def q(self) -> Questionnaire:
        return self.services.questionnaire

    @property
    def store(self) -> InterviewStore:
        return InterviewStore(self.services.db)

    @property
    def now(self) -> datetime:
        return self.services.clock()

    @property
    def update_id(self) -> int:
        return self.update.update_id

    async def send(
        self, messages: list[Outgoing], *, step: tuple[str, int] | None = None
    ) -> list[Message]:
        """Send a reply, in order. What Telegram still does not take after the transport's
        retries waits in the outbox (handlers/outbox.py), with `step` (interview id, version)
        so it is dropped if the interview moves on first; the update's delivery notes it."""
        sent = []
        pending = render.merged(messages)
        for n, message in enumerate(pending):
            try:
                sent.append(
                    await self.bot.send_message(
                        chat_id=self.chat_id,
                        text=message.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=message.markup(),
                        disable_web_page_preview=True,
                    )
                )
            except Forbidden:
                outbox.note(outbox.GONE)
                await self.mark_unreachable()
                return sent
            except BadRequest:
                raise
            except (NetworkError, RetryAfter) as exc:
                if transport.answered_ok("sendMessage"):
                    _unreadable(exc)  # delivered all the same: go on with the rest
                    continue
                self.held = await outbox.hold(
                    self.services,
                    user_id=self.user.id,
                    chat_id=self.chat_id,
                    messages=pending[n:],
                    update_id=self.update_id,
                    step=step,
                )
                self.undelivered = True
                return sent
            except TelegramError as exc:
                if not transport.answered_ok("sendMessage"):
                    raise
                _unreadable(exc)
                continue
            self.shown.append((sent[-1].message_id, bool(message.buttons)))
        return sent

    async def edit(self, message: MaybeInaccessibleMessage | None, text: str) -> None:
        """Freeze an answered question's message (drop its keyboard, show the answer)."""
        if message is None or not text:
            return
        try:
            await self.bot.edit_message_text(
                chat_id=self.chat_id,
                message_id=message.message_id,
                text=text,
                parse_mode=ParseMode.HTML,
                disable_web_page_preview=True,
            )
            self.cleared.add(message.message_id)
        except BadRequest as exc:  # not modified, or too old to edit: harmless
            log.debug("edit skipped: %s", exc.message)
        except Forbidden:
            await self.mark_unreachable()
        except TelegramError as exc:  # cosmetic: the next question matters more
            log.warning("edit of an answered question failed: %s", type(exc).__name__)

    async def replace(
        self, frozen: tuple[MaybeInaccessibleMessage | None, str], messages: list[Outgoing]
    ) -> bool:
        """After a button answer, one edit shows the answer and the next question in the same
        message (one message against Telegram's ~1 a second per chat, where freezing it and
        sending the next question took two). False when that does not fit: freeze and send."""
        message, text = frozen
        merged = render.merged(messages)
        combined = render.after_answer(text, merged[0]) if len(merged) == 1 else None
        if message is None or combined is None:
            return False
        try:
            await self.bot.edit_message_text(
                chat_id=self.chat_id,
                message_id=message.message_id,
                text=combined.text,
                parse_mode=ParseMode.HTML,
                reply_markup=combined.markup(),
                disable_web_page_preview=True,
            )
        except Forbidden:
            await self.mark_unreachable()
        except TelegramError as exc:
            if transport.answered_ok("editMessageText"):  # done; only its answer unreadable
                log.warning("one-message step done, its answer unreadable: %s", type(exc).__name__)
                return True
            log.debug("one-message step failed: %s", exc)  # too old to edit, say: freeze+send
            return False
        self.shown.append((message.message_id, bool(combined.buttons)))
        return True

    async def mark_unreachable(self) -> None:
        from storage.respondents import mark_unreachable

        await mark_unreachable(self.services.db, self.user.id)

    def ui(self, lang: str, key: str, **params: Any) -> str:
        return self.q.ui(lang, key, **params)


def questionnaire_for(turn: Turn, interview: Interview) -> Questionnaire:
    """The questionnaire an interview started on: interviews begun on an earlier version
    finish on it (its questions, texts and answer keys), whatever version is current."""
    return turn.q.for_version(interview.questionnaire_version)


def storable(text: str) -> str:
    """Text as we keep it: without NUL characters, which PostgreSQL text cannot hold (one in a
    JSON answer made every staff search fail). Everything else is kept exactly as sent."""
    return text.replace("\x00", "")


async def ensure_respondent(turn: Turn) -> Respondent:
    user = turn.user
    name = storable(" ".join(p for p in (user.first_name, user.last_name) if p)) or None
    username = storable(user.username) if user.username else None
    return await turn.store.upsert_respondent(
        user.id, username=username, name=name, telegram_language=user.language_code
    )


def suggested_language(q: Questionnaire, code: str | None) -> str | None:
    base = (code or "").split("-")[0].lower()
    return base if base in q.languages else None


def language_of(q: Questionnaire, respondent: Respondent) -> str:
    if respondent.language in q.languages:
        return respondent.language
    return suggested_language(q, respondent.telegram_language) or q.default_language


async def start_interview(
    turn: Turn, respondent: Respondent, source: str | None, previous: Interview | None = None
) -> None:
    """Start again after an earlier interview: consent carries over, the old one is set aside."""
    assert respondent.id is not None
    lang = language_of(turn.q, respondent)
    step = engine.begin(turn.q, lang, turn.now)
    try:
        interview = await turn.store.create(
            respondent_id=respondent.id,
            questionnaire_id=turn.q.id,
            questionnaire_version=turn.q.version,
            language=lang,
            source=source,
            change=_change(turn.q, step, lang, None, turn.now),
            update_id=turn.update_id,
            now=turn.now,
            consented_at=previous.consented_at if previous else turn.now,
            consent_version=previous.consent_version if previous else None,
            supersede=previous.id if previous is not None else None,
        )
    except DuplicateUpdate:  # a redelivered restart tap: its reply may never have gone out
        current = await turn.store.current_interview(respondent.id)
        if current is not None:
            await _reask(turn, current.id)
        return
    if previous is not None and previous.quote_consent:
        await turn.store.set_quote_consent(interview.id, previous.quote_consent, turn.now)
        if previous.quote_consent == "attributable" and previous.credit:  # and whom to credit
            from storage import privacy

            await privacy.set_credit(
                turn.services.db, respondent.id, previous.credit, pending=False, now=turn.now
            )
    from handlers import hooks

    await hooks.interview_started(turn.services, interview)
    await send_or_mark(
        turn, interview.id, interview.version, render.events(turn.q, lang, step.events)
    )


async def step(
    turn: Turn,
    interview: Interview,
    make_input: Any,
    *,
    message_id: int | None = None,
    frozen: tuple[MaybeInaccessibleMessage | None, str] | None = None,
    tapped: MaybeInaccessibleMessage | None = None,
) -> None:
    """Advance an interview by one input, with optimistic retries on a concurrent change.

    `make_input` is an engine input, or a function (q, state) -> Step for set_language/current.
    `frozen` is an answered question's message and its new text, edited after the write;
    `tapped` is the message of a tapped toggle, whose keyboard is edited in place.
    """
    q = questionnaire_for(turn, interview)
    for _attempt in range(MAX_RETRIES):
        turn.keyboards[interview.id] = (
            interview.keyboard_message_id,
            list(interview.stale_keyboards or []),
        )
        state = State.from_json(interview.state)
        if callable(make_input):
            result = make_input(q, state)
        else:
            result = engine.advance(q, state, make_input, turn.now)
        lang = result.state.language
        change = _change(q, result, lang, message_id, turn.now)
        try:
            version = await turn.store.apply(
                interview.id, interview.version, change, update_id=turn.update_id, now=turn.now
            )
        except DuplicateUpdate:
            # Telegram redelivers an update when we did not answer 200 in time (a crash, a slow
            # reply), so its reply may never have gone out: ask the current question again.
            log.info("update %s already applied; re-asking", turn.update_id)
            await _reask(turn, interview.id)
            return
        except StaleVersion:
            fresh = await turn.store.get(interview.id)
            if fresh is None:
                return
            interview = fresh
            continue
        if change.status == "completed" and interview.status != "completed":
            from handlers import hooks

            await hooks.interview_completed(turn.services, interview)
        outgoing = render.events(q, lang, result.events)
        if await keyboards.in_place(turn, interview, result.events, outgoing, tapped):
            return
        if frozen is not None and await turn.replace(frozen, outgoing):
            await keyboards.handover(turn, interview.id)
            return
        if frozen is not None:
            await turn.edit(*frozen)
        await send_or_mark(turn, interview.id, version, outgoing)
        return
    log.warning("interview %s: gave up after %d concurrent changes", interview.id, MAX_RETRIES)
    await turn.send([render.simple(turn.ui(interview.language, "error.generic"))])


async def send_or_mark(
    turn: Turn, interview_id: str, version: int, messages: list[Outgoing]
) -> None:
    """Send a step's reply, then move the interview's live keyboard to what went out
    (handlers/keyboards.py). What Telegram does not take waits in the outbox, and the interview
    is marked so a message the respondent sends before it arrives re-asks rather than answers
    (delivering it clears the mark and moves the keyboard record: handlers/outbox.py)."""
    await turn.send(messages, step=(interview_id, version))
    await keyboards.handover(turn, interview_id)
    if turn.undelivered:
        await turn.store.mark_reask(interview_id, version)


def _unreadable(exc: Exception) -> None:
    # Telegram took the message (HTTP 200) but its answer could not be read: it was
    # delivered, so go on with the rest rather than fail (and apologise for, or queue again)
    # what the person already has.
    log.warning("sendMessage delivered, its answer unreadable: %s", type(exc).__name__)


async def _reask(turn: Turn, interview_id: str) -> None:
    """This update's change was stored before, but its reply did not go out (it failed, or the
    process died): ask the current question again."""
    fresh = await turn.store.get(interview_id)
    if fresh is None or fresh.status not in ("in_progress", "abandoned"):
        return
    if fresh.quote_consent is None:  # how they may be quoted comes before any question
        from handlers import consent

        await turn.send([consent.quote_question(turn, fresh.language)])
        return
    q = questionnaire_for(turn, fresh)
    result = engine.current(q, State.from_json(fresh.state))
    await send_or_mark(
        turn, fresh.id, fresh.version, render.events(q, result.state.language, result.events)
    )


async def completed_again(turn: Turn, interview: Interview, *, review: bool = False) -> None:
    """A completed respondent writes again: a short thank-you with where to go from here (never
    "no interview in progress" right after "Thank you!"); /review shows what they sent."""
    state = State.from_json(interview.state)
    lang = state.language if state.language in turn.q.languages else interview.language
    if not review:
        await turn.send([render.simple(turn.ui(lang, "completed.again"))])
        return
    q = turn.q
    blocks = [f"<b>{render.esc(q.ui(lang, 'completed.review'))}</b>"]
    keys = sorted(state.answers, key=q.position)
    for n, key in enumerate(keys, start=1):
        shown = q.display(key, state.answers[key], lang)
        blocks.append(
            f"{n}. <b>{render.esc(render.clip(q.question_text(key, lang), 300))}</b>\n"
            f"{render.esc(render.clip(shown, 300))}"
        )
    blocks.append(render.esc(q.ui(lang, "completed.again")))
    await turn.send([render.Outgoing(text) for text in render.chunks(blocks)])


def _change(
    q: Questionnaire, result: Any, lang: str, message_id: int | None, now: datetime
) -> Change:
    state: State = result.state
    status = "completed" if state.status == "completed" else "in_progress"
    records = [
        AnswerWrite(
            key=r.key,
            question_id=r.question_id,
            repeat_item=r.repeat_item,
            value=r.value,
            language=r.language,
            question_text=r.question_text,
            position=q.position(r.key),
            message_id=message_id if isinstance(r.value, str) else None,
        )
        for r in result.records
    ]
    completed_at = now if status == "completed" else None
    return Change(
        state=state.to_json(),
        status=status,
        language=lang,
        records=records,
        cleared=list(result.cleared),
        completed_at=completed_at,
    )
