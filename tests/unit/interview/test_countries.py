"""Country names typed in English or Welsh find their ISO 3166-1 code."""

from __future__ import annotations

import pytest

from bot.interview import countries


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Estonia", "EE"),
        ("estonia", "EE"),
        ("Estnia", "EE"),
        ("UK", "GB"),
        ("USA", "US"),
        ("South Korea", "KR"),
        ("De Corea", "KR"),
        ("Yr Ariannin", "AR"),
        ("ariannin", "AR"),
        ("Yr Almaen", "DE"),
        ("Germny", "DE"),
        ("Cymru", "GB"),
        ("Wales", "GB"),
        ("Awstralia", "AU"),
        ("Côte d'Ivoire", "CI"),
        ("cote divoire", "CI"),
        ("Seland Newydd", "NZ"),
    ],
)
def test_search_finds_the_country(typed: str, code: str) -> None:
    assert countries.search(typed)[0].code == code


def test_nothing_for_nonsense() -> None:
    assert countries.search("qqqqqq") == []
    assert countries.search("") == []


def test_names_in_both_languages() -> None:
    assert countries.name("DE", "cy") == "Yr Almaen"
    assert countries.name("KR", "en") == "South Korea"
    assert countries.name("KR", "cy") == "De Corea"
    assert countries.name("GB", "cy") == "Y Deyrnas Unedig"
    assert countries.is_code("EE") and not countries.is_code("XX")
    assert set(countries.EXAMPLES) == {"GB", "US", "CA", "AU", "EE", "AR", "KR"}


@pytest.mark.parametrize(
    "word",
    ["hello", "hello?", "help", "thanks", "thank you", "stop", "not sure", "great", "none",
     "sorry", "okay", "helo", "diolch", "helo 'na", "dim syniad"],
)  # fmt: skip
def test_ordinary_words_are_not_countries(word: str) -> None:
    assert countries.search(word) == []


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Estonai", "EE"), ("isreal", "IL"), ("kenia", "KE"), ("the UK", "GB"), ("brazl", "BR")],
)
def test_misspelt_names_still_match(typed: str, code: str) -> None:
    assert countries.search(typed)[0].code == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("United Kingdom", "GB"),
        ("UNITED KINGDOM", "GB"),
        ("Cymru", "GB"),
        ("wales", "GB"),
        ("the UK", "GB"),
        ("Y Deyrnas Unedig", "GB"),
        ("USA", "US"),
        ("Yr Almaen", "DE"),
        ("Côte d'Ivoire", "CI"),
        ("estonia", "EE"),
    ],
)
def test_an_exact_name_in_either_language_is_one_country(typed: str, code: str) -> None:
    assert countries.exact(typed) == code


@pytest.mark.parametrize(
    "typed", ["Estonai", "United Kingdon", "Congo", "the Congo", "can", "and", "EE", "", "hello"]
)
def test_a_misspelling_a_shared_name_or_a_bare_code_is_not_exact(typed: str) -> None:
    assert countries.exact(typed) is None


def test_a_name_two_countries_share_offers_both() -> None:
    assert [m.code for m in countries.search("Congo")] == ["CD", "CG"]
