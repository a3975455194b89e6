"""Many respondents at once: each takes the scripted interview, pausing a random think time
between a question arriving and their answer, and times answer -> next question."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from bench.botapi import BenchEmulator
from bench.report import percentile
from bench.script import Action, actions


@dataclass
class CrowdResult:
    users: int
    started_at: float
    window_end: float
    #: (done at, latency, is an answer) per completed step
    steps: list[tuple[float, float, bool]] = field(default_factory=list)
    answers_sent: dict[int, int] = field(default_factory=dict)
    unanswered: int = 0  # actions still waiting for their next question at the cut-off
    errors: list[str] = field(default_factory=list)
    finished: int = 0  # respondents who answered all their questions

    def latencies(self, answers_only: bool = False, since: float = 0.0) -> list[float]:
        return [lat for done, lat, ans in self.steps if (ans or not answers_only) and done >= since]

    def quantiles(self, answers_only: bool = False, since: float = 0.0) -> dict[str, float | None]:
        values = self.latencies(answers_only, since)
        return {f"p{p}": percentile(values, p) for p in (50, 95, 99)} | {"n": len(values)}

    def rate(self, start: float, end: float, answers_only: bool = False) -> float:
        done = [t for t, _, ans in self.steps if start <= t < end and (ans or not answers_only)]
        return len(done) / (end - start) if end > start else 0.0

    @property
    def total_answers_sent(self) -> int:
        return sum(self.answers_sent.values())


async def run_crowd(
    emulator: BenchEmulator,
    *,
    users: int,
    first_user: int,
    ramp: float,
    think: tuple[float, float],
    window: float | None,
    drain: float,
    seed: int = 8,
) -> CrowdResult:
    """Start `users` respondents uniformly within `ramp` seconds. After `window` seconds (None:
    until everyone is done) nobody starts a new step; answers in flight get `drain` seconds."""
    rng = random.Random(seed)
    script = actions()
    start = time.monotonic()
    result = CrowdResult(users, start, start + (window if window is not None else 1e9))
    hard_end = result.window_end + drain

    async def respondent(n: int) -> None:
        uid = first_user + n
        chat = emulator.chat(uid, first_name=f"R{n}", language_code="en")
        result.answers_sent[uid] = 0
        await asyncio.sleep(rng.uniform(0, ramp))
        for i, action in enumerate(script):
            if i:
                await asyncio.sleep(rng.uniform(*think))
            if time.monotonic() >= result.window_end:
                return
            future = emulator.expect(uid, action.expect)
            sent = time.monotonic()
            try:
                await _act(chat, action)
            except LookupError as exc:
                result.errors.append(f"{uid} {action.label}: {exc}")
                return
            if action.answer:
                result.answers_sent[uid] += 1
            try:
                done = await asyncio.wait_for(future, max(0.0, hard_end - time.monotonic()))
            except TimeoutError:
                result.unanswered += 1
                return
            result.steps.append((done, done - sent, action.answer))
        result.finished += 1

    await asyncio.gather(*(respondent(n) for n in range(users)))
    return result


async def _act(chat: object, action: Action) -> None:
    if action.kind == "text":
        await chat.send(action.payload, wait=False)  # type: ignore[attr-defined]
    else:
        await chat.tap(action.payload, wait=False)  # type: ignore[attr-defined]
