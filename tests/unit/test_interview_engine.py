"""The engine, driven like a conversation: every kind, conditions, repeats, back, review, probes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.interview import (
    Amend,
    Ask,
    Back,
    Choice,
    Collecting,
    Completed,
    Done,
    Edit,
    Input,
    Invalid,
    Notice,
    Probe,
    Questionnaire,
    Review,
    ReviewSummary,
    Skip,
    State,
    Step,
    Submit,
    Text,
    Toggle,
    advance,
    begin,
    current,
    load_questionnaire,
    set_language,
    welcome_back,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "questionnaires"
SHIPPED = Path(__file__).parents[2] / "prompts" / "dgu_landscape.yaml"
T0 = datetime(2026, 3, 1, 9, 0, 0)


class Chat:
    """A respondent talking to the engine; every state is checked to survive a JSON round trip."""

    def __init__(self, q: Questionnaire, language: str = "en") -> None:
        self.q = q
        self.now = T0
        self.step = begin(q, language, self.now)
        self.records: dict[str, object] = {}
        self._apply(self.step)

    def _apply(self, step: Step) -> None:
        assert State.from_json(step.state.to_json()) == step.state
        for r in step.records:
            self.records[r.key] = r.value
        for k in step.cleared:
            self.records.pop(k, None)

    @property
    def state(self) -> State:
        return self.step.state

    def send(self, inp: Input, gap: float = 30.0) -> Step:
        self.now += timedelta(seconds=gap)
        self.step = advance(self.q, self.state, inp, self.now)
        self._apply(self.step)
        return self.step

    def say(self, text: str, gap: float = 30.0) -> Step:
        return self.send(Text(text, self.now + timedelta(seconds=gap)), gap)

    @property
    def ask(self) -> Ask:
        asks = [e for e in self.step.events if isinstance(e, Ask)]
        assert asks, self.step.events
        return asks[-1]

    def event(self, kind: type) -> object:
        found = [e for e in self.step.events if isinstance(e, kind)]
        assert found, self.step.events
        return found[-1]


@pytest.fixture(scope="module")
def mini() -> Questionnaire:
    return load_questionnaire(FIXTURES / "mini.yaml")


@pytest.fixture(scope="module")
def shipped() -> Questionnaire:
    return load_questionnaire(SHIPPED)


def to_things(chat: Chat) -> None:
    chat.say("Ada")
    chat.say("Estonia")
    chat.send(Choice("where", "EE"))
    chat.send(Choice("level", "national"))
    chat.say("12")
    chat.send(Choice("agile", "4"))
    assert chat.ask.view.key == "things"


def test_first_question_and_progress(mini: Questionnaire) -> None:
    chat = Chat(mini)
    view = chat.ask.view
    assert view.key == "name" and view.kind == "text"
    assert view.progress.section_no == 1 and view.progress.section_count == 3
    assert view.progress.label.startswith("Section 1 of 3 · question 1 of about")
    assert not view.can_go_back


def test_text_validation_reasons_and_skip_after_three_tries(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.say("A")
    invalid = chat.event(Invalid)
    assert isinstance(invalid, Invalid) and "at least 2" in invalid.message
    assert not invalid.can_skip
    chat.send(Skip())
    assert isinstance(chat.event(Invalid), Invalid)
    assert "can't be skipped" in chat.event(Invalid).message  # type: ignore[attr-defined]
    chat.say("B")
    chat.say("C")
    invalid = chat.event(Invalid)
    assert isinstance(invalid, Invalid) and invalid.can_skip and "skip" in invalid.message
    chat.send(Skip())
    assert chat.ask.view.key == "where"
    assert chat.records["name"] is None


def test_country_typed_then_confirmed_with_a_tap(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.say("Ada")
    assert [c.id for c in chat.ask.view.choices][:3] == ["GB", "US", "CA"]
    chat.say("estnia")
    assert chat.ask.view.key == "where" and chat.ask.notice
    assert chat.ask.view.choices[0].id == "EE"
    chat.say("Atlantis")
    assert "Atlantis" in chat.event(Invalid).message  # type: ignore[attr-defined]
    chat.send(Choice("where", "EE"))
    assert chat.records["where"] == "EE"


def test_condition_asks_city_only_for_local(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.say("Ada")
    chat.send(Choice("where", "GB"))
    chat.say("Local")  # a typed label works like a tap
    assert chat.ask.view.key == "city"
    chat.say("Cardiff")
    assert chat.records["city"] == "Cardiff"
    chat.send(Back())
    chat.send(Back())
    assert chat.ask.view.key == "level" and chat.ask.view.previous == "Local"
    chat.send(Choice("level", "national"))
    assert chat.ask.view.key == "size"
    assert "city" in chat.step.cleared and "city" not in chat.records


def test_number_and_scale(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.say("Ada")
    chat.send(Choice("where", "GB"))
    chat.send(Choice("level", "national"))
    chat.say("lots")
    assert "whole number" in chat.event(Invalid).message  # type: ignore[attr-defined]
    chat.say("1,000")
    assert "more than 500" in chat.event(Invalid).message  # type: ignore[attr-defined]
    chat.say("40")
    assert chat.records["size"] == 40
    view = chat.ask.view
    ids = [c.id for c in view.choices]
    assert view.kind == "scale" and ids == ["1", "2", "3", "4", "5", "dont_know"]
    assert "Not agile" in view.choices[0].label and "Very agile" in view.choices[-2].label
    assert view.choices[-1].label == "Don't know"
    chat.say("9")
    assert isinstance(chat.event(Invalid), Invalid)
    chat.say("5")
    assert chat.records["agile"] == 5


def test_multi_toggles_min_max_and_repeat_group(mini: Questionnaire) -> None:
    chat = Chat(mini)
    to_things(chat)
    chat.send(Done("things"))
    assert "at least 1" in chat.event(Invalid).message  # type: ignore[attr-defined]
    chat.send(Toggle("things", "a"))
    chat.send(Toggle("things", "c"))
    assert [c.selected for c in chat.ask.view.choices] == [True, False, True]
    chat.send(Toggle("things", "b"))
    assert "at most 2" in chat.event(Invalid).message  # type: ignore[attr-defined]
    chat.send(Done("things"))
    assert chat.records["things"] == ["a", "c"]
    assert chat.ask.view.key == "outcome@a" and chat.ask.view.text == "How did Alpha go?"
    chat.send(Choice("outcome@a", "good"))
    assert chat.ask.view.key == "outcome@c"
    chat.send(Choice("outcome@c", "bad"))
    assert chat.ask.view.key == "why@c" and chat.ask.view.text == "Why did Gamma go badly?"


def test_back_across_a_repeat_and_deselecting_clears_items(mini: Questionnaire) -> None:
    chat = Chat(mini)
    to_things(chat)
    chat.send(Toggle("things", "a"))
    chat.send(Toggle("things", "b"))
    chat.send(Done("things"))
    chat.send(Choice("outcome@a", "good"))
    chat.send(Choice("outcome@b", "good"))
    assert chat.ask.view.key == "story"
    chat.send(Back())
    assert chat.ask.view.key == "outcome@b" and chat.ask.view.previous == "Good"
    chat.send(Back())
    chat.send(Back())
    assert chat.ask.view.key == "things"
    assert [c.selected for c in chat.ask.view.choices] == [True, True, False]
    chat.send(Toggle("things", "b"))
    chat.send(Done("things"))
    assert "outcome@b" in chat.step.cleared and "outcome@b" not in chat.records
    assert chat.ask.view.key == "outcome@a"
    chat.send(Done("outcome@a"))  # keep the earlier answer
    assert chat.ask.view.key == "story"


def test_probe_once_then_move_on(mini: Questionnaire) -> None:
    chat = Chat(mini)
    to_things(chat)
    chat.send(Toggle("things", "b"))
    chat.send(Done("things"))
    chat.send(Choice("outcome@b", "bad"))
    chat.say("Money")
    probe = chat.event(Probe)
    assert isinstance(probe, Probe) and probe.key == "why@b" and probe.text == "Example?"
    assert chat.records["why@b"] == "Money"
    chat.say("We ran out of it in May")
    assert chat.records["why@b"] == "Money\n\nWe ran out of it in May"
    assert chat.ask.view.key == "story"
    chat.send(Back())
    chat.say("Cash")
    assert chat.ask.view.key == "story"  # no second probe for the same question


def test_multi_message_answer_with_done_and_split_paste(mini: Questionnaire) -> None:
    chat = Chat(mini)
    to_things(chat)
    chat.send(Toggle("things", "a"))
    chat.send(Done("things"))
    chat.send(Choice("outcome@a", "good"))
    chat.say("Part one.")
    first = chat.event(Collecting)
    assert isinstance(first, Collecting) and first.parts == 1 and not first.merged
    chat.say("Part two.", gap=1)  # arrives with the first: merged, and still acknowledged
    merged = chat.event(Collecting)
    assert isinstance(merged, Collecting) and merged.parts == 2 and merged.merged
    chat.say("Part three.", gap=60)  # typed later: a fresh acknowledgement, not an update
    third = chat.event(Collecting)
    assert isinstance(third, Collecting) and third.parts == 3 and not third.merged
    chat.send(Done(None))  # /done
    assert chat.records["story"] == "Part one.\nPart two.\nPart three."
    assert chat.ask.view.kind == "yesno"


def test_split_paste_is_collected_until_done_and_never_glued_after(mini: Questionnaire) -> None:
    q = load_questionnaire(FIXTURES / "mini.yaml")
    chat = Chat(q)
    chat.say("Ada")
    chat.say("Wales", gap=1)  # a quick reply after a short answer answers the next question
    assert chat.records["name"] == "Ada" and chat.ask.view.choices[0].id == "GB"
    chat.send(Choice("where", "GB"))
    chat.send(Choice("level", "local"))
    first = "x" * 4000  # Telegram cuts a long paste at 4096 characters
    chat.say(first)
    ack = chat.event(Collecting)  # may be the first part: acknowledged, collected
    assert isinstance(ack, Collecting) and ack.key == "city" and ack.parts == 1
    assert "city" not in chat.records and chat.state.cursor == "city"
    chat.say("second part", gap=1)
    ack = chat.event(Collecting)
    assert isinstance(ack, Collecting) and ack.parts == 2 and ack.merged
    chat.send(Done(None))
    assert chat.records["city"] == first + "\nsecond part"
    assert chat.state.cursor == "size"
    chat.say("12", gap=1)  # right after Done: answers the question on screen, never glued
    assert chat.records["city"] == first + "\nsecond part"
    assert chat.state.cursor != "size"


def test_no_merge_after_an_error(mini: Questionnaire) -> None:
    chat = Chat(mini)
    to_things(chat)
    chat.send(Toggle("things", "a"))
    chat.send(Done("things"))
    chat.send(Choice("outcome@a", "good"))
    chat.say("   ")
    chat.send(Done(None), gap=1)
    assert chat.event(Invalid)  # nothing in it: too short
    chat.say("and more", gap=1)  # after an error: a fresh acknowledgement, not a silent merge
    ack = chat.event(Collecting)
    assert isinstance(ack, Collecting) and ack.parts == 2 and not ack.merged


def test_review_edit_returns_to_summary_then_submit(mini: Questionnaire) -> None:
    chat = Chat(mini)
    to_things(chat)
    chat.send(Toggle("things", "a"))
    chat.send(Done("things"))
    chat.send(Choice("outcome@a", "good"))
    chat.say("A story long enough")
    chat.send(Done(None))
    chat.say("ie")  # Welsh "yes" typed
    summary = chat.event(ReviewSummary)
    assert isinstance(summary, ReviewSummary) and summary.complete
    assert chat.state.status == "reviewing"
    shown = {i.key: i.answer_display for i in summary.items}
    assert shown["where"] == "Estonia" and shown["things"] == "Alpha" and shown["more"] == "Yes"
    chat.send(Edit("level"))
    assert chat.ask.view.key == "level" and chat.ask.view.previous == "National"
    chat.send(Choice("level", "local"))
    assert chat.ask.view.key == "city"  # newly relevant question asked before returning
    chat.send(Skip())
    assert isinstance(chat.event(ReviewSummary), ReviewSummary)
    chat.send(Submit())
    assert isinstance(chat.event(Completed), Completed)
    assert chat.state.status == "completed"
    chat.say("hello?")
    assert isinstance(chat.event(Notice), Notice)


def test_review_mid_interview_and_continue(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.say("Ada")
    chat.send(Review())
    summary = chat.event(ReviewSummary)
    assert isinstance(summary, ReviewSummary) and not summary.complete
    chat.send(Submit())
    assert chat.ask.view.key == "where" and chat.ask.notice
    chat.send(Review())
    chat.say("Canada")  # typing carries on at the question they were on
    assert chat.ask.view.key == "where" and chat.ask.view.choices[0].id == "CA"


def test_stale_button_is_never_applied(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.say("Ada")
    chat.send(Choice("where", "GB"))
    before = chat.state
    chat.send(Choice("where", "US"))
    assert chat.state.answers == before.answers
    assert chat.ask.view.key == "level" and "earlier question" in (chat.ask.notice or "")
    chat.send(Toggle("things", "a"))
    assert chat.ask.view.key == "level"


def test_back_with_nothing_to_go_back_to(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.send(Back())
    assert chat.ask.view.key == "name" and "nothing" in (chat.ask.notice or "").lower()


def test_amend_updates_a_text_answer(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.say("Adaa")
    chat.send(Amend("name", "Ada", original="Adaa"))
    assert chat.records["name"] == "Ada"
    assert isinstance(chat.event(Notice), Notice)
    chat.send(Choice("where", "GB"))
    chat.send(Amend("where", "France"))
    assert chat.records["where"] == "GB"


def test_set_language_reasks_in_welsh(shipped: Questionnaire) -> None:
    chat = Chat(shipped, "en")
    assert chat.ask.view.text.startswith("What is your connection to the digital government unit")
    step = set_language(shipped, chat.state, "cy")
    ask = next(e for e in step.events if isinstance(e, Ask))
    assert ask.view.text.startswith("Beth yw eich cysylltiad â'r uned")
    assert ask.notice == "Iawn — byddwn ni'n parhau yn Gymraeg."
    assert ask.view.progress.label.startswith("Adran 1 o 5")
    assert step.state.language == "cy"


def test_records_keep_the_language_they_were_written_in(shipped: Questionnaire) -> None:
    chat = Chat(shipped, "cy-GB")
    chat.send(Choice("relationship", "observer"))
    chat.say("Gwasanaeth Digidol y Llywodraeth")
    record = chat.step.records[0]
    assert record.language == "cy" and record.question_text == "Pa uned yw hi?"


def test_welcome_back_and_current(shipped: Questionnaire) -> None:
    chat = Chat(shipped, "en")
    chat.send(Choice("relationship", "inside"))
    step = welcome_back(shipped, chat.state)
    ask = step.events[0]
    assert isinstance(ask, Ask) and ask.notice == "Welcome back! You were at: You and the unit."
    assert isinstance(current(shipped, chat.state).events[0], Ask)


def to_areas(q: Questionnaire) -> Chat:
    """The shipped questionnaire up to the longlist."""
    chat = Chat(q, "en")
    chat.send(Choice("relationship", "partner"))
    chat.say("Government Digital Service")
    chat.send(Choice("country", "GB"))
    story = "They rebuilt the publishing platform with its users and it stuck. " * 3
    chat.say(story)
    chat.send(Done(None))
    chat.say(story)
    chat.send(Done(None))
    assert chat.ask.view.key == "attempted"
    return chat


def test_open_story_comes_before_the_longlist_and_the_open_extra_right_after(
    shipped: Questionnaire,
) -> None:
    chat = to_areas(shipped)
    labels = [c.label for c in chat.ask.view.choices]
    assert {"One website for government", "Citizen account or sign-in"} <= set(labels)
    assert "Buying and spend control" in labels
    chat.send(Done("attempted"))  # none ticked
    assert chat.ask.view.key == "other_effort"
    assert chat.ask.view.text.startswith("Apart from those, what else")


def test_difference_only_for_picked_areas_never_after_too_early(shipped: Questionnaire) -> None:
    chat = to_areas(shipped)
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


def test_pick_at_most_three(shipped: Questionnaire) -> None:
    chat = to_areas(shipped)
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


def test_no_pick_question_when_every_outcome_is_too_early(shipped: Questionnaire) -> None:
    chat = to_areas(shipped)
    chat.send(Toggle("attempted", "front_door"))
    chat.send(Done("attempted"))
    chat.send(Skip())
    chat.send(Choice("outcome@front_door", "too_early"))
    assert chat.ask.view.key == "user_testing"  # nothing to say what made the difference for


def test_labelled_scale_with_dont_know(shipped: Questionnaire) -> None:
    chat = to_areas(shipped)
    chat.send(Done("attempted"))
    chat.send(Skip())
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


def test_unit_fate_asks_why_only_when_something_happened(shipped: Questionnaire) -> None:
    chat = to_areas(shipped)
    chat.send(Done("attempted"))
    chat.send(Skip())
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


def test_a_long_paste_where_it_cannot_fit_is_refused_at_once(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.say("y" * 3600)  # "name" takes at most 40 characters: no collecting, say so now
    assert chat.event(Invalid) and not chat.state.fragments
