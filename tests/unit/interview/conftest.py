"""The questionnaires the engine's tests drive: a small fixture one and the shipped one."""

from __future__ import annotations

import pytest

from bot.interview import Questionnaire, load_questionnaire
from tests.unit.interview.questionnaires import FIXTURES, SHIPPED


@pytest.fixture(scope="module")
def mini() -> Questionnaire:
    return load_questionnaire(FIXTURES / "mini.yaml")


@pytest.fixture(scope="module")
def shipped() -> Questionnaire:
    return load_questionnaire(SHIPPED)
