"""The privacy notice: what UK GDPR Art. 13 asks a controller to tell people, and Art. 14
for someone first found through their public post on X (they came from a lead's deep link).

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

VERSION = "2026-12"
"""Bump whenever the meaning of the notice changes; each interview records the version agreed."""

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
        ui("consent.notice.contact", contact=contact, notice_url=settings.privacy_notice_url),
    ]
    if asking:
        return [ui("consent.notice.intro"), *found, ui("consent.notice.ask")]
    return [ui("privacy.title", version=VERSION), *found]


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
