"""The path walker: every branch and repeat count, min / typical / max, the budget, the labels."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.interview import check_questionnaire, load_questionnaire, paths
from bot.interview.loader import check_instrument

FIXTURES = Path(__file__).parents[2] / "fixtures" / "questionnaires"
SHIPPED = Path(__file__).parents[3] / "prompts" / "dgu_landscape.yaml"

HEAD = 'id: t\nversion: "1"\ntitle: T\n'


def write(tmp_path: Path, body: str) -> Path:
    shutil.copy(FIXTURES / "ui.en.yaml", tmp_path / "ui.en.yaml")
    path = tmp_path / "t.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


BRANCHY = """settings:
  budget: {questions: 20, minutes: 15}
  typical_choices: {areas: 2}
sections:
  - id: s
    title: S
    questions:
      - id: areas
        kind: multi
        text: Which areas?
        min_choices: 0
        choices:
          - {id: a, label: Alpha}
          - {id: b, label: Beta}
          - {id: c, label: Gamma}
      - id: outcome
        kind: single
        repeat: {for_each: areas}
        text: "{item}: how did it go?"
        choices:
          - {id: good, label: Good}
          - {id: bad, label: Bad}
          - {id: early, label: Too early}
      - id: why
        kind: text
        repeat: {for_each: areas}
        when: {question: outcome, equals: bad}
        text: "{item}: why?"
        probe: {text: Say more?, below: 200}
      - id: more
        kind: yesno
        text: Anything else?
      - id: what
        kind: text
        when: {question: more, equals: true}
        text: What?
"""


def test_walk_counts_every_branch_and_repeat_count(tmp_path: Path) -> None:
    q = load_questionnaire(write(tmp_path, BRANCHY))
    walked = paths.walk(q, {"areas": 2})
    # areas: 0..3 picked; per item the outcome is bad or not (items interchangeable:
    # k items give k+1 mixes); yes/no at the end: 2 * (1 + 2 + 3 + 4) = 20 paths
    assert walked.paths == 20
    assert walked.unreachable == []
    # shortest: no areas, "no" -> areas + more = 2 questions
    assert (walked.minimum.questions, walked.minimum.probes) == (2, 0)
    # longest: 3 areas all bad (3 outcomes + 3 whys, each probed) + more + what
    assert walked.maximum.questions == 1 + 3 + 3 + 1 + 1
    assert walked.maximum.probes == 3 and walked.maximum.total == 12
    # typical: 2 areas picked, first outcome ("good": no why), yes -> what
    assert walked.typical.questions == 1 + 2 + 1 + 1
    assert walked.minimum.seconds < walked.typical.seconds < walked.maximum.seconds


def test_time_model_is_words_taps_and_typing(tmp_path: Path) -> None:
    body = """sections:
  - id: s
    title: S
    questions:
      - {id: pick, kind: yesno, text: one two three four five six seven eight nine ten}
      - {id: say, kind: text, text: one two three four five six seven eight nine ten}
"""
    q = load_questionnaire(write(tmp_path, body))
    cost = paths.walk(q).typical
    reading = 20 * 60 / paths.READING_WPM
    typing = paths.TYPICAL_WORDS_SHORT * 60 / paths.TYPING_WPM
    assert cost.seconds == pytest.approx(reading + typing + 2 * paths.SECONDS_PER_TAP)


def test_unreachable_question_fails_the_check(tmp_path: Path) -> None:
    body = """sections:
  - id: s
    title: S
    questions:
      - id: level
        kind: single
        text: Level?
        choices: [{id: a, label: A}, {id: b, label: B}]
      - id: never
        kind: text
        when: {all: [{question: level, equals: a}, {question: level, equals: b}]}
        text: Never asked?
"""
    path = write(tmp_path, body)
    assert paths.walk(load_questionnaire(path)).unreachable == ["never"]
    errors = check_questionnaire(path)
    assert any(e.startswith(f"{path}:15:") and "'never' is never asked" in e for e in errors)


def test_typical_path_over_the_budget_fails(tmp_path: Path) -> None:
    tight = BRANCHY.replace("budget: {questions: 20, minutes: 15}", "budget: {questions: 4}")
    path = write(tmp_path, tight)
    errors = check_questionnaire(path)
    assert any(
        "the typical path asks 5 questions (probes included); the budget is 4" in e for e in errors
    )
    slow = BRANCHY.replace("budget: {questions: 20, minutes: 15}", "budget: {minutes: 0.5}")
    errors = check_questionnaire(write(tmp_path, slow))
    assert any("the typical path takes about" in e and "the budget is 0.5" in e for e in errors)
    assert check_questionnaire(write(tmp_path, BRANCHY)) == []


def test_probe_counts_on_the_typical_path_only_when_a_typical_answer_is_short(
    tmp_path: Path,
) -> None:
    body = """sections:
  - id: s
    title: S
    questions:
      - {id: a, kind: text, text: A?, probe: {text: More?, below: 500}}
      - {id: b, kind: text, text: B?, collect: true, probe: {text: More?, below: 120}}
"""
    walked = paths.walk(load_questionnaire(write(tmp_path, body)))
    # a short answer (12 words, ~72 characters) is below 500: probed; a long one (60 words) is not
    assert (walked.typical.questions, walked.typical.probes) == (2, 1)
    assert walked.maximum.probes == 2 and walked.minimum.probes == 0


def test_long_button_label_fails_for_its_row_width(tmp_path: Path) -> None:
    body = """sections:
  - id: s
    title: S
    questions:
      - id: one
        kind: single
        text: One?
        choices:
          - {id: a, label: A label that is much too long for a phone}
          - {id: b, label: Short}
      - id: many
        kind: multi
        text: Many?
        choices:
          - {id: a, label: Twenty-nine characters long!!}
          - {id: b, label: Fine}
      - id: pair
        kind: single
        text: Pair?
        choices:
          - {id: a, label: Fourteen chars}
          - {id: b, label: Two}
          - {id: c, label: Three}
"""
    path = write(tmp_path, body)
    errors = check_questionnaire(path)
    assert any(
        e.startswith(f"{path}:12:")
        and "'A label that is much too long for a phone'" in e
        and "shows 30" in e
        for e in errors
    )
    # a multi choice carries "☐ " in its one-per-row button: 28 characters left
    assert any(e.startswith(f"{path}:18:") and "has 29 characters" in e for e in errors)
    # three short labels pair up two a row: 14 characters fit
    assert not any("Fourteen chars" in e for e in errors)
    assert len(errors) == 2


def test_button_layout_matches_the_limits() -> None:
    assert paths.buttons_per_row("single", ["Yes please", "No", "Maybe"]) == 2
    assert paths.buttons_per_row("single", ["Yes", "No"]) == 1
    assert paths.buttons_per_row("single", ["Fifteen letters", "b", "c"]) == 1
    assert paths.buttons_per_row("multi", ["a", "b", "c"]) == 1
    assert paths.buttons_per_row("yesno", ["Yes", "No"]) == 2
    assert paths.label_limit("multi", ["a"]) == paths.ROW_LIMITS[1] - paths.MULTI_MARK


def test_shipped_questionnaire_is_within_budget_and_the_intro_uses_the_same_estimate() -> None:
    report, problems = check_instrument(SHIPPED)
    assert problems == []
    q = load_questionnaire(SHIPPED)
    walked = paths.walk(q, {"attempted": 3, "highlight": 1, "wales_first": 2})
    assert walked.unreachable == [] and not walked.truncated
    assert walked.typical.total <= 20 and walked.typical.minutes <= 15
    assert q.minutes == paths.typical_minutes(q, {"attempted": 3, "highlight": 1, "wales_first": 2})
    assert (
        q.minutes is not None and walked.typical.minutes <= q.minutes < walked.typical.minutes + 1
    )
    assert any(
        line.startswith("typical") and f"= {walked.typical.total:3}" in line for line in report
    )


def test_version_one_breaks_the_label_limits_it_was_written_without() -> None:
    errors = check_questionnaire(SHIPPED.parent / "dgu_landscape.v1.yaml")
    assert any("Redesign paper, phone or face-to-face services" in e for e in errors)


def test_cli_prints_the_statistics(tmp_path: Path) -> None:
    path = write(tmp_path, BRANCHY)
    ok = subprocess.run(
        [sys.executable, "-m", "bot", "questionnaire", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "20 paths walked" in ok.stdout and "typical" in ok.stdout and "minutes" in ok.stdout
    write(tmp_path, BRANCHY.replace("questions: 20", "questions: 3"))
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "questionnaire", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1 and "the budget is 3" in bad.stderr
