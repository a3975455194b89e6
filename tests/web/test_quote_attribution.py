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


def _row(consent):
    return SimpleNamespace(
        interview=SimpleNamespace(quote_consent=consent),
        respondent=SimpleNamespace(name="Siân Jones", username="sian"),
        country="EE",
        level="national",
    )


def test_attributable_names_the_person_and_organisation(view):
    assert attribution(_row("attributable"), view, "GDS") == "Siân Jones, GDS"


def test_anonymised_gives_only_unit_type_and_country(view):
    credit = attribution(_row("anonymised"), view, "GDS")
    assert credit is not None and "Siân" not in credit and "GDS" not in credit
    assert "Estonia" in credit


@pytest.mark.parametrize("consent", ["background", None])
def test_background_or_no_choice_is_never_quoted(view, consent):
    assert attribution(_row(consent), view, "GDS") is None
