"""The staff app reads answers of both questionnaire versions by question key, and the
landscape says where the versions' questions mean the same and where they do not."""

from __future__ import annotations

from html import unescape

from aiohttp.test_utils import TestClient

from tests.web.conftest import login
from tests.web.seed import add_interview, typical

V2 = {
    "relationship": "partner",
    "organisation": "Unit Two",
    "country": "CA",
    "attempted": ["platforms", "sign_in"],
    "outcome@platforms": "success",
    "outcome@sign_in": "dont_know",
    "user_testing": "dont_know",
    "effort_split": 4,
    "mattered_most": "The sign-in service, because every department used it.",
}


async def test_landscape_counts_both_versions_and_says_what_compares(client: TestClient, db):
    await add_interview(db, 1, typical(1))  # version 1 keys: level, trait_centre, ...
    await add_interview(db, 2, V2)
    await add_interview(db, 3, {**V2, "user_testing": 5, "outcome@platforms": "success"})
    await login(client, "viewer")
    page = await (await client.get("/landscape")).text()
    # the same outcome question in both versions: platforms/success counts all three
    assert "/quotes?area=platforms&amp;outcome=success" in page
    assert ">3<" in page
    assert "counts add up across versions" in page
    assert "Citizen account or sign-in" in page and "earlier interviews cannot have them" in page
    # version 2's behaviour scale, labelled, with Don't know ...
    assert "how often was it tested with the people who would use it" in page
    assert "Always" in page and "Don&#39;t know" in page
    assert "not comparable with the earlier agreement scales" in page
    # ... and version 1's agreement scale, said to be version 1 only and not comparable
    assert "It works from the centre of government" in page
    assert "Version 2026.1 only" in page
    assert "Only questionnaire version 2026.1 asks the level of government" in page


async def test_interview_pages_show_each_versions_answers_by_key(client: TestClient, db):
    await add_interview(db, 1, typical(1))
    await add_interview(db, 2, V2)
    await login(client, "viewer")
    old = await (await client.get("/interviews/iv00001")).text()
    # "level" is only in version 1: its choice id still reads as version 1's label
    assert "Question level" in old and ">National<" in old.replace("\n", "").replace(" ", "")
    assert 'data-answer-key="biggest_success"' in old
    new = await (await client.get("/interviews/iv00002")).text()
    assert 'data-answer-key="mattered_most"' in new
    assert "Partner department or service" in new  # a v2 choice id shown as its label
    assert "4 · Mostly services" in new  # a labelled scale point
    assert "Don&#39;t know" in new


async def test_the_landscape_says_what_compares_in_welsh(client: TestClient, db):
    await add_interview(db, 1, typical(1))
    await add_interview(db, 2, V2)
    csrf = await login(client, "viewer")
    await client.post("/account/language", data={"csrf_token": csrf, "language": "cy"})
    page = unescape(await (await client.get("/landscape")).text())
    assert '<html lang="cy"' in page
    assert "felly mae'r cyfrifon yn adio ar draws fersiynau" in page
    assert "Fersiwn 2026.1 yn unig" in page
    assert "Dim ond fersiwn 2026.1 o'r holiadur sy'n gofyn am lefel llywodraeth" in page
    assert "counts add up" not in page and "Version 2026.1 only" not in page
    assert "Ddim yn gwybod" in page  # the outcome column
