"""The engine on the shipped questionnaire (`prompts/dgu_landscape.yaml`), driven like a
conversation."""

from __future__ import annotations

import pytest

from bot.interview import (
    Back,
    Choice,
    Collecting,
    Completed,
    Done,
    Input,
    Invalid,
    Questionnaire,
    ReviewSummary,
    Skip,
    Submit,
    Toggle,
)
from tests.unit.interview.chat import Chat


def test_open_story_comes_before_the_longlist_and_the_open_extra_right_after(
    at_areas: Chat,
) -> None:
    chat = at_areas
    labels = [c.label for c in chat.ask.view.choices]
    assert {"One website for government", "Citizen account or sign-in"} <= set(labels)
    assert "Buying and spend control" in labels
    chat.send(Done("attempted"))  # none ticked
    assert chat.ask.view.key == "other_effort"
    assert chat.ask.view.text.startswith("Apart from those, what else")


def test_difference_only_for_picked_areas_never_after_too_early(at_areas: Chat) -> None:
    chat = at_areas
    for area in ("redesign", "platforms", "standards", "sign_in", "buying"):
        chat.send(Toggle("attempted", area))
    chat.send(Done("attempted"))
    chat.send(Skip())  # other_effort
    outcomes = {
        "redesign": "success",
        "platforms": "too_early",
        "standards": "mixed",
        "sign_in": "dont_know",
        "buying": "failure",
    }
    for area, outcome in outcomes.items():
        assert chat.ask.view.key == f"outcome@{area}"  # an outcome for every ticked area
        chat.send(Choice(f"outcome@{area}", outcome))
    view = chat.ask.view
    assert view.key == "highlight"
    # only areas with a known outcome: not "too early to tell", not "don't know"
    assert [c.id for c in view.choices] == ["redesign", "standards", "buying"]
    chat.send(Toggle("highlight", "platforms"))  # not offered: a stale button, not applied
    assert "platforms" not in chat.state.pending
    for area in ("redesign", "standards", "buying"):
        chat.send(Toggle("highlight", area))
    chat.send(Toggle("highlight", "redesign"))
    chat.send(Toggle("highlight", "redesign"))  # toggled back on: three picked
    assert set(chat.state.pending) == {"redesign", "standards", "buying"}
    chat.send(Done("highlight"))
    asked = []
    while chat.ask.view.key.startswith("difference@"):
        asked.append(chat.ask.view.key)
        chat.say("A minister who kept asking to see it working. " * 2)
    assert asked == ["difference@redesign", "difference@standards", "difference@buying"]
    assert chat.ask.view.key == "user_testing"


def test_pick_at_most_three(at_areas: Chat) -> None:
    chat = at_areas
    areas = ["redesign", "uptake", "platforms", "practice"]
    for area in areas:
        chat.send(Toggle("attempted", area))
    chat.send(Done("attempted"))
    chat.send(Skip())
    for area in areas:
        chat.send(Choice(f"outcome@{area}", "success"))
    for area in areas[:3]:
        chat.send(Toggle("highlight", area))
    chat.send(Toggle("highlight", "practice"))
    assert "at most 3" in chat.event(Invalid).message  # type: ignore[attr-defined]
    chat.send(Done("highlight"))
    assert chat.ask.view.key == "difference@redesign"


def test_no_pick_question_when_every_outcome_is_too_early(at_areas: Chat) -> None:
    chat = at_areas
    chat.send(Toggle("attempted", "front_door"))
    chat.send(Done("attempted"))
    chat.send(Skip())
    chat.send(Choice("outcome@front_door", "too_early"))
    assert chat.ask.view.key == "user_testing"  # nothing to say what made the difference for


def to_traits(chat: Chat) -> Chat:
    """On from the longlist to the traits, having worked on shared platforms (so every trait
    is asked)."""
    chat.send(Toggle("attempted", "platforms"))
    chat.send(Done("attempted"))
    chat.send(Skip())
    chat.send(Choice("outcome@platforms", "too_early"))  # nothing to highlight
    return chat


def test_traits_about_services_and_platforms_only_where_they_apply(at_areas: Chat) -> None:
    chat = at_areas
    chat.send(Toggle("attempted", "standards"))
    chat.send(Done("attempted"))
    chat.send(Skip())
    chat.send(Choice("outcome@standards", "too_early"))
    assert chat.ask.view.key == "effort_split"  # no service built: user_testing not asked
    chat.send(Choice("effort_split", "1"))
    assert chat.ask.view.key == "data_use"  # no shared platforms: reuse not asked


def test_labelled_scale_with_dont_know(at_areas: Chat, shipped: Questionnaire) -> None:
    chat = to_traits(at_areas)
    view = chat.ask.view
    assert view.key == "user_testing"
    labels = [c.label for c in view.choices]
    assert labels == ["Never", "Rarely", "Sometimes", "Usually", "Always", "Don't know"]
    chat.send(Choice("user_testing", "dont_know"))
    assert chat.records["user_testing"] == "dont_know"
    assert chat.ask.view.key == "effort_split"
    chat.say("mostly services")  # a point typed as its label
    assert chat.records["effort_split"] == 4
    chat.say("ddim yn gwybod")  # "don't know" typed, in Welsh
    assert chat.records["reuse"] == "dont_know"
    assert shipped.display("effort_split", 4, "cy") == "Gwasanaethau gan fwyaf"
    assert shipped.display("reuse", "dont_know", "en") == "Don't know"


def test_unit_fate_asks_why_only_when_something_happened(at_areas: Chat) -> None:
    chat = to_traits(at_areas)
    for key in ("user_testing", "effort_split", "reuse", "data_use"):
        chat.send(Choice(key, "3"))
    chat.send(Choice("fate", "going"))
    assert chat.ask.view.key == "conditions"
    chat.send(Back())
    chat.send(Choice("fate", "closed"))
    assert chat.ask.view.key == "fate_why"


def full_run(q: Questionnaire, language: str) -> Chat:
    chat = Chat(q, language)
    answers: dict[str, Input] = {}
    for _ in range(200):
        if chat.state.status != "in_progress":
            break
        view = chat.ask.view
        if view.kind in ("single", "scale", "yesno", "country"):
            answers[view.key] = Choice(view.key, view.choices[0].id)
            chat.send(answers[view.key])
        elif view.kind == "multi":
            for choice in view.choices[1:3] if len(view.choices) > 2 else view.choices:
                chat.send(Toggle(view.key, choice.id))
            chat.send(Done(view.key))
        elif view.kind == "number":
            chat.say(str(q.question(view.question_id).maximum or 7))
        else:
            chat.say("A thorough answer with plenty of detail about what happened and why. " * 3)
            if any(isinstance(e, Collecting) for e in chat.step.events):
                chat.send(Done(None))
    return chat


@pytest.mark.parametrize("language", ["en", "cy"])
def test_whole_shipped_interview(shipped: Questionnaire, language: str) -> None:
    chat = full_run(shipped, language)
    summary = chat.event(ReviewSummary)
    assert isinstance(summary, ReviewSummary) and summary.complete
    assert "outcome@uptake" in chat.records and "difference@uptake" in chat.records
    chat.send(Submit())
    assert isinstance(chat.event(Completed), Completed)
    assert chat.state.status == "completed"
