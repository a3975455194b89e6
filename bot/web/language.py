"""The staff app in Welsh and English: each person's language, and the words in it.

Staff strings live in `prompts/staff.en.yaml` and `staff.cy.yaml` beside the questionnaire,
checked for parity and staleness by `dgu-bot questionnaire check` like the bot's own UI strings
(docs/adr/0005-staff-app-languages.md). A signed-in person's choice is kept on their account;
before signing in, `?lang=cy` picks the language of the sign-in page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from aiohttp import web

from bot.interview import Catalogue, load_catalogue
from bot.services import SERVICES
from bot.web import security
from bot.web.auth import STAFF, current, requires
from storage import staff_repo

CATALOGUE = web.AppKey("staff_catalogue", Catalogue)
LANGUAGES: tuple[str, ...] = ("en", "cy")
#: the `lang` attribute of each language (GOV.UK Frontend's own pages use these)
HTML_LANG = {"en": "en-GB", "cy": "cy"}
PROMPTS = Path(__file__).resolve().parents[2] / "prompts"

Translate = Callable[..., str]


def setup(app: web.Application) -> None:
    """Load the staff catalogue beside the configured questionnaire (or the project's own)."""
    configured = Path(app[SERVICES].settings.questionnaire)
    source = configured if (configured.parent / "staff.en.yaml").exists() else PROMPTS / "x.yaml"
    app[CATALOGUE] = load_catalogue(source, "staff")


#: the language chosen before signing in (`?lang=cy` on the sign-in page), kept for a year
COOKIE = "dgu_staff_lang"
#: a language a view has read from a form (the sign-in form's hidden `lang`)
CHOSEN = web.RequestKey("staff_language_chosen", str)


def language_of(request: web.Request) -> str:
    """The signed-in person's choice; before sign-in `?lang=`, then the language cookie the
    sign-in page set, then the browser's Accept-Language (Welsh when preferred to English)."""
    staff = request.get(STAFF)
    if staff is not None:
        return staff.language if staff.language in LANGUAGES else "en"
    for asked in (
        request.query.get("lang", ""),
        request.get(CHOSEN, ""),
        request.cookies.get(COOKIE, ""),
    ):
        if asked in LANGUAGES:
            return asked
    return preferred(request.headers.get("Accept-Language", ""))


def preferred(header: str) -> str:
    """The first of our languages in an Accept-Language header, by weight; English if none."""
    best, weight = "en", 0.0
    for item in header.split(",")[:20]:
        tag, _, params = item.strip().partition(";")
        code = tag.strip().lower().split("-", 1)[0]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:7])
            except ValueError:
                q = 0.0
        if code in LANGUAGES and q > weight:
            best, weight = code, q  # equal weights: the first listed wins
    return best


def remember(response: web.StreamResponse, request: web.Request) -> None:
    """Keep a language chosen before sign-in (`?lang=`) for the next pages, errors included."""
    asked = request.query.get("lang", "") or request.get(CHOSEN, "")
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        security.set_cookie(response, request, COOKIE, asked, max_age=365 * 24 * 3600)


def translator(request: web.Request) -> Translate:
    """`t(key, **params)` in the language of whoever is asking."""
    catalogue = request.app[CATALOGUE]
    lang = language_of(request)

    def t(key: str, **params: object) -> str:
        return catalogue.text(lang, key, **params)

    return t


#: messages raised in English by storage and account code (which know no languages), by key
KNOWN_ERRORS: dict[str, str] = {
    "That tag no longer exists": "error.tag_gone",
    "Choose two different tags to merge": "error.merge_same",
    "Passages can only be taken from free-text answers": "error.passage_free_text",
    "Select or paste a passage of the answer": "error.passage_empty",
    "The passage must be copied exactly from the answer": "error.passage_exact",
}
_TAG_TAKEN = re.compile(r"^A tag called “(?P<label>.*)” already exists$")


def error_text(t: Translate, message: str) -> str:
    """A storage or account message in the reader's language, when it is one we know."""
    if message in KNOWN_ERRORS:
        return t(KNOWN_ERRORS[message])
    taken = _TAG_TAKEN.match(message)
    if taken:
        return t("error.tag_taken", label=taken["label"])
    return message


class ReadingPage:
    """The reading-by-question page a quote form came from, to go back to it."""

    def __init__(self, params: list[tuple[str, str]]) -> None:
        self.params = [(k, v) for k, v in params if k not in ("quote_error", "quote_answer")]

    @classmethod
    def of(cls, target: str) -> ReadingPage | None:
        path = local_path(target)
        parts = urlsplit(path)
        if parts.path != "/reading":
            return None
        return cls(parse_qsl(parts.query, keep_blank_values=False))

    def with_params(self, **extra: str) -> str:
        query = urlencode([*self.params, *extra.items()])
        return "/reading" + (f"?{query}" if query else "")


def local_path(target: str) -> str:
    """Only a local path, so the switch can't send anyone elsewhere."""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return "/interviews"
    if "\\" in target or "\r" in target or "\n" in target:
        return "/interviews"
    return target


@requires("viewer")
async def switch(request: web.Request) -> web.StreamResponse:
    """Keep the chosen language on the staff account, then go back to the same page."""
    form = await request.post()
    language = str(form.get("language", ""))
    if language not in LANGUAGES:
        raise web.HTTPBadRequest(text="Choose en or cy.")
    await staff_repo.set_language(request.app[SERVICES].db, current(request).user_id, language)
    raise web.HTTPSeeOther(local_path(str(form.get("next", ""))))
