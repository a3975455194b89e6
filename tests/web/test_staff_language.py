"""Staff pages in Welsh and English: the choice is kept on the account, every page follows it,
and the staff strings are checked like the interview's (parity, placeholders, staleness)."""

from __future__ import annotations

import shutil
from html import unescape
from pathlib import Path

from aiohttp.test_utils import TestClient

from bot.interview import check_questionnaire, load_catalogue
from storage import staff_repo
from tests.web.conftest import csrf_of, login
from tests.web.seed import add_interview, typical

ROOT = Path(__file__).resolve().parents[2]


async def test_switching_to_welsh_is_kept_on_the_account(client: TestClient, db) -> None:
    await add_interview(db, 1, {**typical(1), "role": "Prif swyddog digidol"})
    csrf = await login(client, "viewer")
    english = await (await client.get("/interviews")).text()
    assert '<html lang="en-GB"' in english and "Apply filters" in english
    response = await client.post(
        "/account/language",
        data={"csrf_token": csrf, "language": "cy", "next": "/interviews?country=GB"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/interviews?country=GB"
    user = await staff_repo.find_user(db, "viewer")
    assert user is not None and user.language == "cy"
    welsh = unescape(await (await client.get("/interviews")).text())
    assert '<html lang="cy"' in welsh
    assert "Defnyddio'r hidlwyr" in welsh and "Apply filters" not in welsh
    assert "Cyfweliadau" in welsh and "Allgofnodi" in welsh
    assert "Y Deyrnas Unedig" in welsh or "Teyrnas Unedig" in welsh  # country in Welsh
    reading = unescape(await (await client.get("/reading")).text())
    assert "Darllen fesul cwestiwn" in reading and "Reading by question" not in reading
    # a new session keeps the choice
    await client.post("/logout", data={"csrf_token": csrf_of(welsh)})
    await login(client, "viewer")
    assert '<html lang="cy"' in await (await client.get("/interviews")).text()


async def test_the_switch_needs_csrf_and_a_known_language(client: TestClient, db) -> None:
    csrf = await login(client, "viewer")
    forged = await client.post("/account/language", data={"csrf_token": "x", "language": "cy"})
    assert forged.status == 403
    unknown = await client.post("/account/language", data={"csrf_token": csrf, "language": "fr"})
    assert unknown.status == 400
    away = await client.post(
        "/account/language",
        data={"csrf_token": csrf, "language": "cy", "next": "https://evil.example/"},
        allow_redirects=False,
    )
    assert away.headers["Location"] == "/interviews"
    user = await staff_repo.find_user(db, "viewer")
    assert user is not None and user.language == "cy"


async def test_the_sign_in_page_in_welsh(client: TestClient) -> None:
    html = unescape(await (await client.get("/login?lang=cy")).text())
    assert '<html lang="cy"' in html and "Cyfrinair" in html and "Password" not in html


async def test_interviews_are_named_by_role_country_and_short_id(client: TestClient, db) -> None:
    await add_interview(db, 1, {**typical(1), "role": "Head of digital, tax office"})
    await login(client, "viewer")
    html = await (await client.get("/interviews")).text()
    assert ">Head of digital, tax office · United Kingdom · iv00001</a>" in html


def test_every_staff_string_has_a_current_welsh_translation() -> None:
    assert check_questionnaire(ROOT / "prompts" / "dgu_landscape.yaml") == []
    catalogue = load_catalogue(ROOT / "prompts" / "dgu_landscape.yaml", "staff")
    assert set(catalogue.texts["cy"]) == set(catalogue.texts["en"])
    assert catalogue.text("cy", "reading.count", count=3) == "3 ateb"


def test_the_check_reports_a_stale_or_missing_staff_translation(tmp_path: Path) -> None:
    for name in ("dgu_landscape.yaml", "dgu_landscape.cy.yaml", "ui.en.yaml", "ui.cy.yaml"):
        shutil.copy(ROOT / "prompts" / name, tmp_path / name)
    english = (ROOT / "prompts" / "staff.en.yaml").read_text(encoding="utf-8")
    english = english.replace('"Sign out"', '"Sign out now"')
    (tmp_path / "staff.en.yaml").write_text(english, encoding="utf-8")
    problems = check_questionnaire(tmp_path / "dgu_landscape.yaml")
    assert any("missing staff strings file for language 'cy'" in p for p in problems)
    shutil.copy(ROOT / "prompts" / "staff.cy.yaml", tmp_path / "staff.cy.yaml")
    problems = check_questionnaire(tmp_path / "dgu_landscape.yaml")
    assert len(problems) == 1 and "stale cy translation of 'layout.sign_out'" in problems[0]


async def test_error_messages_in_welsh(client: TestClient, db) -> None:
    await add_interview(db, 1, typical(1))
    csrf = await login(client, "editor")
    await client.post("/account/language", data={"csrf_token": csrf, "language": "cy"})
    response = await client.post(
        "/interviews/iv00001/quotes",
        data={"csrf_token": csrf, "answer_key": "biggest_success", "passage": "not in it"},
    )
    html = unescape(await response.text())
    assert response.status == 400
    assert "Rhaid copïo'r darn yn union o'r ateb" in html and "Mae problem" in html
    await client.post("/codebook", data={"csrf_token": csrf, "label_en": "Delivery"})
    again = await client.post("/codebook", data={"csrf_token": csrf, "label_en": "Delivery"})
    assert "Mae tag o'r enw “Delivery” yn bodoli eisoes" in unescape(await again.text())
