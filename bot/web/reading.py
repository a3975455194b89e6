"""Reading by question: every answer to one question side by side, to tag and quote in place.

Consent holds here as in the exports: a personal answer (organisation, contact) shows only with
attributable consent, no respondent's name is shown, and a background-only interview offers no
quoting. The quote form posts to the transcript's own handler, which sends the reader back here.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from bot import exports
from bot.services import SERVICES
from bot.web import filters as filtering
from bot.web.auth import requires
from bot.web.interviews import status_labels
from bot.web.language import KNOWN_ERRORS, Translate, language_of, translator
from bot.web.questions import OUTCOMES, QuestionnaireView
from bot.web.templating import render
from storage import coding_repo, reading_query, review_query

QUOTABLE = ("anonymised", "attributable")
DEFAULT_QUESTION = "difference"


@requires("viewer")
async def index(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    t = translator(request)
    view = QuestionnaireView(services.questionnaire, language_of(request), t)
    questions = view.questions()
    known = {qid for qid, _, _ in questions}
    asked = request.query.get("question", "")
    fallback = DEFAULT_QUESTION if DEFAULT_QUESTION in known else ""
    question_id = asked if asked in known else fallback
    if not question_id and questions:
        question_id = questions[0][0]
    areas = view.areas()
    area = request.query.get("area", "")
    area = area if area in {a for a, _ in areas} else ""
    outcome = request.query.get("outcome", "")
    outcome = outcome if outcome in {o for o, _ in OUTCOMES} else ""
    search = request.query.get("q", "").strip()[:200]
    repeated = view.is_repeated(question_id)
    chosen = replace(filtering.chosen(request), q="")
    if repeated:  # the outcome of each answer's own area
        chosen = replace(chosen, outcome=None)
    page = filtering.page_number(request.query)
    rows, total = await reading_query.answers_to(
        services.db,
        question_id,
        chosen,
        area=area,
        outcome=outcome if repeated else "",
        q=search,
        page=page,
    )
    personal = exports.personal_ids(services.questionnaire)
    items = []
    for row in rows:
        consent = row.interview.quote_consent or "background"
        withheld = question_id in personal and consent != "attributable"
        value = row.answer.value
        items.append(
            {
                "row": row,
                "name": view.name(row.interview.id, row.fields),
                "country": view.choice_label("country", row.fields["country"])
                if row.fields.get("country")
                else "",
                "level": view.level(row.fields.get("level"), row.interview.questionnaire_version),
                "role": view.relationship(row.fields),
                "area": view.choice_label("attempted", row.area) if row.area else "",
                "outcome": _outcome(row.outcomes.get(row.area or area), t),
                "consent": consent,
                "withheld": withheld,
                "display": "" if withheld else view.display(row.answer.key, value),
                "quotable": (
                    not withheld
                    and consent in QUOTABLE
                    and view.is_free_text(row.answer.key, value)
                    and bool(value)
                ),
            }
        )
    params = {
        k: v
        for k, v in {
            **filtering.as_params(request.query),
            "question": question_id,
            "area": area,
            "outcome": outcome,
            "q": search,
        }.items()
        if v
    }
    pages = max(1, -(-total // reading_query.PAGE_SIZE))
    failed = request.query.get("quote_error", "")
    quote_error = t(f"error.{failed}") if f"error.{failed}" in KNOWN_ERRORS.values() else ""
    return render(
        request,
        "reading.html",
        {
            "title": t("reading.title"),
            "question_id": question_id,
            "quote_error": quote_error,
            "quote_answer": request.query.get("quote_answer", "") if quote_error else "",
            "question_text": view.question_text(question_id),
            "questions": questions,
            "repeated": repeated,
            "areas": areas,
            "outcomes": [(key, t(f"outcome.{key}")) for key, _ in OUTCOMES],
            "items": items,
            "total": total,
            "page": page,
            "pages": pages,
            "params": params,
            "form": {
                **{k: request.query.get(k, "") for k in filtering.FILTER_KEYS},
                "area": area,
                "outcome": outcome,
                "q": search,
            },
            "choices": await review_query.distinct_values(services.db),
            "levels": view.levels(),
            "tags": await coding_repo.list_tags(services.db),
            "review_statuses": status_labels(t),
            "view": view,
        },
    )


def _outcome(value: object, t: Translate) -> str:
    return t(f"outcome.{value}") if isinstance(value, str) and value else ""
