"""Random input sequences: the engine never raises and its state always survives JSON."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.interview import (
    Amend,
    Back,
    Choice,
    Done,
    Edit,
    Review,
    Skip,
    State,
    Submit,
    Text,
    Toggle,
    advance,
    begin,
    current,
    load_questionnaire,
    set_language,
)

Q = load_questionnaire(Path(__file__).parents[3] / "prompts" / "dgu_landscape.yaml")
KEYS = [*Q.answer_keys(), "nope"]
CHOICES = [
    "national",
    "centre",
    "yes",
    "no",
    "3",
    "GB",
    "EE",
    "platforms",
    "skills",
    "success",
    "x",
]
T0 = datetime(2026, 1, 1)

inputs = st.one_of(
    st.builds(
        Text,
        st.sampled_from(["Estonia", "42", "ie", "a", "A long answer " * 8, "", "zz"]),
        st.just(T0),
    ),
    st.builds(Choice, st.sampled_from(KEYS), st.sampled_from(CHOICES)),
    st.builds(Toggle, st.sampled_from(KEYS), st.sampled_from(CHOICES)),
    st.builds(Done, st.one_of(st.none(), st.sampled_from(KEYS))),
    st.builds(Skip),
    st.builds(Back),
    st.builds(Review),
    st.builds(Submit),
    st.builds(Edit, st.sampled_from(KEYS)),
    st.builds(Amend, st.sampled_from(KEYS), st.just("edited")),
    st.sampled_from(["cy", "en"]),  # a /language switch
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(inputs, st.floats(0, 120)), max_size=60))
def test_engine_never_raises_and_state_round_trips(seq: list[tuple[object, float]]) -> None:
    now = T0
    state = begin(Q, "en", now).state
    for inp, gap in seq:
        now += timedelta(seconds=gap)
        if isinstance(inp, str):
            step = set_language(Q, state, inp)
        else:
            if isinstance(inp, Text):
                inp = Text(inp.text, now)
            step = advance(Q, state, inp, now)  # type: ignore[arg-type]
        state = step.state
        assert State.from_json(json.loads(json.dumps(state.to_json()))) == state
        assert state.status in ("in_progress", "reviewing", "completed")
        if state.status == "in_progress":
            assert state.cursor is not None
        for record in step.records:
            assert record.key in KEYS
        assert current(Q, state).events
