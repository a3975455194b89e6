"""The privacy notice: what UK GDPR Art. 13 asks a controller to tell people, and Art. 14
for someone first found through their public post on X (they came from a lead's deep link).

Layered, as the ICO advises: the first layer (`first_layer`) is one short message after the
language is chosen: the introduction (who asks, why, who should answer, how long), what is
kept and for how long, who sees it, that taking part is voluntary and what they can do (skip,
stop, see, delete, withdraw or object), that Telegram carries the chat; then the question, with
"I agree", "No thanks" and "Read the full privacy notice" (handlers/consent.py), which answers
with the full notice (`messages`) and the same two choices under it. /privacy shows the full
notice at any time.

Built from short paragraphs in `prompts/ui.<lang>.yaml` and settings: the lawful basis
(`LAWFUL_BASIS`, with its matching right: withdraw consent, or object to a public task), where
the data is kept (`DATA_HOSTING`), retention, contact and the full notice's address. The text
is plain (escaped here); when settings make it longer than Telegram's 4096 characters it goes
in several messages, split between paragraphs, never cut; buttons ride on the last one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from handlers import render

if TYPE_CHECKING:
    from handlers.turn import Turn

VERSION = "2026-12.3"
"""Bump whenever the notice changes, either layer (2026-12: one long message; 2026-12.2: the short
first layer with the full notice a tap away; 2026-12.3: with no contact set, the notice's link
is given once, as where to contact us); each interview records the version agreed."""

LEAD_SOURCE = re.compile(r"^lead-[0-9]{1,18}$")


def from_lead(source: str | None) -> bool:
    """Whether they came from our invitation to their public post (bot/mentions deep link)."""
    return bool(source and LEAD_SOURCE.match(source))


def paragraphs(turn: Turn, lang: str, source: str | None, *, asking: bool) -> list[str]:
    """The notice as plain-text paragraphs, in `lang`; `asking` adds the question to agree."""
    settings = turn.services.settings
    contact = settings.privacy_contact or settings.privacy_notice_url

    def ui(key: str, **params: object) -> str:
        return turn.ui(lang, key, **params)

    hosting = settings.data_hosting_cy if lang == "cy" else settings.data_hosting
    found = [
        ui("consent.notice.who"),
        ui("consent.notice.what"),
    ]
    if from_lead(source):
        found.append(ui("consent.notice.lead", x_account=settings.x_account, contact=contact))
    found += [
        ui(f"consent.notice.basis.{settings.lawful_basis}"),
        ui("consent.notice.voluntary"),
        ui("consent.notice.sharing"),
        ui("consent.notice.telegram"),
        ui("consent.notice.hosting", hosting=hosting)
        if hosting
        else ui("consent.notice.hosting_unset"),
        ui("consent.notice.retention", retention_days=settings.retention_days),
        ui("consent.notice.rights"),
        ui("consent.notice.contact", contact=contact, notice_url=settings.privacy_notice_url)
        if settings.privacy_contact
        else ui("consent.notice.contact_unset", notice_url=settings.privacy_notice_url),
    ]
    title = ui("privacy.title", version=VERSION)
    return [title, *found, ui("consent.notice.ask")] if asking else [title, *found]


def first_layer(turn: Turn, lang: str, source: str | None) -> str:
    """The notice's first layer, HTML: the introduction, the points that matter most in a few
    lines and the question to agree (its "Read the full privacy notice" button is the rest; well
    under Telegram's limit: the settings it quotes are a number and the X account)."""
    settings = turn.services.settings

    def ui(key: str, **params: object) -> str:
        return turn.ui(lang, key, **params)

    points = [
        ui("consent.summary.kept", retention_days=settings.retention_days),
        ui("consent.summary.use"),
        ui(f"consent.summary.basis.{settings.lawful_basis}"),
        ui("consent.summary.telegram"),
    ]
    if from_lead(source):
        points.insert(0, ui("consent.summary.lead", x_account=settings.x_account))
    summary = f"<b>{render.esc(ui('consent.summary.title'))}</b>\n" + "\n".join(
        f"• {render.esc(point)}" for point in points
    )
    intro = turn.q.intro(lang)
    blocks = [render.esc(intro)] if intro else []
    blocks += [summary, render.esc(ui("consent.summary.ask"))]
    return "\n\n".join(blocks)


def messages(
    turn: Turn,
    lang: str,
    source: str | None,
    *,
    asking: bool,
    buttons: render.Buttons | None = None,
) -> list[render.Outgoing]:
    """The notice as messages within Telegram's limit; `buttons` under the last one."""
    # Every paragraph fits one message (settings it quotes are at most 1500 characters), so
    # `render.chunks` only ever splits between paragraphs, never inside one.
    blocks = [render.esc(p) for p in paragraphs(turn, lang, source, asking=asking)]
    texts = render.chunks(blocks)
    out = [render.Outgoing(text) for text in texts]
    out[-1].buttons = buttons or []
    return out
