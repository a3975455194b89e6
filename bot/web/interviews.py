"""The interviews list, one interview's transcript, and coding it (review, tags, quotes)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot import exports
from bot.services import SERVICES
from bot.web import contributions, language, media
from bot.web import filters as filtering
from bot.web.auth import current, requires
from bot.web.language import Translate, language_of, translator
from bot.web.questions import QuestionnaireView
from bot.web.templating import render
from storage import coding_repo, contribution_repo, review_query, staff_repo
from storage.coding_repo import CodingError
from storage.landscape_query import stream_quotes
from storage.media_repo import MediaStore
from storage.staff import REVIEW_STATUSES

STATUS_LABELS = {
    "new": "New",
    "reviewed": "Reviewed",
    "follow_up": "Follow up",
    "excluded": "Excluded",
}


def status_labels(t: Translate) -> dict[str, str]:
    """The review statuses in the reader's language."""
    return {key: t(f"review.{key}") for key in STATUS_LABELS}


CONSENT_ATTRIBUTES = ("quote_consent", "consented_at", "consent_version")


@requires("viewer")
async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/interviews")


@requires("viewer")
async def index(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    t = translator(request)
    chosen = filtering.chosen(request)
    sort = request.query.get("sort", "newest")
    page = filtering.page_number(request.query)
    rows, total = await review_query.interview_page(services.db, chosen, sort, page)
    beside = await contribution_repo.count(services.db, contributions.parse(request.query))
    view = QuestionnaireView(services.questionnaire, language_of(request), t)
    params = filtering.as_params(request.query)
    pages = max(1, -(-total // review_query.PAGE_SIZE))
    return render(
        request,
        "interviews.html",
        {
            "title": t("interviews.title"),
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "sort": sort,
            "sorts": [
                (key, t(f"interviews.sort.{key}"))
                for key in ("newest", "oldest", "updated", "completed")
            ],
            "params": params,
            "form": {k: request.query.get(k, "") for k in filtering.FILTER_KEYS},
            "choices": await review_query.distinct_values(services.db),
            "levels": view.levels(),
            "tags": await coding_repo.list_tags(services.db),
            "review_statuses": status_labels(t),
            "view": view,
            "tabs": {"interviews": total, "contributions": beside},
            "shared": contributions.shared_params(request.query),
        },
    )


async def _load(request: web.Request) -> tuple[Any, Any, Any]:
    found = await review_query.interview_detail(request.app[SERVICES].db, request.match_info["id"])
    if found is None:
        raise web.HTTPNotFound(text="No such interview.")
    return found


def consent_of(interview: Any) -> dict[str, Any]:
    """Consent fields, once the consent feature adds them to the interview row."""
    return {
        name: getattr(interview, name)
        for name in CONSENT_ATTRIBUTES
        if getattr(interview, name, None) is not None
    }


@requires("viewer")
async def show(request: web.Request, *, error: str = "", status: int = 200) -> web.StreamResponse:
    services = request.app[SERVICES]
    interview, respondent, answers = await _load(request)
    staff = current(request)
    t = translator(request)
    view = QuestionnaireView(services.questionnaire, language_of(request), t)
    fields = {a.key: a.value for a in answers if a.key in ("country", "role", "relationship")}
    name = view.name(interview.id, fields)
    order = view.key_order()
    transcript = sorted(answers, key=lambda a: (order.get(a.key, 10_000 + a.position), a.id or 0))
    # Staff see everything, the team's follow-up data included (contact details of people
    # who agreed to talk further): who they are and each personal answer shown is audited.
    personal = exports.personal_ids(services.questionnaire)
    shown = sorted({a.key for a in answers if a.question_id in personal and a.value})
    if shown or (respondent is not None and (respondent.name or respondent.username)):
        await staff_repo.audit(
            services.db,
            staff.username,
            "view_personal_data",
            interview.id,
            services.clock(),
            {"answers": shown} if shown else None,
        )
    files: dict[str, list[dict[str, Any]]] = {}
    for kept in await MediaStore(services.db).for_interviews([interview.id]):
        files.setdefault(kept.answer_key, []).append(media.describe(kept))
    return render(
        request,
        "interview.html",
        {
            "title": t("interview.title", name=name),
            "name": name,
            "interview": interview,
            "respondent": respondent,
            "answers": [
                {
                    "answer": a,
                    "question": a.question_text or view.question_text(a.key),
                    "display": view.display(a.key, a.value),
                    "free_text": view.is_free_text(a.key, a.value),
                    "files": files.get(a.key, []),
                }
                for a in transcript
            ],
            "consent": consent_of(interview),
            "review": await coding_repo.review_of(services.db, interview.id),
            "review_statuses": status_labels(t),
            "tags": await coding_repo.list_tags(services.db),
            "interview_tags": {
                t.id for t in await coding_repo.interview_tags(services.db, interview.id)
            },
            "quotes": await coding_repo.quotes_of(services.db, interview.id),
            "error": error,
        },
        status=status,
    )


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@requires("editor")
async def save_review(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    interview, _, _ = await _load(request)
    form = await request.post()
    status = str(form.get("status", "new"))
    if status not in REVIEW_STATUSES:
        return await show(request, error=translator(request)("error.review_status"), status=400)
    notes = str(form.get("notes", ""))[:20_000]
    await coding_repo.save_review(
        services.db, interview.id, status, notes, current(request).username, services.clock()
    )
    raise web.HTTPSeeOther(f"/interviews/{interview.id}#review")


@requires("editor")
async def save_tags(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    interview, _, _ = await _load(request)
    form = await request.post()
    tag_ids = _ids([str(v) for v in form.getall("tag", [])])
    await coding_repo.set_interview_tags(
        services.db, interview.id, tag_ids, current(request).username, services.clock()
    )
    raise web.HTTPSeeOther(f"/interviews/{interview.id}#tags")


@requires("editor")
async def add_quote(request: web.Request) -> web.StreamResponse:
    """Save a passage; offsets from the JS selection, or found by the server when pasted."""
    services = request.app[SERVICES]
    interview, _, answers = await _load(request)
    form = await request.post()
    key = str(form.get("answer_key", ""))
    view = QuestionnaireView(services.questionnaire)
    if not any(a.key == key and view.is_free_text(a.key, a.value) for a in answers):
        return await show(request, error=translator(request)("error.choose_free_text"), status=400)
    start, end = str(form.get("start", "")), str(form.get("end", ""))
    passage = str(form.get("passage", ""))
    reading = language.ReadingPage.of(str(form.get("next", "")))
    anchor = f"answer-{interview.id}-{key}"
    try:
        await coding_repo.add_quote(
            services.db,
            interview.id,
            key,
            int(start) if start.isdigit() else -1,
            int(end) if end.isdigit() else -1,
            passage,
            _ids([str(v) for v in form.getall("tag", [])]),
            current(request).username,
            services.clock(),
        )
    except CodingError as exc:
        code = language.KNOWN_ERRORS.get(str(exc))
        if reading is not None and code is not None:  # back to the same answer, with the error
            raise web.HTTPSeeOther(
                reading.with_params(quote_error=code.removeprefix("error."), quote_answer=anchor)
                + f"#{anchor}"
            ) from exc
        return await show(
            request, error=language.error_text(translator(request), str(exc)), status=400
        )
    if reading is not None:  # quoted from reading by question: back to the same answer
        raise web.HTTPSeeOther(reading.with_params() + f"#{anchor}")
    raise web.HTTPSeeOther(f"/interviews/{interview.id}#quotes")


@requires("editor")
async def delete_quote(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    quote_id = request.match_info["id"]
    if not quote_id.isdigit():
        raise web.HTTPNotFound()
    quote = await coding_repo.delete_quote(services.db, int(quote_id))
    if quote is None:
        raise web.HTTPNotFound(text="No such quote.")
    await staff_repo.audit(
        services.db,
        current(request).username,
        "delete_quote",
        quote.interview_id,
        services.clock(),
        {"quote_id": quote.id, "answer_key": quote.answer_key},
    )
    raise web.HTTPSeeOther(f"/interviews/{quote.interview_id}#quotes")


@requires("admin")
async def delete(request: web.Request) -> web.StreamResponse:
    """Delete an interview and everything coded on it (e.g. a respondent's erasure request)."""
    services = request.app[SERVICES]
    interview_id = request.match_info["id"]
    if not await review_query.delete_interview(services.db, interview_id):
        raise web.HTTPNotFound(text="No such interview.")
    from storage.media_repo import sweep  # its voice notes and files go with it

    await sweep(services.db, services.settings.media_path)
    await staff_repo.audit(
        services.db, current(request).username, "delete_interview", interview_id, services.clock()
    )
    raise web.HTTPSeeOther("/interviews")


@requires("viewer")
async def quotes(request: web.Request) -> web.StreamResponse:
    """Quotes from the filtered interviews (the landscape matrix links here)."""
    services = request.app[SERVICES]
    chosen = filtering.chosen(request)
    tag = chosen.tag
    found = []
    async for batch in stream_quotes(services.db, chosen, tag_id=tag):
        found.extend(batch)
        if len(found) >= 500:
            break
    view = QuestionnaireView(services.questionnaire, language_of(request), translator(request))
    return render(
        request,
        "quotes.html",
        {
            "title": translator(request)("nav.quotes"),
            "rows": found[:500],
            "params": filtering.as_params(request.query),
            "view": view,
            "tags": await coding_repo.list_tags(services.db),
            "form": {k: request.query.get(k, "") for k in filtering.FILTER_KEYS},
        },
    )
