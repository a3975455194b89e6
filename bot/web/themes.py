"""The theme board: quotes grouped by tag, with counts by country, level and outcome, each
passage one click from its place in the transcript.

Consent as in the quotes export: a background-only interview (or one that never chose) gives
no quotes; a passage of a personal answer only with attributable consent; an anonymised quote
is credited by unit and country, never by name; an attributable one by the credit the
respondent typed.

Staff choose which quotes go into the report pack (`POST /quotes/{id}/pack`, editors, audited):
every quote is in it until someone leaves it out; the board shows each quote's choice, and
the pack (`board(..., for_pack=True)`) takes only the chosen ones, consent checked again there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot import exports
from bot.interview import split_key
from bot.services import SERVICES
from bot.web import filters as filtering
from bot.web.auth import current, requires
from bot.web.interviews import status_labels
from bot.web.language import Translate, language_of, local_path, translator
from bot.web.questions import QuestionnaireView
from bot.web.templating import render
from storage import coding_repo, reading_query, review_query, staff_repo
from storage.landscape_query import QuoteRow, stream_quotes
from storage.review_query import Filters

LIMIT = 5000  # quotes read for one board


def credit(row: QuoteRow, view: QuestionnaireView, t: Translate) -> str | None:
    """Who a quote may be credited to, in the reader's language; None: never quoted."""
    consent = row.interview.quote_consent or "background"
    if consent == "background":
        return None
    if consent == "attributable" and row.interview.credit:
        return str(row.interview.credit)
    place = view.choice_label("country", row.country) if isinstance(row.country, str) else ""
    level = view.choice_label("level", row.level) if isinstance(row.level, str) else ""
    unit = t("themes.unit_level", level=level) if level else t("themes.unit")
    return f"{unit}, {place}" if place else unit


@dataclass
class Theme:
    tag: Any
    label: str
    quotes: list[dict[str, Any]] = field(default_factory=list)
    countries: Counter[str] = field(default_factory=Counter)
    levels: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)


async def board(
    request: web.Request,
    chosen: Filters,
    view: QuestionnaireView,
    t: Translate,
    *,
    for_pack: bool = False,
) -> tuple[list[Theme], int]:
    """Themes (one per tag, or the chosen tag) with their quotes, and how many consent left
    out; `for_pack`: only the quotes staff chose for the report pack."""
    services = request.app[SERVICES]
    lang = language_of(request)
    personal = exports.personal_ids(services.questionnaire)
    tags = await coding_repo.list_tags(services.db)
    themes = {
        tag.id: Theme(tag, tag.label_cy if lang == "cy" and tag.label_cy else tag.label_en)
        for tag in tags
        if chosen.tag is None or tag.id == chosen.tag
    }
    rows: list[QuoteRow] = []
    async for batch in stream_quotes(services.db, chosen, tag_id=chosen.tag):
        rows.extend(r for r in batch if r.interview.status != "withdrawn")
        if len(rows) >= LIMIT:
            break
    outcomes = await reading_query.outcomes_of(services.db, {r.interview.id for r in rows})
    left_out = 0
    for row in rows[:LIMIT]:
        if for_pack and not row.quote.in_pack:
            continue
        question_id, area = split_key(row.quote.answer_key)
        by = credit(row, view, t)
        if by is None or (question_id in personal and not exports.attributable(row.interview)):
            left_out += 1
            continue
        outcome = outcomes.get(row.interview.id, {}).get(area) if area else None
        country = view.choice_label("country", row.country) if row.country else t("themes.none")
        level = view.level(row.level, row.interview.questionnaire_version, t("themes.none"))
        outcome_label = t(f"outcome.{outcome}") if outcome else t("themes.no_outcome")
        item = {
            "row": row,
            "credit": by,
            "question": view.question_text(row.quote.answer_key),
            "context": f"/interviews/{row.interview.id}#answer-{row.quote.answer_key}",
            "name": view.name(row.interview.id, {"country": row.country}),
        }
        for tag in row.tags:
            theme = themes.get(tag.id)
            if theme is None:
                continue
            theme.quotes.append(item)
            theme.countries[country] += 1
            theme.levels[level] += 1
            theme.outcomes[outcome_label] += 1
    return [th for th in themes.values() if th.quotes or chosen.tag is not None], left_out


@requires("viewer")
async def index(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    t = translator(request)
    view = QuestionnaireView(services.questionnaire, language_of(request), t)
    chosen = filtering.chosen(request)
    themes, left_out = await board(request, chosen, view, t)
    return render(
        request,
        "themes.html",
        {
            "title": t("themes.title"),
            "themes": themes,
            "left_out": left_out,
            "params": filtering.as_params(request.query),
            "form": {k: request.query.get(k, "") for k in filtering.FILTER_KEYS},
            "choices": await review_query.distinct_values(services.db),
            "levels": view.levels(),
            "tags": await coding_repo.list_tags(services.db),
            "review_statuses": status_labels(t),
            "view": view,
        },
    )


@requires("editor")
async def save_pack(request: web.Request) -> web.StreamResponse:
    """Put a quote in the report pack or leave it out; recorded in the audit log."""
    services = request.app[SERVICES]
    raw = request.match_info["id"]
    form = await request.post()
    in_pack = str(form.get("in_pack", "")) == "1"
    quote = (
        await coding_repo.set_in_pack(services.db, int(raw), in_pack)
        if raw.isdigit() and int(raw) <= filtering.MAX_ID
        else None
    )
    if quote is None:
        raise web.HTTPNotFound(text="No such quote.")
    await staff_repo.audit(
        services.db,
        current(request).username,
        "quote_pack",
        quote.interview_id,
        services.clock(),
        {"quote": quote.id, "in_pack": in_pack},
    )
    raise web.HTTPSeeOther(local_path(str(form.get("next", "")) or "/themes"))
