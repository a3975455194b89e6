"""Finding an ISO 3166-1 country from what a respondent types, in English or Welsh.

Wales, Scotland, England and Northern Ireland are not ISO 3166-1 countries: typing any of them
(or Cymru, Yr Alban, ...) finds GB, and GB is what is stored. The unit's own name (asked in the
same section) says which nation; subdivision codes would split the export's country column.
"""

from __future__ import annotations

import gettext
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import pycountry
from rapidfuzz import fuzz, process

# The review's example countries, one tap away.
EXAMPLES: tuple[str, ...] = ("GB", "US", "CA", "AU", "EE", "AR", "KR")

_DISPLAY: dict[str, dict[str, str]] = {
    "en": {
        "GB": "United Kingdom",
        "US": "United States",
        "KR": "South Korea",
        "KP": "North Korea",
        "RU": "Russia",
        "IR": "Iran",
        "TW": "Taiwan",
        "VN": "Vietnam",
        "BO": "Bolivia",
        "VE": "Venezuela",
        "TZ": "Tanzania",
        "SY": "Syria",
        "LA": "Laos",
        "MD": "Moldova",
        "CZ": "Czechia",
    },
    "cy": {
        "GB": "Y Deyrnas Unedig",
        "US": "Unol Daleithiau America",
        "KR": "De Corea",
        "KP": "Gogledd Corea",
        "RU": "Rwsia",
        "EE": "Estonia",
        "TW": "Taiwan",
        "VN": "Fietnam",
        "IR": "Iran",
        "CZ": "Tsiecia",
        "MD": "Moldofa",
    },
}

_ALIASES: dict[str, str] = {
    # United Kingdom and its nations
    "uk": "GB",
    "u k": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "cymru": "GB",
    "lloegr": "GB",
    "yr alban": "GB",
    "alban": "GB",
    "gogledd iwerddon": "GB",
    "prydain": "GB",
    "prydain fawr": "GB",
    "y du": "GB",
    # United States
    "usa": "US",
    "us": "US",
    "u s a": "US",
    "america": "US",
    "united states of america": "US",
    "unol daleithiau": "US",
    "uda": "US",
    # Korea
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "de corea": "KR",
    "corea": "KR",
    "north korea": "KP",
    # others commonly typed
    "holland": "NL",
    "uae": "AE",
    "emirates": "AE",
    "czech republic": "CZ",
    "ivory coast": "CI",
    "burma": "MM",
    "eesti": "EE",
    "new zealand": "NZ",
    "aotearoa": "NZ",
    "russia": "RU",
    "vatican": "VA",
    "siapan": "JP",
    "tsieina": "CN",
}


#: names two countries answer to: typed, both are offered (never one taken as meant)
_AMBIGUOUS: dict[str, tuple[str, ...]] = {"congo": ("CD", "CG")}


@dataclass(frozen=True, slots=True)
class Match:
    code: str
    score: float


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-blind form used for matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(kept.split())


@lru_cache(maxsize=4)
def _translator(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def is_code(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


def name(code: str, lang: str = "en") -> str:
    """Display name of an alpha-2 code in `lang` (falls back to the code for unknown codes)."""
    code = code.upper()
    override = _DISPLAY.get(lang, {}).get(code)
    if override:
        return override
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    english = getattr(country, "common_name", None) or country.name
    if lang == "en":
        return _DISPLAY["en"].get(code, str(english))
    translated = _translator(lang).gettext(str(country.name))
    return translated if translated != country.name else str(english)


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], list[str], list[str], frozenset[str]]:
    """normalised name -> code, parallel lists for fuzzy search, and which of those keys are
    names (an alias, or a country's English or Welsh name) rather than three-letter codes."""
    names: dict[str, str] = {}

    def add(text: str, code: str) -> None:
        key = normalise(text)
        if key and key not in names:
            names[key] = code
        for article in ("the ", "y ", "yr "):
            if key.startswith(article):
                names.setdefault(key[len(article) :], code)

    cy = _translator("cy")
    for alias, code in _ALIASES.items():
        add(alias, code)
    for lang_names in _DISPLAY.values():
        for code, text in lang_names.items():
            add(text, code)
    for country in pycountry.countries:
        code = str(country.alpha_2)
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                add(str(value), code)
                add(cy.gettext(str(value)), code)
    named = frozenset(names)
    for country in pycountry.countries:
        add(str(country.alpha_3), str(country.alpha_2))
    keys = list(names)
    return names, keys, [names[k] for k in keys], named


def exact(query: str) -> str | None:
    """The country a typed text names exactly (case, accents, punctuation and a leading "the",
    "y" or "yr" aside), in English or Welsh, or by a common alias ("UK", "Cymru", "USA"); None
    for anything else: a misspelling, a name two countries share, a bare ISO code ("can" and
    "and" are words before they are Canada and Andorra)."""
    names, _keys, _codes, named = _index()
    for key in _bare(normalise(query)):
        if key in _AMBIGUOUS:
            return None
        if key in named:
            return names[key]
    return None


def _bare(text: str) -> Iterator[str]:
    """A normalised text, then the same without a leading "the", "y" or "yr"."""
    for article in ("", "the ", "y ", "yr "):
        if text.startswith(article):
            yield text[len(article) :]


#: the least similarity (rapidfuzz ratio, 0-100) of a typed name to a country's name
FUZZY_CUTOFF = 80


@lru_cache(maxsize=1)
def _fuzzy() -> tuple[list[str], list[str]]:
    """The names a misspelling is compared with: longer than a three-letter code."""
    _names, keys, codes, _named = _index()
    pairs = [(k, c) for k, c in zip(keys, codes, strict=True) if len(k) > 3]
    return [k for k, _ in pairs], [c for _, c in pairs]


def search(query: str, limit: int = 5) -> list[Match]:
    """Best matches for a typed country name, best first; an exact name gives one match."""
    text = normalise(query)
    if not text:
        return []
    names, _keys, _codes, _named = _index()
    for key in _bare(text):
        if key in _AMBIGUOUS:
            return [Match(code, 100.0) for code in _AMBIGUOUS[key]]
        if key in names:
            return [Match(names[key], 100.0)]
    if len(text) < 3:
        return []
    found: list[Match] = []
    seen: set[str] = set()
    fuzzy_keys, fuzzy_codes = _fuzzy()
    # Similarity of the whole text to a whole name (a misspelt name scores 80 or more), never
    # of a part of it, and never against three-letter codes: WRatio's partial matching took
    # ordinary words for countries ("hello" ~ "Hellenic Republic", "thanks" ~ "THA").
    for _key, score, idx in process.extract(
        text, fuzzy_keys, scorer=fuzz.ratio, limit=limit * 6, score_cutoff=FUZZY_CUTOFF
    ):
        code = fuzzy_codes[idx]
        if code not in seen:
            seen.add(code)
            found.append(Match(code, float(score)))
        if len(found) >= limit:
            break
    best = found[0].score if found else 0.0
    return [m for m in found if m.score >= best - 12]
