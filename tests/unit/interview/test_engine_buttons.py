"""Answers by button (`bot/interview/buttons.py`): multi toggles, Done, stale buttons."""

from __future__ import annotations

from bot.interview import Choice, Done, Invalid, Questionnaire, Toggle
from tests.unit.interview.chat import Chat


def test_multi_toggles_min_max_and_repeat_group(at_things: Chat) -> None:
    chat = at_things
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
