"""A transparent lead score: every point comes with a reason a person can read and dispute.

Pure functions only (no I/O), so the rules can be tested and changed without a database.
Own tweets and plain retweets are excluded before scoring: they are not stored as leads at
all, because nobody is asking to be contacted by them and a retweet repeats a tweet that is
(or will be) a lead of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

VOCABULARY = (
    "digital government",
    "digital service",
    "digital services",
    "digital public service",
    "digital transformation",
    "digital unit",
    "digital team",
    "service design",
    "service designer",
    "user research",
    "user-centred",
    "user centred",
    "user-centered",
    "user needs",
    "govtech",
    "gov tech",
    "civic tech",
    "open data",
    "data strategy",
    "digital by default",
    "digital strategy",
    "digital standards",
    "service standard",
    "public sector",
    "agile",
    "product management",
    "gov.uk",
    "dgu",
    # Welsh
    "llywodraeth ddigidol",
    "gwasanaethau digidol",
    "gwasanaeth digidol",
    "trawsnewid digidol",
    "drawsnewid digidol",
    "thrawsnewid digidol",
    "dylunio gwasanaethau",
    "dylunio gwasanaeth",
    "ymchwil defnyddwyr",
    "sector cyhoeddus",
    "data agored",
    "digidol",
)

UNITS = (
    "GDS",
    "Government Digital Service",
    "CDDO",
    "i.AI",
    "USDS",
    "US Digital Service",
    "18F",
    "Canadian Digital Service",
    "CDS",
    "Digital Transformation Agency",
    "DTA",
    "DINUM",
    "Digitaliseringsstyrelsen",
    "Agency for Digital Government",
    "GovTech Singapore",
    "GovTech",
    "Digital Scotland",
    "Scottish Digital Academy",
    "CDPS",
    "Centre for Digital Public Services",
    "Canolfan Gwasanaethau Cyhoeddus Digidol",
    "NSW Digital",
    "Digital.govt.nz",
    "e-Estonia",
    "Digital Nation",
    "NHS Digital",
    "Digital Health and Care Wales",
    "DHCW",
    "Code for America",
)

EXTRA_COUNTRIES = (
    "UK",
    "USA",
    "US",
    "Britain",
    "England",
    "Scotland",
    "Wales",
    "Cymru",
    "Gymru",  # Welsh mutations of Cymru
    "Nghymru",
    "Chymru",
    "Northern Ireland",
    "Ireland",
    "Yr Alban",
    "Lloegr",
    "Iwerddon",
    "Estonia",
    "Taiwan",
    "South Korea",
)

OFFERS = (
    "happy to",
    "glad to",
    "would love to",
    "i'd love to",
    "keen to",
    "can help",
    "could help",
    "count me in",
    "interested",
    "get in touch",
    "let me know",
    "dm me",
    "reach out",
    "share our",
    "share my",
    "our experience",
    "we did",
    "we built",
    "hoffwn",
    "yn hapus i",
    "diddordeb",
    "cysylltwch",
    "rhannu",
)

SPAM = (
    "crypto",
    "airdrop",
    "giveaway",
    "nft",
    "follow back",
    "followback",
    "promo code",
    "casino",
    "forex",
    "onlyfans",
    "bitcoin",
    "free money",
    "click here",
)

ANNOUNCE_DEFAULT = 5
"""Leads scoring at least this much are announced to staff (setting X_LEAD_ANNOUNCE_SCORE)."""

_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@\w{1,15}")
_HASHTAG = re.compile(r"#\w+")


@dataclass(frozen=True)
class Score:
    value: int
    reasons: list[str] = field(default_factory=list)


def _phrase_pattern(phrase: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(r"(?<![\w.])" + re.escape(phrase) + r"(?![\w])", flags)


@cache
def _patterns(kind: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    if kind == "vocabulary":
        return tuple((p, _phrase_pattern(p)) for p in VOCABULARY)
    if kind == "units":
        # Acronyms must match in capitals ("dta" in a URL or word is not a unit).
        return tuple((u, _phrase_pattern(u, case_sensitive=u.isupper())) for u in UNITS)
    if kind == "countries":
        return tuple((c, _phrase_pattern(c, case_sensitive=c.isupper())) for c in _countries())
    if kind == "offers":
        return tuple((p, _phrase_pattern(p)) for p in OFFERS)
    if kind == "spam":
        return tuple((p, _phrase_pattern(p)) for p in SPAM)
    raise ValueError(kind)


def _countries() -> list[str]:
    names: set[str] = set(EXTRA_COUNTRIES)
    try:
        import pycountry

        for country in pycountry.countries:
            names.add(country.name)
            common = getattr(country, "common_name", None)
            if common:
                names.add(common)
    except ImportError:  # pragma: no cover - pycountry is a dependency
        pass
    # Short all-caps codes and words that are also common English words would misfire.
    noisy = {"Chad", "Jersey", "Georgia", "Turkey", "Guinea", "Jordan", "Niger", "Oman"}
    return sorted(n for n in names if n not in noisy)


def _found(kind: str, text: str) -> list[str]:
    return [name for name, pattern in _patterns(kind) if pattern.search(text)]


def _quoted(items: Iterable[str], limit: int = 3) -> str:
    items = list(items)
    shown = ", ".join(f"'{i}'" for i in items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


#: each rule's reason as stored (English), by the staff catalogue key that words it in the
#: reader's language (`lead.reason.<key>`); `reason_parts` reads a stored reason back
REASONS = {
    "vocabulary": "+3 digital government vocabulary: {found}",
    "unit": "+2 names a unit: {found}",
    "country": "+2 names a country: {found}",
    "offer": "+2 offers to help / asks a question: {found}",
    "question": "+2 offers to help / asks a question: a question",
    "bio": "+1 author's bio mentions digital government: {found}",
    "spam": "-3 looks like spam/noise: {found}",
    "noise": "-3 looks like spam/noise: {hashtags} hashtags, {mentions} mentions",
    "short": "-1 very short ({words} words)",
}
_MORE = re.compile(r"^(?P<items>.*) \(\+(?P<more>\d+) more\)$")


def _reason_pattern(template: str) -> re.Pattern[str]:
    pattern = re.escape(template)
    for name in ("found", "hashtags", "mentions", "words"):
        group = r"(?P<found>.+)" if name == "found" else rf"(?P<{name}>\d+)"
        pattern = pattern.replace(re.escape("{" + name + "}"), group)
    return re.compile(pattern)


# the fixed "a question" before the general pattern that would also match it
_REASON_PATTERNS = sorted(
    ((key, _reason_pattern(template)) for key, template in REASONS.items()),
    key=lambda kv: "{found}" in REASONS[kv[0]],
)


def reason_parts(reason: str) -> tuple[str, dict[str, str]] | None:
    """A stored reason as (rule key, its values), e.g. ("unit", {"found": "'GDS'", "more":
    "0"}), so a page can word it in the reader's language; None for one we don't know."""
    for key, pattern in _REASON_PATTERNS:
        found = pattern.fullmatch(reason)
        if found:
            values = found.groupdict()
            if "found" in values:
                more = _MORE.match(values["found"])
                values["found"], values["more"] = (
                    (more["items"], more["more"]) if more else (values["found"], "0")
                )
            return key, values
    return None


def reason_text(t: Callable[..., str], reason: str) -> str:
    """A stored reason in the reader's language through a staff translator `t` (the
    `lead.reason.*` strings); as stored when we don't know it."""
    parts = reason_parts(reason)
    if parts is None:
        return reason
    key, values = parts
    more = values.pop("more", "0")
    if more != "0":
        values["found"] = t("lead.reason.more", found=values["found"], more=more)
    return t(f"lead.reason.{key}", **values)


def score_text(text: str, *, author_description: str | None = None) -> Score:
    """Score a mention's text (and, lightly, the author's bio), with one reason per rule."""
    reasons: list[str] = []
    value = 0
    plain = _MENTION.sub(" ", _URL.sub(" ", text))

    vocabulary = _found("vocabulary", plain)
    if vocabulary:
        value += 3
        reasons.append(REASONS["vocabulary"].format(found=_quoted(vocabulary)))
    units = _found("units", plain)
    if units:
        value += 2
        reasons.append(REASONS["unit"].format(found=_quoted(units)))
    countries = _found("countries", plain)
    if countries:
        value += 2
        reasons.append(REASONS["country"].format(found=_quoted(countries)))
    offers = _found("offers", plain)
    if offers or "?" in plain:
        value += 2
        if offers:
            reasons.append(REASONS["offer"].format(found=_quoted(offers)))
        else:
            reasons.append(REASONS["question"])
    if author_description and not vocabulary:
        bio = _found("vocabulary", author_description) + _found("units", author_description)
        if bio:
            value += 1
            reasons.append(REASONS["bio"].format(found=_quoted(bio)))

    spam = _found("spam", plain)
    hashtags = len(_HASHTAG.findall(text))
    mentions = len(_MENTION.findall(text))
    if spam or hashtags >= 5 or mentions >= 6:
        value -= 3
        if spam:
            reasons.append(REASONS["spam"].format(found=_quoted(spam)))
        else:
            reasons.append(REASONS["noise"].format(hashtags=hashtags, mentions=mentions))
    words = re.findall(r"\w+", _HASHTAG.sub(" ", plain))
    if len(words) < 4:
        value -= 1
        reasons.append(REASONS["short"].format(words=len(words)))
    return Score(value, reasons)


def exclusion(tweet: Mapping[str, Any], account_id: str) -> str | None:
    """Why a tweet is not a lead at all (own tweet, plain retweet), or None if it may be one."""
    if str(tweet.get("author_id", "")) == str(account_id):
        return "own tweet"
    for ref in tweet.get("referenced_tweets") or ():
        if isinstance(ref, Mapping) and ref.get("type") == "retweeted":
            return "plain retweet"
    if str(tweet.get("text", "")).startswith("RT @"):
        return "plain retweet"
    return None
