"""The name and job title an attributable respondent wants their quotes credited to.

After "Quote me by name" the bot asks them to type it (their Telegram display name is
never used for credit). It is stored with the quote consent on every interview of theirs,
shown in /mydata, changed from /consent (`callbacks.CREDIT`), and erased with the consent level: any
other level clears it, and /delete removes it with everything else.
"""

from __future__ import annotations

import logging
import re

from telegram import Message

from bot import interview as engine
from handlers import callbacks, keyboards, render
from handlers.callbacks import Data
from handlers.turn import Tap, Turn, language_of, questionnaire_for
from storage import privacy
from storage.interviews import ACTIVE_STATUSES, InterviewStore
from storage.models import Interview, Respondent

log = logging.getLogger(__name__)

MAX = 200  # characters: a name, a job title and an organisation
_SPACE = re.compile(r"\s+")


def ask_message(turn: Turn, lang: str) -> render.Outgoing:
    """The question, with a way out for someone who would rather not be named after all."""
    return render.simple(
        turn.ui(lang, "consent.credit.ask"),
        [[(turn.ui(lang, "consent.credit.instead"), callbacks.QUOTE.pack("anonymised"))]],
    )


async def ask(turn: Turn, lang: str, respondent_id: int, credit: str | None) -> render.Outgoing:
    """Wait for their typed credit (keeping any they gave before until they replace it)."""
    await privacy.set_credit(turn.services.db, respondent_id, credit, pending=True, now=turn.now)
    return ask_message(turn, lang)


def cleaned(text: str) -> str | None:
    """One line, trimmed; None when empty or longer than `MAX`."""
    value = _SPACE.sub(" ", text.replace("\x00", "")).strip()
    return value if 0 < len(value) <= MAX else None


async def take(turn: Turn, respondent: Respondent, interview: Interview, text: str) -> None:
    """Their text while the bot waits for the credit: store it, then carry on."""
    assert respondent.id is not None
    lang = language_of(turn.q, respondent)
    value = cleaned(text)
    if value is None:
        await turn.send(
            [
                render.simple(turn.ui(lang, "consent.credit.invalid", max=MAX)),
                ask_message(turn, lang),
            ]
        )
        return
    await privacy.set_credit(turn.services.db, respondent.id, value, pending=False, now=turn.now)
    saved = render.simple(turn.ui(lang, "consent.credit.saved", credit=value))
    if interview.status not in ACTIVE_STATUSES:
        await turn.send([saved])
        return
    q = questionnaire_for(turn, interview)
    result = engine.current(q, engine.State.from_json(interview.state))
    await turn.send([saved, *render.events(q, lang, result.events)])
    await keyboards.handover(turn, interview.id)  # the prompt's "instead" button goes


async def on_button(turn: Turn, tap: Tap, data: Data) -> None:
    """`callbacks.CREDIT` (from /consent): change the name to credit."""
    await tap.answer()
    query = tap.query
    store = InterviewStore(turn.services.db)
    respondent, interview = await store.respondent_and_interview(turn.user.id)
    if respondent is None or respondent.id is None or interview is None:
        return
    lang = language_of(turn.q, respondent)
    if interview.quote_consent != "attributable":  # a stale button: they changed level since
        await turn.send([render.simple(turn.ui(lang, "consent.quote.recorded"))])
        return
    message = query.message
    if isinstance(message, Message):  # one tap: the buttons go, the text stays
        await keyboards.answered(turn, message)
    await turn.send([await ask(turn, lang, respondent.id, interview.credit)])
