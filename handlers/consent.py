"""Privacy notice and consent, before the first question, and how words may be quoted.

Nothing about a person is stored until they agree: a "not now" only bumps an anonymous
counter. Agreeing creates the respondent and the interview (with the consent time and
the notice version), then asks how their words may be used.
"""

from __future__ import annotations

from bot import interview as engine
from handlers import callbacks, credit, keyboards, notice, quoting, render
from handlers.callbacks import Data
from handlers.conversation import start_interview
from handlers.turn import Tap, Turn, ensure_respondent, language_of, questionnaire_for
from storage import counters, privacy
from storage.interviews import ACTIVE_STATUSES, InterviewStore
from storage.models import Respondent

NOTICE_VERSION = notice.VERSION  # recorded with each consent


def _choices(turn: Turn, lang: str, source: str | None) -> render.Buttons:
    return [
        [
            (turn.ui(lang, "consent.agree"), callbacks.AGREE.pack(lang, source)),
            (turn.ui(lang, "consent.decline"), callbacks.DECLINE.pack(lang)),
        ]
    ]


async def show_privacy_notice(turn: Turn, lang: str, source: str | None) -> None:
    """The notice's first layer, one message: its choices, and the full notice a tap away."""
    buttons = [
        *_choices(turn, lang, source),
        [(turn.ui(lang, "consent.notice.full"), callbacks.NOTICE.pack(lang, source))],
    ]
    await turn.send([render.Outgoing(notice.first_layer(turn, lang, source), buttons)])


async def on_full_notice(turn: Turn, tap: Tap, data: Data) -> None:
    """ "Read the full privacy notice": the whole notice, with the choices under it (they move
    there: the first layer loses its buttons). After agreeing (an older copy of the first
    layer), the notice as /privacy shows it, without choices."""
    lang = data["lang"] if data["lang"] in turn.q.languages else turn.q.default_language
    source = data.get("source")
    if not await keyboards.first_tap(turn, tap, lang):  # a double tap: the first was taken
        return
    store = InterviewStore(turn.services.db)
    existing = await store.respondent(turn.user.id)
    if existing is not None and existing.id is not None:
        interview = await store.current_interview(existing.id)
        held = interview.source if interview is not None else None
        lang = language_of(turn.q, existing)
        await turn.send(notice.messages(turn, lang, held, asking=False))
        return
    buttons = _choices(turn, lang, source)
    await turn.send(notice.messages(turn, lang, source, asking=True, buttons=buttons))


def introduction(turn: Turn, lang: str) -> list[render.Outgoing]:
    """Who is asking and why, who should answer, how long (from the questionnaire's typical
    path), as /help repeats it (the notice's first layer opens with it)."""
    intro = turn.q.intro(lang)
    return [render.simple(intro)] if intro else []


def withdraw_confirmation(turn: Turn, lang: str) -> render.Outgoing:
    """Withdrawing is erasing: the same confirmation and buttons as /consent's "Withdraw"
    (handled by handlers.privacy, which erases as /delete does)."""
    return render.simple(
        turn.ui(lang, "consent.withdraw_confirm"),
        [
            [(turn.ui(lang, "delete.yes"), callbacks.ERASE.pack("withdraw"))],
            [(turn.ui(lang, "delete.no"), callbacks.KEEP.pack())],
        ],
    )


async def on_notice(turn: Turn, tap: Tap, data: Data) -> None:
    """A tap on a privacy notice. Consent is one state, whichever copy of the notice is tapped:
    "No thanks" before agreeing stores nothing (and says so); after agreeing it is a withdrawal,
    confirmed first and erased as /delete does; "I agree" again changes nothing."""
    agreed = data.kind is callbacks.AGREE
    lang = data["lang"] if data["lang"] in turn.q.languages else turn.q.default_language
    source = data.get("source")
    store = InterviewStore(turn.services.db)
    existing = await store.respondent(turn.user.id)
    held = existing is not None and existing.id is not None
    if held and agreed and not await _agreeing_again(turn, existing):
        assert existing is not None  # an older copy of the notice, after agreeing: nothing to do
        await tap.answer(turn.ui(language_of(turn.q, existing), "consent.already"))
        await keyboards.answered(turn, tap.message)
        return
    await tap.answer()
    await keyboards.answered(turn, tap.message)
    if not agreed:
        if held:  # they agreed before (perhaps on another copy): declining now is withdrawing
            assert existing is not None
            await turn.send([withdraw_confirmation(turn, language_of(turn.q, existing))])
            return
        if await store.claim_update(turn.update_id, turn.now):
            await counters.bump(turn.services.db, counters.DECLINED)
        await turn.send([render.simple(turn.ui(lang, "consent.declined"))])
        return
    respondent = await ensure_respondent(turn)
    assert respondent.id is not None
    await store.set_language(respondent.id, lang)
    started = await start_interview(turn, respondent, lang, source, consent_version=NOTICE_VERSION)
    if started is None:  # a redelivered tap: the interview was created the first time...
        current = await store.current_interview(respondent.id)
        if current is None or current.quote_consent is not None:
            return  # ...and they have gone on since
    await turn.send([render.simple(turn.ui(lang, "consent.thanks")), quoting.question(turn, lang)])


async def _agreeing_again(turn: Turn, respondent: Respondent | None) -> bool:
    """Is this "I agree", from someone held, the same agreement delivered again because its
    reply never went out (the process died after storing it)? Then it carries on where it
    stopped: the interview is started if it was not, and the quote question asked. Otherwise
    it is an older copy of the notice tapped after agreeing, and changes nothing."""
    if respondent is None or respondent.id is None:
        return False
    current = await InterviewStore(turn.services.db).current_interview(respondent.id)
    if current is None:  # stored as a respondent, died before the interview was
        return True
    return current.quote_consent is None and await turn.store.applied(turn.update_id)


def _from_consent_view(tap: Tap) -> bool:
    """Whether the tapped message is /consent's (it also offers to withdraw)."""
    markup = getattr(tap.message, "reply_markup", None)
    rows = getattr(markup, "inline_keyboard", ()) or ()
    withdraw = callbacks.WITHDRAW.pack()
    return any(button.callback_data == withdraw for row in rows for button in row)


async def on_quote(turn: Turn, tap: Tap, data: Data) -> None:
    """How their words may be used. The first choice is followed by question one; /consent's
    buttons change it; a tap on an older quote prompt after a choice changes nothing (the same
    level) or shows the current choice with buttons to confirm a change."""
    level = data["level"]
    store = InterviewStore(turn.services.db)
    respondent = await store.respondent(turn.user.id)
    interview = None
    if respondent is not None and respondent.id is not None and level:
        interview = await store.current_interview(respondent.id)
    if respondent is None or interview is None:  # nothing held (declined or withdrawn)
        lang = language_of(turn.q, respondent) if respondent else turn.q.default_language
        await keyboards.moved_on(turn, tap, lang)
        return
    assert respondent.id is not None
    lang = language_of(turn.q, respondent)
    # The first choice is followed by question one; so is a redelivered tap (a crash between
    # storing the choice and replying), which must not leave them without it.
    redelivered = not await store.claim_update(turn.update_id, turn.now)
    # so is a choice made instead of typing the name to credit: the question waited for it
    first_choice = interview.quote_consent is None or redelivered or interview.credit_pending
    if not first_choice and not _from_consent_view(tap):
        if level == interview.quote_consent:
            await tap.answer(turn.ui(lang, "choice.kept"))
            await keyboards.answered(turn, tap.message)
            return
        await tap.answer()
        await keyboards.answered(turn, tap.message)
        await turn.send([quoting.change_view(turn, lang, interview.quote_consent)])
        await keyboards.aside(turn, interview.id)
        return
    await tap.answer()
    await keyboards.answered(turn, tap.message)
    # How their words may be used covers all their words: every interview they gave.
    await privacy.set_quote_consent(turn.services.db, respondent.id, level, turn.now)
    confirm = render.simple(turn.ui(lang, "consent.quote.recorded"))
    if level == "attributable" and interview.credit is None:  # whom to credit, before going on
        await turn.send([confirm, await credit.ask(turn, lang, respondent.id, None)])
        await keyboards.handover(turn, interview.id)  # its "instead" button is the live one
        return
    if first_choice and interview.status in ACTIVE_STATUSES:
        state = engine.State.from_json(interview.state)
        q = questionnaire_for(turn, interview)
        result = engine.current(q, state)
        await turn.send([confirm, *render.events(q, lang, result.events)])
        await keyboards.handover(turn, interview.id)
    else:
        await turn.send([confirm])
