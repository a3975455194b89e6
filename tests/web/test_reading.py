"""Reading by question: every answer side by side, filtered, searched, quoted in place, with
consent honoured (personal answers withheld, background-only never offered for quoting)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from storage import coding_repo
from tests.web.conftest import csrf_of, login
from tests.web.seed import add_interview, typical
from tests.web.test_matrix import any_client, any_db  # noqa: F401 - both backends


def _with(n: int, **answers: object) -> dict[str, object]:
    return {**typical(n), "role": f"Head of service {n}", **answers}


async def _seed(db) -> None:
    await add_interview(
        db,
        1,
        _with(1, **{"difference@platforms": "Shared platforms failed: no funding after year one."}),
        quote_consent="anonymised",
    )
    await add_interview(
        db,
        2,
        _with(
            2,
            **{
                "outcome@platforms": "failure",
                "difference@platforms": "The platform team was disbanded; nobody owned it.",
            },
        ),
        quote_consent="background",
    )
    await add_interview(
        db,
        3,
        _with(3, **{"difference@data": "Data sharing agreements took two years."}),
        quote_consent="attributable",
        status="withdrawn",
    )


async def test_every_answer_to_a_repeat_question_with_who_gave_it(client: TestClient, db) -> None:
    await _seed(db)
    await login(client, "viewer")
    page = await client.get("/reading", params={"question": "difference"})
    html = await page.text()
    assert page.status == 200
    assert "no funding after year one" in html
    assert "nobody owned it" in html
    assert "Data sharing agreements" not in html  # withdrawn: never read again
    assert "Head of service 1" in html and "United Kingdom" in html and "Estonia" in html
    assert "2 answers" in html
    assert "Digital Unit" not in html  # the organisation is not shown as context


async def test_outcome_filters_by_the_answers_own_area(client: TestClient, db) -> None:
    await _seed(db)
    await login(client, "viewer")
    page = await client.get(
        "/reading", params={"question": "difference", "area": "platforms", "outcome": "failure"}
    )
    html = await page.text()
    assert "nobody owned it" in html
    assert "no funding after year one" not in html
    assert "1 answer" in html


async def test_search_looks_in_the_answer(client: TestClient, db) -> None:
    await _seed(db)
    await login(client, "viewer")
    html = await (
        await client.get("/reading", params={"question": "difference", "q": "DISBANDED"})
    ).text()
    assert "nobody owned it" in html and "no funding" not in html


async def test_interview_list_filters_carry_over(client: TestClient, db) -> None:
    await _seed(db)
    await login(client, "viewer")
    html = await (
        await client.get("/reading", params={"question": "difference", "country": "EE"})
    ).text()
    assert "nobody owned it" in html and "no funding" not in html  # interview 2 is in EE


async def test_personal_answers_are_withheld_without_attributable_consent(
    client: TestClient, db
) -> None:
    await _seed(db)
    await add_interview(db, 4, _with(4), quote_consent="attributable")
    await login(client, "editor")
    html = await (await client.get("/reading", params={"question": "organisation"})).text()
    assert "Digital Unit 4" in html  # attributable: shown
    assert "Digital Unit 1" not in html and "Digital Unit 2" not in html
    assert html.count("did not agree to be named") == 2
    assert "user1" not in html and "user4" not in html  # never a Telegram name


async def test_quote_inline_and_come_back_to_the_same_page(client: TestClient, db) -> None:
    await _seed(db)
    tag = await coding_repo.create_tag(db, "Shared platforms", "Platfformau a rennir", "")
    csrf = await login(client, "editor")
    url = "/reading?question=difference&area=platforms"
    html = await (await client.get(url)).text()
    # background-only: no quote form for interview 2; anonymised interview 1 has one
    assert html.count('action="/interviews/iv00001/quotes"') == 1
    assert 'action="/interviews/iv00002/quotes"' not in html
    assert "did not agree to be quoted" in html
    response = await client.post(
        "/interviews/iv00001/quotes",
        data={
            "csrf_token": csrf_of(html),
            "answer_key": "difference@platforms",
            "passage": "no funding after year one",
            "tag": str(tag),
            "next": url,
        },
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == url + "#answer-iv00001-difference@platforms"
    quotes = await coding_repo.quotes_of(db, "iv00001")
    assert [(q.text, [t.id for t in tags]) for q, tags in quotes] == [
        ("no funding after year one", [tag])
    ]
    assert csrf  # the session's token was used


async def test_quote_needs_csrf_and_the_editor_role(client: TestClient, db) -> None:
    await _seed(db)
    csrf = await login(client, "viewer")
    data = {"answer_key": "difference@platforms", "passage": "no funding", "next": "/reading"}
    assert (
        await client.post("/interviews/iv00001/quotes", data={**data, "csrf_token": csrf})
    ).status == 403
    viewer_page = await (await client.get("/reading?question=difference")).text()
    assert "no funding after year one" in viewer_page
    assert 'action="/interviews/iv00001/quotes"' not in viewer_page
    await client.post("/logout", data={"csrf_token": csrf})
    await login(client, "editor")
    forged = await client.post("/interviews/iv00001/quotes", data={**data, "csrf_token": "forged"})
    assert forged.status == 403
    assert await coding_repo.quotes_of(db, "iv00001") == []


async def test_an_open_redirect_is_not_possible(client: TestClient, db) -> None:
    await _seed(db)
    csrf = await login(client, "editor")
    response = await client.post(
        "/interviews/iv00001/quotes",
        data={
            "csrf_token": csrf,
            "answer_key": "difference@platforms",
            "passage": "no funding",
            "next": "//evil.example/reading",
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/interviews/iv00001#quotes"


async def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    response = await client.get("/reading", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/login")


async def test_outcome_and_search_on_each_backend(any_client: TestClient, any_db) -> None:  # noqa: F811
    await _seed(any_db)
    await login(any_client, "viewer")
    html = await (
        await any_client.get(
            "/reading",
            params={"question": "difference", "area": "platforms", "outcome": "failure"},
        )
    ).text()
    assert "nobody owned it" in html and "no funding" not in html
    html = await (
        await any_client.get("/reading", params={"question": "difference", "q": "FUNDING"})
    ).text()
    assert "no funding after year one" in html and "nobody owned it" not in html
    html = await (
        await any_client.get("/reading", params={"question": "difference", "outcome": "success"})
    ).text()
    assert "no funding after year one" in html and "nobody owned it" not in html


async def test_a_failed_quote_comes_back_to_the_same_answer_with_the_error(
    client: TestClient, db
) -> None:
    await _seed(db)
    csrf = await login(client, "editor")
    url = "/reading?question=difference&area=platforms"
    response = await client.post(
        "/interviews/iv00001/quotes",
        data={
            "csrf_token": csrf,
            "answer_key": "difference@platforms",
            "passage": "words the respondent never wrote",
            "next": url + "&quote_error=passage_empty",  # a stale error is replaced
        },
        allow_redirects=False,
    )
    assert response.status == 303
    location = response.headers["Location"]
    assert location == (
        url + "&quote_error=passage_exact&quote_answer=answer-iv00001-difference@platforms"
        "#answer-iv00001-difference@platforms"
    )
    html = await (await client.get(location.split("#")[0])).text()
    assert "govuk-error-summary" in html
    assert html.count("The passage must be copied exactly from the answer") == 2
    assert '<details class="govuk-details app-details--compact" open>' in html
    assert await coding_repo.quotes_of(db, "iv00001") == []
    unknown = await client.get(url + "&quote_error=<script>")
    assert "govuk-error-summary" not in await unknown.text()
