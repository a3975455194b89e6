"""The benchmark harness runs end to end at toy sizes (no timing is asserted here)."""

from __future__ import annotations

import os

from bench.burst import Load, crowd_run, report_steady
from bench.report import Report, percentile
from bench.script import ANSWER_STEPS, CONSENT_STEPS, actions

os.environ.setdefault("PTB_TIMEDELTA", "1")


def test_script_is_consent_then_fifteen_answers():
    steps = actions()
    assert len(steps) == CONSENT_STEPS + ANSWER_STEPS == 19
    assert sum(a.answer for a in steps) == 15


def test_percentile_and_table():
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.0
    assert percentile([], 95) is None
    report = Report()
    report.add("demo", "latency p95", 0.123, "s", target="< 1 s", ok=True, note="two users")
    table = report.table()
    assert "latency p95" in table and "PASS" in table and "two users" in table


async def test_two_respondents_take_the_interview_through_the_real_process():
    load = Load(users=2, ramp=0.1, think=(0.0, 0.05), window=None, drain=20)
    ours = await crowd_run(
        "ours", load, latency=0.0, flood=False, cpus=(None, None), limiter="none"
    )
    assert ours["errors"] == [] and ours["unanswered_at_cutoff"] == 0
    assert ours["respondents_finished"] == 2
    assert ours["answers_sent"] == ours["answers_stored"] == 2 * ANSWER_STEPS
    # each answer and each respondent's consent (agreed, in English, quotes anonymised)
    assert ours["content"]["matched"] == 2 * (ANSWER_STEPS + 3)
    assert ours["answers_lost"] == 0 and ours["http_429"] == 0
    report = Report()
    report_steady(report, [ours])
    content = [f for f in report.figures if "missing, doubled or different" in f.name]
    assert [f.ok for f in content] == [True]
    errors = [f for f in report.figures if f.name.endswith("respondent errors")]
    assert [f.ok for f in errors] == [True]
