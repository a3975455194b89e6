"""Moving through an interview (`bot/interview/navigation.py`): conditions, back, review, edit,
submit."""

from __future__ import annotations

from bot.interview import (
    Back,
    Choice,
    Completed,
    Done,
    Edit,
    Notice,
    Questionnaire,
    Review,
    ReviewSummary,
    Skip,
    Submit,
    Toggle,
)
from tests.unit.interview.chat import Chat


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


def test_back_across_a_repeat_and_deselecting_clears_items(at_things: Chat) -> None:
    chat = at_things
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


def test_review_edit_returns_to_summary_then_submit(at_things: Chat) -> None:
    chat = at_things
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
    chat.say("Canada")  # typing carries on at the question they were on: it answers it
    assert chat.records["where"] == "CA" and chat.ask.view.key == "level"


def test_back_with_nothing_to_go_back_to(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.send(Back())
    assert chat.ask.view.key == "name" and "nothing" in (chat.ask.notice or "").lower()
