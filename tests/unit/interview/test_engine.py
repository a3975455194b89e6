"""The engine's entry points (`bot/interview/engine.py`): begin, current, welcome back, set
language."""

from __future__ import annotations

from bot.interview import Ask, Choice, Questionnaire, current, set_language, welcome_back
from tests.unit.interview.chat import Chat


def test_first_question_and_progress(mini: Questionnaire) -> None:
    chat = Chat(mini)
    view = chat.ask.view
    assert view.key == "name" and view.kind == "text"
    assert view.progress.section_no == 1 and view.progress.section_count == 3
    assert view.progress.label.startswith("Section 1 of 3 · question 1 of about")
    assert not view.can_go_back


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
    assert isinstance(ask, Ask)
    assert ask.notice == "Welcome back! Here is where you left off, in “You and the unit”."
    assert isinstance(current(shipped, chat.state).events[0], Ask)
