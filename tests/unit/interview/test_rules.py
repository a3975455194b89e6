"""The rules of a source file (`bot/interview/rules.py`): ids, references, fields of a kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.interview import QuestionnaireError, load_questionnaire
from tests.unit.interview.questionnaires import FIXTURES, errors_of


def test_duplicate_ids_and_bad_choice_ids() -> None:
    errors = errors_of("bad_ids.yaml")
    assert any(":11: duplicate question id 'name'" in e for e in errors)
    assert any(":15: choice id 'Big-One' must be [a-z0-9_]" in e for e in errors)


def test_references_to_later_questions_non_multi_repeats_and_unknown_choices() -> None:
    errors = errors_of("bad_refs.yaml")
    assert any(":11: condition refers to unknown or later question 'later'" in e for e in errors)
    assert any(":20: repeat over 'pick', which is not a multi question" in e for e in errors)
    assert any(":25: 'zzz' is not a choice of 'pick'" in e for e in errors)


def test_fields_that_do_not_apply_to_the_kind(tmp_path: Path) -> None:
    (tmp_path / "ui.en.yaml").write_text((FIXTURES / "ui.en.yaml").read_text())
    (tmp_path / "q.yaml").write_text(
        'id: x\nversion: "1"\ntitle: X\nsections:\n  - id: s\n    title: S\n    questions:\n'
        "      - {id: n, kind: number, text: N, max_length: 3}\n"
    )
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(tmp_path / "q.yaml")
    assert any(
        "q.yaml:8: 'max_length' does not apply to a number question" in e for e in exc.value.errors
    )
