"""Quote attribution follows consent; no recorded choice means never quoted."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.interview import load_questionnaire
from bot.web.downloads import attribution
from bot.web.questions import QuestionnaireView


@pytest.fixture(scope="module")
def view():
    return QuestionnaireView(load_questionnaire("prompts/dgu_landscape.yaml"))


def _row(consent, credit="Siân Jones, Head of Digital, GDS"):
    return SimpleNamespace(
        interview=SimpleNamespace(quote_consent=consent, credit=credit),
        respondent=SimpleNamespace(name="Siân Jones", username="sian"),
        country="EE",
        level="national",
    )


def test_attributable_credits_the_name_and_title_they_typed(view):
    assert attribution(_row("attributable"), view) == "Siân Jones, Head of Digital, GDS"


def test_attributable_without_a_typed_credit_never_uses_the_telegram_name(view):
    credit = attribution(_row("attributable", credit=None), view)
    assert credit is not None and "Siân" not in credit and "sian" not in credit
    assert "Estonia" in credit


def test_anonymised_gives_only_unit_type_and_country(view):
    credit = attribution(_row("anonymised"), view)
    assert credit is not None and "Siân" not in credit and "GDS" not in credit
    assert "Estonia" in credit


@pytest.mark.parametrize("consent", ["background", None])
def test_background_or_no_choice_is_never_quoted(view, consent):
    assert attribution(_row(consent), view) is None
