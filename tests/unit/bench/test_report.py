"""The benchmark's judgement, without running a benchmark: the content comparison that decides
whether answers were lost, and the document generated from a run's results."""

from __future__ import annotations

import json

from bench.burst import report_burst, report_steady
from bench.crowd import CrowdResult
from bench.dbcheck import compare
from bench.report import Report, gap, redact, render, trim_profile
from bench.script import ANSWER_STEPS, CONSENT_STEPS, STORED, intended

# -------------------------------------------------------------------- content comparison


def test_identical_content_matches():
    meant = {1: {"role": "a", "years": 12}, 2: {"role": "b"}}
    stored = {1: [("role", "a"), ("years", 12)], 2: [("role", "b")]}
    result = compare(meant, stored)
    assert result.ok and result.matched == 3 and result.intended == result.stored == 3


def test_missing_doubled_different_and_unexpected_are_each_counted():
    meant = {1: {"role": "a", "years": 12, "level": "national"}, 2: {"role": "b"}}
    stored = {
        1: [("role", "a"), ("years", 12), ("years", 12), ("country", "GB")],
        2: [("role", "a")],  # another person's answer: same count, wrong content
    }
    result = compare(meant, stored)
    assert (result.missing, result.doubled, result.different, result.unexpected) == (1, 1, 1, 1)
    assert result.matched == 1 and not result.ok and result.mismatches == 4
    assert any("level: missing" in e for e in result.examples)
    assert any("2 role: stored 'a', sent 'b'" in e for e in result.examples)


def test_equal_counts_with_wrong_values_fail():
    """What the old count check let through: as many rows as answers, none of them right."""
    meant = {7: {"role": "mine", "team_size": 40}}
    stored = {7: [("role", "someone else's"), ("team_size", "40")]}
    result = compare(meant, stored)
    assert result.stored == result.intended and result.different == 2 and not result.ok


def test_a_boolean_is_not_the_number_one():
    assert compare({1: {"trait": 1}}, {1: [("trait", True)]}).different == 1


def test_respondents_nobody_meant_to_store_show_as_unexpected():
    result = compare({}, {9: [("role", "x")]})
    assert result.unexpected == 1 and not result.ok


def test_intended_follows_the_script_and_is_personal():
    assert len(STORED) == ANSWER_STEPS
    assert intended(1_000_042, 2) == {}  # /start and a language: nothing held before consent
    assert intended(1_000_042, 3) == {"@consent": True, "@language": "en"}
    mine = intended(1_000_042, CONSENT_STEPS + 3)
    assert list(mine) == ["@consent", "@language", "@quote", "role", "organisation", "country"]
    assert mine["@quote"] == "anonymised"
    assert "1000042" in mine["role"] and "{uid}" not in mine["organisation"]
    assert intended(1_000_043, CONSENT_STEPS + 3)["role"] != mine["role"]


# -------------------------------------------------------------------- figures and the document


def _run(bot: str, **over: object) -> dict[str, object]:
    run: dict[str, object] = {
        "bot": bot,
        "backend": "sqlite" if bot == "ours" else None,
        "users": 10,
        "latency": 0.05,
        "offered_steps_per_s": 5.0,
        "window": [1.0, 9.0],
        "steps_per_s": 20.0,
        "messages_per_s": 20.0,
        "messages_per_step": 1.0,
        "latency_steps": {"p50": 0.1, "p95": 0.2, "p99": 0.3, "n": 50},
        "latency_at_cutoff": {"p50": 0.1, "p95": 0.2, "p99": 0.3, "n": 50},
        "latency_answers": {"p50": 0.1, "p95": 0.2, "p99": 0.3, "n": 40},
        "http_429": 0,
        "unanswered_at_cutoff": 0,
        "error_count": 0,
        "errors": [],
        "calls": {"sendMessage": 50},
        "metrics": {},
        "content": {
            "intended": 40,
            "stored": 40,
            "matched": 40,
            "missing": 0,
            "doubled": 0,
            "different": 0,
            "unexpected": 0,
            "examples": [],
        },
    }
    run.update(over)
    return run


def test_burst_ratios_are_per_baseline_in_the_same_window():
    report = Report()
    stock = _run("stock", steps_per_s=8.0, latency_steps={"p50": 1, "p95": 2.0, "p99": 3, "n": 9})
    fair = _run("stock-concurrent", steps_per_s=16.0)
    report_burst(report, [_run("ours"), stock, fair], flood=True)
    ratios = {f.name: f for f in report.figures if f.name.startswith("throughput")}
    assert ratios["throughput: ours (sqlite) / stock PTB (default)"].value == 2.5
    assert ratios["throughput: ours (sqlite) / stock PTB (default)"].ok is True
    concurrent = ratios["throughput: ours (sqlite) / stock PTB (concurrent_updates)"]
    assert concurrent.value == 1.25 and concurrent.ok is False
    assert "sendMessage" in concurrent.profile
    assert not any("interview mix" in f.name for f in report.figures)


def test_latency_ratio_compares_every_step_at_one_cut_off():
    # a baseline that answered fewer, faster (its slow steps still waiting at the cut-off) does
    # not look quicker: the ratio is of every step sent, seen at the same moment
    stock = _run(
        "stock",
        latency_steps={"p50": 0.1, "p95": 0.15, "p99": 0.2, "n": 10},
        latency_at_cutoff={"p50": 2.0, "p95": 4.0, "p99": 5.0, "n": 50},
    )
    report = Report()
    report_burst(report, [_run("ours"), stock], flood=True)
    figure = next(f for f in report.figures if f.name.startswith("p95 latency"))
    assert figure.value == 20.0 and figure.ok is True and "200.0 ms ours" in figure.note


def test_at_cutoff_counts_a_step_still_waiting_by_its_wait_so_far():
    result = CrowdResult(users=3, started_at=0.0, window_end=10.0)
    result.steps = [(2.0, 1.0, True), (30.0, 25.0, True), (1.0, 0.5, False)]  # sent 1, 5, 0.5
    result.waiting = [9.0]
    seen = result.at_cutoff(1.0, 10.0, cutoff=13.0)
    # sent in [1, 10): the 1 s step, the one answered at 30 (8 s by 13), the one waiting (4 s)
    assert seen["n"] == 3 and seen["p50"] == 4.0 and seen["p99"] == 8.0


def test_errors_content_and_extra_metrics_decide_the_outcome():
    bad_content = dict(_run("ours")["content"], different=2, matched=38)  # type: ignore[arg-type]
    ours = _run(
        "ours",
        content=bad_content,
        metrics={
            "tap -> answerCallbackQuery p95": {
                "value": 900,
                "unit": "ms",
                "target": "< 500 ms",
                "ok": False,
            }
        },
    )
    broken_stock = _run("stock", error_count=3, errors=["1 quote: no button"])
    report = Report()
    report_burst(report, [ours, broken_stock], flood=True)
    failed = {f.name for f in report.failed}
    assert "ours (sqlite): answers or consent missing, doubled or different" in failed
    assert "stock PTB (default): respondent errors" in failed
    assert "ours (sqlite): tap -> answerCallbackQuery p95" in failed


def test_steady_compares_the_same_kind_of_step():
    report = Report()
    stock = _run("stock", latency_answers={"p50": None, "p95": None, "p99": None, "n": 0})
    report_steady(report, [_run("ours"), stock])
    ratio = next(f for f in report.figures if f.name.startswith("p95: stock"))
    assert ratio.value == 1.0  # steps against steps, since the stock run saw no answer
    assert ratio.ok is None and report.failed == []


def test_gap_in_words():
    assert gap({"value": 268, "unit": "ms", "target": "< 200 ms"}) == "68 ms over (34%)"
    assert gap({"value": 1.5, "unit": "x", "target": ">= 2"}) == "0.5x short (25%)"
    assert gap({"value": 3, "unit": "", "target": "0"}) == "3 over"
    assert gap({"value": None, "unit": "", "target": "< 1"}) == "target missed"


def test_document_is_generated_from_the_results_alone(tmp_path):
    report = Report()
    report.add("burst", "messages/s", 29.1, "msg/s", target=">= 27", ok=True)
    report.add("staff", "search p95", 268, "ms", target="< 200 ms", ok=False, profile="plan X")
    report.add("staff", "context | with a pipe", 1.5, "s", note="two\nlines")
    data = json.loads(json.dumps(report.write(tmp_path / "r.json", ["--only", "staff"])))
    template = "# P\n<!-- RUN -->\n<!-- SUMMARY -->\n<!-- RESULTS -->\n<!-- MISSED -->\n"
    text = render(data, template)
    assert "<!--" not in text
    assert "1 of 2 targets met" in text
    assert "search p95: 268 ms against < 200 ms (68 ms over (34%))" in text
    assert "```\nplan X\n```" in text
    assert "| messages/s | 29.1 msg/s | >= 27 | met |" in text
    assert "context \\| with a pipe" in text and "two lines" in text
    env = data["environment"]
    assert env["cores"] and env["memory_gb"] and env["cpu_model"]
    assert f"{env['cores']} cores, {env['cpu_model']}" in text
    assert data["command"] == "python -m bench --only staff" and data["started"] in text
    assert "A partial run (--only)" in text
    data["command"] = "python -m bench"
    assert "partial run" not in render(data, template)


def test_shipped_template_has_every_marker():
    from bench.report import TEMPLATE

    template = TEMPLATE.read_text(encoding="utf-8")
    for marker in ("<!-- RUN -->", "<!-- SUMMARY -->", "<!-- RESULTS -->", "<!-- MISSED -->"):
        assert marker in template


def test_profile_banner_is_trimmed():
    text = (
        "\n  _     ._   banner   Recorded: 15:08:12  Samples:  2920\n"
        " /_//_/// /_\\ / //   Duration: 3.460     CPU time: 1.284\n"
        "/   _/   v5.1.3\n\nProfile at bench/botproc.py:65\n\n3.4 MainThread\n|- 2.9 run\n"
    )
    assert trim_profile(text) == "Duration: 3.460     CPU time: 1.284\n3.4 MainThread\n|- 2.9 run"


def test_a_database_password_is_not_recorded():
    command = redact("python -m bench --postgres postgresql://bench:s3cr3t@db:5432/x --quick")
    assert "s3cr3t" not in command and "postgresql://bench:***@db:5432/x" in command
    assert redact("postgresql://postgres@127.0.0.1/x") == "postgresql://postgres@127.0.0.1/x"


def test_a_run_where_nobody_answered_claims_no_content_check():
    empty = dict(_run("ours")["content"], intended=0, stored=0, matched=0)  # type: ignore[arg-type]
    report = Report()
    report_burst(report, [_run("ours", content=empty)], flood=True)
    figure = next(f for f in report.figures if "missing, doubled" in f.name)
    assert figure.ok is None and figure.value is None and "nothing to compare" in figure.note
