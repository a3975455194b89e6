"""Interviews are named for staff by who the respondent is to the unit, the country and a short
id: version 1's typed role, or version 2's relationship (a choice; version 2 asks no role). The
organisation is personal and never part of the name. Questions of every version stay choosable."""

from __future__ import annotations

from bot.web.questions import QuestionnaireView


def test_a_version_2_interview_is_named_by_relationship_and_country(questionnaire) -> None:
    view = QuestionnaireView(questionnaire)
    fields = {"relationship": "supplier", "country": "EE", "organisation": "Digital Unit 7"}
    name = view.name("abcdef0123456789", fields)
    assert name == f"A supplier to it · {view.choice_label('country', 'EE')} · abcdef01"
    assert "Digital Unit" not in name


def test_a_version_1_interview_is_named_by_the_role_typed(questionnaire) -> None:
    view = QuestionnaireView(questionnaire)
    name = view.name("0123456789", {"role": "  Head of   delivery ", "country": "GB"})
    assert name == f"Head of delivery · {view.choice_label('country', 'GB')} · 01234567"
    assert view.name("0123456789", {}) == "01234567"


def test_the_relationship_is_shown_in_welsh(questionnaire) -> None:
    view = QuestionnaireView(questionnaire, "cy")
    label = view.relationship({"relationship": "supplier"})
    assert label and label != "A supplier to it"


def test_questions_of_every_version_are_offered_current_first(questionnaire) -> None:
    ids = [qid for qid, _, _ in QuestionnaireView(questionnaire).questions()]
    assert ids[0] == "relationship"  # version 2 first
    assert "mattered_most" in ids and "biggest_success" in ids  # version 1's still readable
    assert ids.index("mattered_most") < ids.index("biggest_success")
    assert len(ids) == len(set(ids))
