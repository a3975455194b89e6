"""The questionnaires the engine's tests drive (a small fixture one and the shipped one), and
respondents already part way through them."""

from __future__ import annotations

import pytest

from bot.interview import Choice, Done, Questionnaire, load_questionnaire
from tests.unit.interview.chat import Chat
from tests.unit.interview.questionnaires import FIXTURES, SHIPPED


@pytest.fixture(scope="module")
def mini() -> Questionnaire:
    return load_questionnaire(FIXTURES / "mini.yaml")


@pytest.fixture(scope="module")
def shipped() -> Questionnaire:
    return load_questionnaire(SHIPPED)


@pytest.fixture
def at_things(mini: Questionnaire) -> Chat:
    """A respondent in `mini` up to its multi-select question `things`."""
    chat = Chat(mini)
    chat.say("Ada")
    chat.say("Estonia")  # an exact name is the answer
    assert chat.records["where"] == "EE"
    chat.send(Choice("level", "national"))
    chat.say("12")
    chat.send(Choice("agile", "4"))
    assert chat.ask.view.key == "things"
    return chat


@pytest.fixture
def at_areas(shipped: Questionnaire) -> Chat:
    """A respondent in the shipped questionnaire, in English, up to the longlist."""
    chat = Chat(shipped, "en")
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
