"""Answers in a message, read per kind (`bot/interview/typed.py`): text, number, scale, country,
probes, collected messages, a long paste (collected until Done), an edited message."""

from __future__ import annotations

from bot.interview import (
    Amend,
    Ask,
    Back,
    Choice,
    Collecting,
    Done,
    Invalid,
    Probe,
    Questionnaire,
    Skip,
    Toggle,
    load_questionnaire,
)
from tests.unit.interview.chat import Chat
from tests.unit.interview.questionnaires import FIXTURES


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


def test_an_exact_country_name_in_either_language_is_the_answer_noted(
    mini: Questionnaire,
) -> None:
    """(mini is English only: the Welsh interview is in test_respondent_controls.py)"""
    for typed, code, shown in [
        ("United Kingdom", "GB", "United Kingdom"),
        ("  united KINGDOM. ", "GB", "United Kingdom"),
        ("Cymru", "GB", "United Kingdom"),
        ("Wales", "GB", "United Kingdom"),
        ("the Netherlands", "NL", "Netherlands"),
        ("Y Deyrnas Unedig", "GB", "United Kingdom"),
        ("yr almaen", "DE", "Germany"),
    ]:
        chat = Chat(mini)
        chat.say("Ada")
        chat.say(typed)
        assert chat.records["where"] == code, typed
        assert chat.ask.view.key == "level", "on to the next question, no confirmation"
        assert chat.ask.notice == mini.ui("en", "country.accepted", country=shown)


def test_a_misspelt_shared_or_coded_country_is_still_confirmed(mini: Questionnaire) -> None:
    for typed, offered in [
        ("United Kingdon", ["GB"]),
        ("Estonai", ["EE"]),
        ("Congo", ["CD", "CG"]),  # two countries answer to it
        ("can", ["CA"]),  # a word before it is Canada's code
        ("EE", ["EE"]),
    ]:
        chat = Chat(mini)
        chat.say("Ada")
        chat.say(typed)
        assert "where" not in chat.records, typed
        assert chat.ask.view.key == "where" and chat.ask.notice
        assert [c.id for c in chat.ask.view.choices][: len(offered)] == offered, typed


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


def test_probe_once_then_move_on(at_things: Chat) -> None:
    chat = at_things
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


def test_multi_message_answer_with_done_and_split_paste(at_things: Chat) -> None:
    chat = at_things
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
    assert chat.records["name"] == "Ada" and chat.records["where"] == "GB"
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


def test_no_merge_after_an_error(at_things: Chat) -> None:
    chat = at_things
    chat.send(Toggle("things", "a"))
    chat.send(Done("things"))
    chat.send(Choice("outcome@a", "good"))
    chat.say("   ")
    chat.send(Done(None), gap=1)
    assert chat.event(Invalid)  # nothing in it: too short
    chat.say("and more", gap=1)  # after an error: a fresh acknowledgement, not a silent merge
    ack = chat.event(Collecting)
    assert isinstance(ack, Collecting) and ack.parts == 2 and not ack.merged


def test_a_long_paste_where_it_cannot_fit_is_refused_at_once(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.say("y" * 3600)  # "name" takes at most 40 characters: no collecting, say so now
    assert chat.event(Invalid) and not chat.state.fragments


def test_amend_updates_a_text_answer(mini: Questionnaire) -> None:
    chat = Chat(mini)
    chat.say("Adaa")
    chat.send(Amend("name", "Ada", original="Adaa"))
    assert chat.records["name"] == "Ada"
    # the question on screen stays usable: its buttons under the short line, no copy
    ask = chat.event(Ask)
    assert isinstance(ask, Ask) and ask.again and ask.notice == mini.ui("en", "amended")
    chat.send(Choice("where", "GB"))
    chat.send(Amend("where", "France"))
    assert chat.records["where"] == "GB"
