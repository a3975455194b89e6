"""Where the interview tests' questionnaires are, and how a rejected one is read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.interview import QuestionnaireError, load_questionnaire

FIXTURES = Path(__file__).parents[2] / "fixtures" / "questionnaires"
SHIPPED = Path(__file__).parents[3] / "prompts" / "dgu_landscape.yaml"


def errors_of(name: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(FIXTURES / name)
    for error in exc.value.errors:
        assert re.match(r"^.+\.yaml:\d+: .+", error), error
    return exc.value.errors
