"""How a respondent's words may be used: the levels, and the prompts that choose them.

Asked right after consent (`question`), and again on /consent (`change_view`); a tap on either
is `handlers.consent.on_quote`. Whom to credit, for "quote me by name", is handlers/credit.py.
"""

from __future__ import annotations

from handlers import callbacks, render
from handlers.turn import Turn

QUOTE_LEVELS = ("attributable", "anonymised", "background")


def question(turn: Turn, lang: str) -> render.Outgoing:
    rows = [
        [(turn.ui(lang, f"consent.quote.{level}"), callbacks.QUOTE.pack(level))]
        for level in QUOTE_LEVELS
    ]
    return render.simple(turn.ui(lang, "consent.quote.question"), rows)


def level_buttons(turn: Turn, lang: str, level: str | None) -> render.Buttons:
    """One button a level, the current one ticked."""
    rows: render.Buttons = []
    for option in QUOTE_LEVELS:
        label = turn.ui(lang, f"consent.quote.{option}")
        rows.append([(f"✓ {label}" if option == level else label, callbacks.QUOTE.pack(option))])
    return rows


def current(turn: Turn, lang: str, level: str | None) -> str:
    """The current level's name ("—" before one is chosen)."""
    return turn.ui(lang, f"consent.quote.{level}") if level in QUOTE_LEVELS else "—"


def change_view(turn: Turn, lang: str, level: str | None) -> render.Outgoing:
    """How their words may be used now, with buttons to change it (as /consent shows)."""
    rows = level_buttons(turn, lang, level)
    rows.append([(turn.ui(lang, "consent.withdraw"), callbacks.WITHDRAW.pack())])
    return render.simple(turn.ui(lang, "consent.current", quote=current(turn, lang, level)), rows)
