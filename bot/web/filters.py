"""Reading the interview filters from a query string, so lists, exports and charts agree."""

from __future__ import annotations

from datetime import date
from typing import Any

from multidict import MultiMapping

from storage.review_query import Filters

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


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse(query: MultiMapping[str]) -> Filters:
    def get(name: str) -> str:
        return query.get(name, "").strip()[:200]

    tag = get("tag")
    area, outcome = get("area"), get("outcome")
    return Filters(
        status=get("status"),
        review=get("review"),
        country=get("country"),
        level=get("level"),
        language=get("language"),
        source=get("source"),
        tag=int(tag) if tag.isdigit() else None,
        since=_date(get("since")),
        until=_date(get("until")),
        q=get("q"),
        outcome=(area, outcome) if area and outcome else None,
    )


def as_params(query: MultiMapping[str]) -> dict[str, Any]:
    """The filter part of a query string, to carry into links (pages, exports, sorting)."""
    return {k: query[k] for k in FILTER_KEYS if query.get(k)}
