"""A respondent talking to the engine, for the engine's tests (`test_engine*.py`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.interview import Ask, Input, Questionnaire, State, Step, Text, advance, begin

T0 = datetime(2026, 3, 1, 9, 0, 0)


class Chat:
    """A respondent talking to the engine; every state is checked to survive a JSON round trip."""

    def __init__(self, q: Questionnaire, language: str = "en") -> None:
        self.q = q
        self.now = T0
        self.step = begin(q, language, self.now)
        self.records: dict[str, object] = {}
        self._apply(self.step)

    def _apply(self, step: Step) -> None:
        assert State.from_json(step.state.to_json()) == step.state
        for r in step.records:
            self.records[r.key] = r.value
        for k in step.cleared:
            self.records.pop(k, None)

    @property
    def state(self) -> State:
        return self.step.state

    def send(self, inp: Input, gap: float = 30.0) -> Step:
        self.now += timedelta(seconds=gap)
        self.step = advance(self.q, self.state, inp, self.now)
        self._apply(self.step)
        return self.step

    def say(self, text: str, gap: float = 30.0) -> Step:
        return self.send(Text(text, self.now + timedelta(seconds=gap)), gap)

    @property
    def ask(self) -> Ask:
        asks = [e for e in self.step.events if isinstance(e, Ask)]
        assert asks, self.step.events
        return asks[-1]

    def event(self, kind: type) -> object:
        found = [e for e in self.step.events if isinstance(e, kind)]
        assert found, self.step.events
        return found[-1]
