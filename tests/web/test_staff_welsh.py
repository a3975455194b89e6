"""Every staff page in Welsh says nothing in English: walk them all as a Welsh-speaking admin
and fail on any English staff-catalogue text (or known English-only message) in what the
page shows, attributes a screen reader reads included. Error pages (400, 403, 404, 405, the
sign-in failures) in both languages, signed in and out."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.interview import load_catalogue
from bot.mentions.scoring import score_text
from bot.web import errors
from bot.web.accounts import AccountError, check_account
from storage import coding_repo, matrix_query
from storage.media_repo import MediaStore
from storage.mentions import Lead
from storage.models import Media
from tests.web.conftest import PASSWORD, csrf_of, login
from tests.web.seed import add_interview, add_lead, typical

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(ROOT / "prompts" / "dgu_landscape.yaml", "staff")
WHEN = datetime(2026, 3, 2, tzinfo=UTC)
#: English that must never reach a Welsh page, beyond the catalogue's own texts: what the
#: code used to say before it was translated
ENGLISH_ONLY = (
    "No such interview",
    "No such quote",
    "Not allowed",
    "Check the address",
    "Sign in first",
    "Status set to",
    "names a unit",
    "digital government vocabulary",
    "looks like spam",
    "very short",
    "Not Found",
    "Bad Request",
    "The form had expired",
    "must be a whole number",
)
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_TAG = re.compile(r"<[^>]+>")
_ATTRIBUTE = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')


def english_fragments() -> dict[str, str]:
    """Each English catalogue text, split at its placeholders, by fragment: the pieces long
    and distinctive enough that finding one on a Welsh page means the English leaked."""
    found: dict[str, str] = {}
    for key, english in CATALOGUE.texts["en"].items():
        welsh = CATALOGUE.texts["cy"][key]
        for piece in _PLACEHOLDER.split(english):
            piece = piece.strip(" ,.:;()“”'\"-–—·")
            if len(piece) < 9 or " " not in piece or piece in welsh:
                continue  # short or shared (names, codes, "CDPS · ...")
            found[piece] = key
    return found


FRAGMENTS = english_fragments()


def shown_text(html: str) -> str:
    """What a reader sees or hears: text outside tags (scripts, styles and the hidden
    language-switch button's own name aside) and the attributes read aloud."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r'(?s)<[^>]*\blang="en"[^>]*>[^<]*<', " <", html)  # "English" switch link
    said = " ".join(_ATTRIBUTE.findall(html))
    return unescape(_TAG.sub(" ", html) + " " + said)


def english_in(html: str) -> list[str]:
    text = " ".join(shown_text(html).split())
    leaks = [f"{piece!r} ({key})" for piece, key in FRAGMENTS.items() if piece in text]
    leaks += [repr(words) for words in ENGLISH_ONLY if words in text]
    return leaks


async def _seed(db) -> dict[str, str]:
    tag = await coding_repo.create_tag(db, "Shared platforms", "Platfformau a rennir", "")
    for n in (1, 2, 3):
        await add_interview(
            db,
            n,
            {**typical(n), "difference@platforms": f"Platform story {n}.", "role": "CDO"},
            quote_consent=("anonymised", "attributable", "background")[n - 1],
            name=f"Person {n}",
        )
        await coding_repo.add_quote(
            db, f"iv{n:05d}", "difference@platforms", -1, -1, "Platform story", [tag], "e", WHEN
        )
    for kind, mime, transcript in (
        ("voice", "audio/ogg", "Machine words"),
        ("video_note", "video/mp4", None),
        ("photo", "image/jpeg", None),
        ("document", "application/pdf", None),
    ):
        await MediaStore(db).add(
            Media(
                interview_id="iv00001",
                answer_key="biggest_success",
                kind=kind,
                mime_type=mime,
                size=2048,
                duration=42 if kind in ("voice", "video_note") else None,
                sha256="0" * 64,
                file_id=f"F{kind}",
                file_unique_id=f"U{kind}",
                path=f"iv00001/{kind}.bin",
                transcript=transcript,
                transcript_source="machine" if transcript else None,
            )
        )
    await matrix_query.save_cell(db, "iv00001", "q:mattered_most", "Crynodeb", "admin", WHEN)
    lead = await add_lead(db, 1, "Happy to help: GDS and service design in the UK? #govtech")
    async with db.transaction() as session:
        row = await session.get(Lead, lead)
        scored = score_text(row.text, author_description="user research")
        row.reasons, row.score = [*scored.reasons, "-1 very short (3 words)"], scored.value
    return {"lead": str(lead), "tag": str(tag)}


async def _welsh_admin(client: TestClient) -> str:
    csrf = await login(client, "admin")
    await client.post("/account/language", data={"csrf_token": csrf, "language": "cy"})
    return csrf


async def test_every_staff_page_in_welsh_has_no_english(client: TestClient, db) -> None:
    ids = await _seed(db)
    await _welsh_admin(client)
    pages = [
        "/interviews",
        "/interviews?tag=" + ids["tag"],
        "/interviews/iv00001",
        "/interviews/iv00003",
        "/reading",
        "/reading?question=difference&area=platforms",
        "/matrix",
        "/matrix?col=tag:" + ids["tag"] + "&col=q:level",
        "/matrix/cell?interview=iv00001&column=q:mattered_most",
        "/themes",
        "/contributions",
        "/contributions/" + ids["lead"],
        "/quotes",
        "/landscape",
        "/codebook",
        "/codebook?notice=merged",
        "/codebook?notice=imported&new=2&updated=1",
        "/mentions",
        "/mentions/leads/" + ids["lead"],
        "/mentions/leads/" + ids["lead"] + "?message=status_dismissed",
        "/mentions/leads/" + ids["lead"] + "?message=not_sent&detail=too_long",
        "/mentions/usage",
        "/staff",
        "/audit",
    ]
    problems: dict[str, list[str]] = {}
    for path in pages:
        response = await client.get(path)
        assert response.status == 200, path
        html = await response.text()
        assert '<html lang="cy"' in html, path
        leaks = english_in(html)
        if leaks:
            problems[path] = leaks
    assert problems == {}
    audit = unescape(await (await client.get("/audit")).text())
    assert "wedi gweld data personol" in audit and "view personal data" not in audit
    imported = await client.get("/codebook?notice=imported&new=2&updated=1")
    assert "Wedi mewnforio: 2 newydd, 1 wedi'u diweddaru" in unescape(await imported.text())
    forged = await client.get("/codebook?notice=<b>Imported:+all</b>")
    assert "Imported" not in shown_text(await forged.text())
    files = unescape(await (await client.get("/interviews/iv00001")).text())
    assert "Neges lais" in files and "Trawsgrifiad peiriant" in files and "Cywiro'r" in files
    assert 'alt="Llun a anfonwyd fel yr ateb i biggest_success"' in files
    lead = unescape(await (await client.get("/mentions/leads/" + ids["lead"])).text())
    assert "+2 yn enwi uned: 'GDS'" in lead and "-1 byr iawn (3 gair)" in lead
    flash = await client.get("/mentions/leads/" + ids["lead"] + "?message=not_sent&detail=cap")
    assert "Heb ei anfon: cyrhaeddwyd y terfyn dyddiol" in unescape(await flash.text())


async def test_the_walk_would_catch_english(client: TestClient, db) -> None:
    """The check can fail: the same pages in English are full of catalogue English."""
    await _seed(db)
    await login(client, "admin")
    html = await (await client.get("/mentions/leads/1")).text()
    assert any("names a unit" in leak for leak in english_in(html))
    assert len(english_in(await (await client.get("/interviews")).text())) > 5


@pytest.mark.parametrize("lang", ["en", "cy"])
async def test_error_pages_signed_in(client: TestClient, db, lang: str) -> None:
    await add_interview(db, 1, typical(1))
    csrf = await login(client, "viewer")
    await client.post("/account/language", data={"csrf_token": csrf, "language": lang})
    t = lambda key, **p: CATALOGUE.text(lang, key, **p)  # noqa: E731
    cases = [
        ("/interviews/iv09999", 404, t("error.title.404"), t("error.no_interview")),
        ("/no/such/page", 404, t("error.title.404"), t("error.message.404")),
        ("/interviews?page=abc", 400, t("error.title.400"), "page"),
        ("/interviews?since=2026-03-02&until=2026-03-01", 400, "", t("error.since_until")),
        ("/staff", 403, t("error.title.403"), t("error.needs_role", role=t("role.admin"),
                                                 current=t("role.viewer"))),
        ("/logout", 405, t("error.title.405"), t("error.message.405")),
    ]  # fmt: skip
    for path, status, title, message in cases:
        response = await client.get(path)
        html = unescape(await response.text())
        assert response.status == status, path
        assert response.content_type == "text/html", path
        assert f'<html lang="{"cy" if lang == "cy" else "en-GB"}"' in html, path
        assert f'<h1 class="govuk-heading-l">{title}' in html, path
        assert message in html, path
        assert "govuk-template" in html and "/static/govuk/" in html
        if lang == "cy":
            assert english_in(html) == [], path
    forged = await client.post("/account/language", data={"csrf_token": "x", "language": "en"})
    assert forged.status == 403
    body = unescape(await forged.text())
    assert t("error.csrf") in body, body[body.find("<main") :][:600]


@pytest.mark.parametrize("lang", ["en", "cy"])
async def test_error_pages_signed_out_follow_the_browser_or_the_choice(
    client: TestClient, lang: str
) -> None:
    accept = "cy-GB,cy;q=0.9,en;q=0.5" if lang == "cy" else "en-GB,en;q=0.9,cy;q=0.2"
    t = lambda key, **p: CATALOGUE.text(lang, key, **p)  # noqa: E731
    missing = await client.get("/nothing", headers={"Accept-Language": accept})
    html = unescape(await missing.text())
    assert missing.status == 404 and t("error.title.404") in html
    assert t("error.sign_in") in html and (lang == "en" or english_in(html) == [])
    unsigned = await client.post("/interviews/iv00001/review", headers={"Accept-Language": accept})
    assert unsigned.status in (401, 403)
    assert f'<html lang="{"cy" if lang == "cy" else "en-GB"}"' in await unsigned.text()
    # a choice made on the sign-in page beats the browser, and is kept for the next pages
    other = "en" if lang == "cy" else "cy"
    await client.get(f"/login?lang={other}", headers={"Accept-Language": accept})
    again = unescape(
        await (await client.get("/nothing", headers={"Accept-Language": accept})).text()
    )
    assert CATALOGUE.text(other, "error.title.404") in again


@pytest.mark.parametrize("lang", ["en", "cy"])
async def test_sign_in_failures_in_the_chosen_language(client: TestClient, lang: str) -> None:
    page = await client.get(f"/login?lang={lang}")
    token = csrf_of(await page.text())
    form = {"username": "viewer", "password": "wrong", "csrf_token": token, "lang": lang}
    wrong = unescape(await (await client.post("/login", data=form)).text())
    assert CATALOGUE.text(lang, "login.wrong") in wrong
    assert CATALOGUE.text(lang, "error.problem") in wrong
    for _ in range(6):
        last = await client.post("/login", data=form)
    assert last.status == 429
    assert CATALOGUE.text(lang, "login.too_many") in unescape(await last.text())
    if lang == "cy":
        assert english_in(wrong) == []
    fine = await client.post(
        "/login",
        data={**form, "username": "admin", "password": PASSWORD},
        allow_redirects=False,
    )
    assert fine.status == 303


async def test_account_rules_on_the_staff_page_in_welsh(client: TestClient) -> None:
    csrf = await _welsh_admin(client)
    for data, key, params in (
        ({"username": "new person", "password": PASSWORD}, "account.username", {}),
        ({"username": "newperson", "password": "short"}, "account.password", {"minimum": 12}),
        ({"username": "newperson", "password": PASSWORD, "role": "boss"}, "error.choose_role", {}),
    ):
        response = await client.post("/staff", data={"csrf_token": csrf, "role": "viewer", **data})
        html = unescape(await response.text())
        assert response.status == 400
        assert CATALOGUE.text("cy", key, **params) in html and english_in(html) == []
    with pytest.raises(AccountError, match="password must be at least 12 characters"):
        check_account("someone", "short", "viewer")  # the console keeps its English line


def _raised_texts() -> list[str]:
    """Every literal English text raised as an HTTP error or BadQuery in bot/web and the
    mention pages (f-strings with their values as `x`)."""
    texts: list[str] = []
    for path in [*(ROOT / "bot" / "web").glob("*.py"), ROOT / "bot" / "mentions" / "views.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if not (name.startswith("HTTP") or name == "BadQuery"):
                continue
            args = [k.value for k in node.keywords if k.arg == "text"] + list(node.args[:1])
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    texts.append(arg.value)
                elif isinstance(arg, ast.JoinedStr):
                    texts.append(
                        "".join(v.value if isinstance(v, ast.Constant) else "x" for v in arg.values)
                    )
    return texts


def test_every_raised_message_has_a_translation() -> None:
    texts = [t for t in _raised_texts() if not t.startswith("/")]  # redirects' locations
    assert len(texts) >= 15
    unknown = [t for t in texts if not any(p.fullmatch(t) for p, _ in errors.MESSAGES)]
    assert unknown == []
    for _, key in errors.MESSAGES:
        assert key in CATALOGUE.texts["cy"]
