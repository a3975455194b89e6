"""Many respondents at once: each takes the scripted interview, pausing a random think time
between a question arriving and their answer, and times answer -> next question."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from bench.botapi import BenchEmulator
from bench.report import percentile
from bench.script import Action, Expect, actions, personal


@dataclass
class CrowdResult:
    users: int
    started_at: float
    window_end: float
    #: (done at, latency, is an answer) per completed step
    steps: list[tuple[float, float, bool]] = field(default_factory=list)
    answers_sent: dict[int, int] = field(default_factory=dict)
    #: script steps each respondent sent (consent and answers), for the content comparison
    steps_sent: dict[int, int] = field(default_factory=dict)
    unanswered: int = 0  # actions still waiting for their next question at the cut-off
    #: when each of those was sent
    waiting: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished: int = 0  # respondents who answered all their questions
    #: which step each entry of `steps` was (the script's action label), in the same order
    labels: list[str] = field(default_factory=list)

    def by_label(self, start: float, end: float) -> dict[str, dict[str, float | None]]:
        """Latency quantiles of each kind of step that ended in [start, end)."""
        groups: dict[str, list[float]] = {}
        for (done, lat, _), label in zip(self.steps, self.labels, strict=True):
            if start <= done < end:
                groups.setdefault(label, []).append(lat)
        return {
            label: {f"p{p}": percentile(values, p) for p in (50, 95)} | {"n": len(values)}
            for label, values in groups.items()
        }

    def latencies(self, answers_only: bool = False, since: float = 0.0) -> list[float]:
        return [lat for done, lat, ans in self.steps if (ans or not answers_only) and done >= since]

    def quantiles(self, answers_only: bool = False, since: float = 0.0) -> dict[str, float | None]:
        values = self.latencies(answers_only, since)
        return {f"p{p}": percentile(values, p) for p in (50, 95, 99)} | {"n": len(values)}

    def at_cutoff(self, start: float, end: float, cutoff: float) -> dict[str, float | None]:
        """Latency quantiles of every step sent in [start, end) as seen at `cutoff`: a step
        answered after it, or never, counts the time it had waited by then (a lower bound).
        Two bots compared at the same cut-off after their windows compare alike, whatever
        their drains: leaving out the steps still waiting would flatter the one that answered
        fewer."""
        values = [
            min(done, cutoff) - (done - lat)
            for done, lat, _ in self.steps
            if start <= done - lat < end
        ]
        values += [cutoff - sent for sent in self.waiting if start <= sent < end]
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
    step_limit = drain if window is None else None

    async def respondent(n: int) -> None:
        uid = first_user + n
        chat = emulator.chat(uid, first_name=f"R{n}", language_code="en")
        result.answers_sent[uid] = 0
        result.steps_sent[uid] = 0
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
            result.steps_sent[uid] += 1
            if action.answer:
                result.answers_sent[uid] += 1
            try:
                limit = step_limit if step_limit is not None else hard_end - time.monotonic()
                done = await asyncio.wait_for(future, max(0.0, limit))
            except TimeoutError:
                result.unanswered += 1
                result.waiting.append(sent)
                return
            result.steps.append((done, done - sent, action.answer))
            result.labels.append(action.label)
        result.finished += 1

    await asyncio.gather(*(respondent(n) for n in range(users)))
    return result


def _pings(uid: int) -> Iterator[Action]:
    for i in itertools.count():
        yield Action("text", f"ping {uid} {i}", Expect(text=f"ping {uid} {i}"), False, "ping")


async def _act(chat: object, action: Action) -> None:
    if action.kind == "text":
        text = personal(action.payload, chat.user_id)  # type: ignore[attr-defined]
        await chat.send(text, wait=False)  # type: ignore[attr-defined]
    else:
        await chat.tap(action.payload, wait=False)  # type: ignore[attr-defined]


@dataclass
class LoopResult:
    steps: int
    seconds: float
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.steps / self.seconds if self.seconds else 0.0


async def closed_loop(
    emulator: BenchEmulator,
    *,
    slots: int,
    seconds: float,
    script: tuple[Action, ...] | None,
    first_user: int = 2_000_000,
) -> LoopResult:
    """`slots` people, each acting the moment the reply arrives (no think time), for `seconds`.

    With a `script`, a person takes it and a new person takes their place; without one, each
    person sends numbered texts for an echo ("ping <user> <n>") forever.
    """
    result = LoopResult(0, seconds)
    end = time.monotonic() + seconds

    async def person(slot: int) -> None:
        n = 0
        while time.monotonic() < end:
            uid = first_user + slot * 100_000 + n
            n += 1
            chat = emulator.chat(uid, first_name=f"C{slot}", language_code="en")
            steps = script if script is not None else _pings(uid)
            for action in steps:
                if time.monotonic() >= end:
                    return
                future = emulator.expect(uid, action.expect)
                try:
                    await _act(chat, action)
                    await asyncio.wait_for(future, 30)
                except (LookupError, TimeoutError) as exc:
                    result.errors.append(f"{uid} {action.label}: {exc!r}")
                    return
                if time.monotonic() < end:
                    result.steps += 1

    await asyncio.gather(*(person(s) for s in range(slots)))
    return result
