"""Scenarios 1 and 2: respondents against Telegram's limits, our bot next to stock PTB.

`steady`: a crowd whose offered load stays under the 30/s ceiling; the answer -> next question
time is held to RTT + 250 ms. `burst`: 1,000 respondents starting within 10 seconds, far more
than the ceiling; the bot must sustain >= 90% of 30 messages/s with no 429 and lose nothing.
The stock ConversationHandler bot takes the same crowd on the same emulator, with and without
flood limits, and our figures are reported as ratios to its.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.botapi import serving
from bench.crowd import CrowdResult, run_crowd
from bench.dbcheck import answers_per_user, lost_answers
from bench.ours import our_bot, stock_bot
from bench.procs import Child
from bench.report import Report
from bench.script import ANSWER_STEPS, CONSENT_STEPS

CEILING = 30.0


@dataclass(frozen=True)
class Load:
    users: int
    ramp: float
    think: tuple[float, float]
    window: float | None  # seconds of load; None: until every respondent has finished
    drain: float

    def offered_steps(self) -> float:
        """Steps a second the crowd would ask for if every reply were instant."""
        return self.users / ((self.think[0] + self.think[1]) / 2)


async def crowd_run(
    bot: str,
    load: Load,
    *,
    latency: float,
    flood: bool,
    cpus: tuple[set[int] | None, set[int] | None],
    limiter: str = "pacer",
    database_url: str | None = None,
    seed: int = 8,
) -> dict[str, Any]:
    """One crowd against one bot ("ours" or "stock"); the figures of that run as a dict."""
    tmp = Path(tempfile.mkdtemp(prefix="dgu-bench-"))
    url = database_url or f"sqlite:///{tmp}/bench.sqlite3"
    name = f"{bot}-{'flood' if flood else 'noflood'}-{load.users}"
    async with serving(latency=latency, flood=flood) as emulator:
        if bot == "ours":
            context = our_bot(emulator, url, name=name, cpus=cpus[0], limiter=limiter)
        else:
            context = stock_bot(emulator, name=name, cpus=cpus[0], rate_limiter=flood)
        async with context as proc:
            cpu_before = proc.cpu_seconds()
            emulator.reset_calls()
            hits_before = emulator.flood.hits if emulator.flood else 0
            result = await run_crowd(
                emulator,
                users=load.users,
                first_user=1_000_000,
                ramp=load.ramp,
                think=load.think,
                window=load.window,
                drain=load.drain,
                seed=seed,
            )
            ended = time.monotonic()
            figures = _figures(result, emulator, proc, load, ended)
            figures["cpu_seconds"] = round(proc.cpu_seconds() - cpu_before, 2)
            figures["http_429"] = (emulator.flood.hits if emulator.flood else 0) - hits_before
    if bot == "ours":
        stored = await answers_per_user(url)
        figures["answers_stored"] = sum(stored.get(u, 0) for u in result.answers_sent)
        figures["answers_lost"] = lost_answers(result.answers_sent, stored)
    figures.update(
        bot=bot, flood=flood, latency=latency, limiter=limiter if bot == "ours" else None
    )
    return figures


def _figures(
    result: CrowdResult, emulator: Any, proc: Child, load: Load, ended: float
) -> dict[str, Any]:
    start = result.started_at + load.ramp  # everyone has started: the sustained part
    end = min(result.window_end, ended)
    if end - start < 1:
        start = result.started_at
    latency_all = result.quantiles()
    latency_answers = result.quantiles(answers_only=True)
    return {
        "users": load.users,
        "offered_steps_per_s": round(load.offered_steps(), 1),
        "window_s": round(end - start, 1),
        "steps_per_s": round(result.rate(start, end), 2),
        "answers_per_s": round(result.rate(start, end, answers_only=True), 2),
        "messages_per_s": round(emulator.counted(start, end) / (end - start), 2),
        "latency_steps": latency_all,
        "latency_answers": latency_answers,
        "answers_sent": result.total_answers_sent,
        "respondents_finished": result.finished,
        "unanswered_at_cutoff": result.unanswered,
        "errors": result.errors[:5],
        "calls": emulator.method_counts(),
        # issue 12: the spinner stops within a second even in a burst (tap -> answer)
        "tap_answer": emulator.tap_answers(result.started_at),
        "rss_mb": round(proc.rss() / 2**20, 1),
    }


def steps_per_respondent() -> int:
    return CONSENT_STEPS + ANSWER_STEPS


def report_steady(report: Report, ours: dict[str, Any], stock: dict[str, Any] | None) -> None:
    rtt = ours["latency"]
    bound = rtt + 0.25
    lat = ours["latency_answers"] if ours["latency_answers"]["n"] else ours["latency_steps"]
    s = "steady"
    report.add(
        s,
        "offered load",
        ours["offered_steps_per_s"],
        "steps/s",
        note=f"{ours['users']} respondents, think time as configured; ceiling 30 msg/s",
    )
    for p in ("p50", "p95", "p99"):
        value = lat[p]
        ok = value is not None and value < bound if p == "p95" else None
        report.add(
            s,
            f"answer -> next question {p}",
            _ms(value),
            "ms",
            target=f"< {bound * 1000:.0f} ms (RTT + 250)" if p == "p95" else "",
            ok=ok,
        )
    report.add(s, "messages/s", ours["messages_per_s"], "msg/s")
    report.add(s, "429s received", ours["http_429"], target="0", ok=ours["http_429"] == 0)
    report.add(
        s,
        "answers lost",
        ours["answers_lost"],
        target="0",
        ok=ours["answers_lost"] == 0 and ours["unanswered_at_cutoff"] == 0,
        note=f"{ours['answers_sent']} sent, {ours['answers_stored']} stored",
    )
    if stock is not None:
        report.add(s, "stock PTB p95", _ms(stock["latency_answers"]["p95"]), "ms")
        ratio = _ratio(stock["latency_answers"]["p95"], lat["p95"])
        report.add(s, "p95: stock / ours", ratio, "x")


def report_burst(
    report: Report,
    ours: dict[str, Any],
    stock: dict[str, Any] | None,
    *,
    flood: bool,
    interview_rate: float | None = None,
) -> None:
    s = "burst" if flood else "burst, no flood limits"
    lat, answers = ours["latency_steps"], ours["latency_answers"]
    report.add(
        s,
        "offered load",
        ours["offered_steps_per_s"],
        "steps/s",
        note=f"{ours['users']} respondents starting within the ramp; measured over "
        f"{ours['window_s']} s once all had started",
    )
    if flood:
        share = ours["messages_per_s"] / CEILING
        report.add(
            s,
            "messages/s sustained",
            ours["messages_per_s"],
            "msg/s",
            target=">= 27 (90% of 30)",
            ok=share >= 0.9,
        )
    else:
        report.add(s, "messages/s", ours["messages_per_s"], "msg/s")
    report.add(s, "steps/s (answer -> next question)", ours["steps_per_s"], "/s")
    for p in ("p50", "p95", "p99"):
        report.add(s, f"step latency {p}", _ms(lat[p]), "ms")
    if answers["n"]:
        report.add(s, "answer latency p95", _ms(answers["p95"]), "ms")
    if flood:
        report.add(s, "429s received", ours["http_429"], target="0", ok=ours["http_429"] == 0)
    taps = ours.get("tap_answer")
    if taps and taps["n"]:
        report.add(
            s,
            "tap -> answerCallbackQuery p95",
            _ms(taps["p95"]),
            "ms",
            target="< 1000 ms",
            ok=taps["p95"] is not None and taps["p95"] < 1.0 and taps["unanswered"] == 0,
            note=f"{taps['n']} taps, p50 {_ms(taps['p50'])} ms, p99 {_ms(taps['p99'])} ms, "
            f"{taps['unanswered']} never answered",
        )
    report.add(
        s,
        "answers lost",
        ours["answers_lost"],
        target="0",
        ok=ours["answers_lost"] == 0 and ours["unanswered_at_cutoff"] == 0,
        note=f"{ours['answers_sent']} sent, {ours['answers_stored']} stored, "
        f"{ours['unanswered_at_cutoff']} unanswered at the cut-off",
    )
    if stock is None:
        return
    report.add(
        s,
        "stock PTB steps/s",
        stock["steps_per_s"],
        "/s",
        note=f"stock: {stock['messages_per_s']} msg/s, {stock['http_429']} x 429, "
        f"p95 {_ms(stock['latency_steps']['p95'])} ms",
    )
    ratio = _ratio(ours["steps_per_s"], stock["steps_per_s"])
    window_only = flood and interview_rate is not None
    report.add(
        s,
        "throughput: ours / stock, same window",
        ratio,
        "x",
        target=">= 2" if flood and not window_only else "",
        ok=(ratio is not None and ratio >= 2) if flood and not window_only else None,
        note="in this window the stock bot's respondents are all still in the consent steps, "
        "its cheapest (one or two round trips each)"
        if window_only
        else "",
    )
    if window_only:
        mix = _ratio(ours["steps_per_s"], interview_rate)
        report.add(
            s,
            "throughput: ours / stock, interview mix",
            mix,
            "x",
            target=">= 2",
            ok=mix is not None and mix >= 2,
            note=f"stock saturated over consent and answers (the steady crowd): "
            f"{interview_rate} steps/s; ours is one message a step in every phase",
        )
    p95 = _ratio(stock["latency_steps"]["p95"], lat["p95"])
    report.add(
        s,
        "p95 latency: stock / ours",
        p95,
        "x",
        target="> 1 (far lower)" if flood else "",
        ok=(p95 is not None and p95 > 1) if flood else None,
    )


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 0)


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 2)
