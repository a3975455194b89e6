"""Reading a questionnaire's files (`bot/interview/files.py`): schema errors, YAML syntax and a
missing file, each with its file:line."""

from __future__ import annotations

from tests.unit.interview.questionnaires import errors_of


def test_unknown_field_is_reported_with_its_line() -> None:
    errors = errors_of("bad_fields.yaml")
    assert any(e.endswith("bad_fields.yaml:11: unknown field 'colour'") for e in errors)


def test_yaml_syntax_error_has_a_line() -> None:
    errors = errors_of("bad_yaml.yaml")
    assert len(errors) == 1 and "bad_yaml.yaml:4:" in errors[0]


def test_missing_file() -> None:
    errors = errors_of("no_such_file.yaml")
    assert "cannot read file" in errors[0]
