"""Reading the interview filters from a query string, so lists, exports and charts agree.

Every value is checked here, before any query runs: a value that cannot mean anything
(`tag=abc`, `until=2026-02-30`, `since` after `until`) is a `BadQuery`, which the staff
guard turns into a 400 page saying what is wrong; a value past what a column can hold is
corrected (`page=99999999999999999999` is the last page we count to, `until=9999-12-31`
means no end date). An export is never narrowed or widened silently by a value we ignored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from bot.services import SERVICES
from bot.web.questions import QuestionnaireView
from storage.review_query import NOT_ASKED, Filters

FILTER_KEYS = (
    "status",
    "review",
    "country",
    "level",
    "language",
    "source",
    "tag",
    "since",
    "until",
    "q",
    "area",
    "outcome",
)


#: the largest id a column holds on both backends (PostgreSQL INTEGER)
MAX_ID = 2**31 - 1
#: pages past this are corrected to it (50 a page: far beyond any real list)
MAX_PAGE = 1_000_000


class BadQuery(ValueError):
    """A query-string value that cannot mean anything; the message says which and why."""


def whole_number(query: MultiMapping[str], name: str, *, low: int, high: int) -> int | None:
    """An optional whole number: absent or empty is None; past the range, the nearest end."""
    text = query.get(name, "").strip()
    if not text:
        return None
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 40):
        raise BadQuery(f"{name} must be a whole number, not {text[:40]!r}.")
    return max(low, min(high, int(text)))


def page_number(query: MultiMapping[str]) -> int:
    """`page`, 1 when absent; corrected into 1..MAX_PAGE."""
    return whole_number(query, "page", low=1, high=MAX_PAGE) or 1


def record_id(query: MultiMapping[str], name: str) -> int | None:
    """An optional row id (`tag`, `before`): None when absent; 400 when not an id."""
    value = whole_number(query, name, low=-1, high=MAX_ID + 1)
    if value is not None and not 1 <= value <= MAX_ID:
        raise BadQuery(f"{name} must be the number of an existing record.")
    return value


def _date(query: MultiMapping[str], name: str) -> date | None:
    text = query.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:40])
    except ValueError:
        raise BadQuery(f"{name} must be a date like 2026-03-01, not {text[:40]!r}.") from None


def chosen(request: web.Request) -> Filters:
    """The filters of a staff page's query string, read with the questionnaire (which says
    what `level=not_asked` means)."""
    return parse(request.query, request.app[SERVICES].questionnaire)


def parse(query: MultiMapping[str], questionnaire: Any = None) -> Filters:
    """The filters in `query`. `level=not_asked` (interviews on a questionnaire version that
    does not ask the level) needs the `questionnaire`; without it no query can use it."""

    def get(name: str) -> str:
        return query.get(name, "").strip()[:200]

    area, outcome = get("area"), get("outcome")
    since, until = _date(query, "since"), _date(query, "until")
    if until == date.max:  # "until the end of time": no end date (the day after has none)
        until = None
    if since is not None and until is not None and since > until:
        raise BadQuery("since must not be after until.")
    return Filters(
        status=get("status"),
        review=get("review"),
        country=get("country"),
        level=get("level"),
        level_not_asked_in=(
            QuestionnaireView(questionnaire).not_asking("level")
            if questionnaire is not None and get("level") == NOT_ASKED
            else None
        ),
        language=get("language"),
        source=get("source"),
        tag=record_id(query, "tag"),
        since=since,
        until=until,
        q=get("q"),
        outcome=(area, outcome) if area and outcome else None,
    )


def as_params(query: MultiMapping[str]) -> dict[str, Any]:
    """The filter part of a query string, to carry into links (pages, exports, sorting)."""
    return {k: query[k] for k in FILTER_KEYS if query.get(k)}
