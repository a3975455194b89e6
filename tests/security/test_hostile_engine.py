"""Every hostile input at every kind of question, through the pure engine and the renderer:
no exception, and every message is HTML Telegram accepts (the emulator's strict parser), no
longer than Telegram allows, and shows a free-text answer exactly as it was typed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import interview as engine
from bot.interview import load_questionnaire
from bot.sandbox.tghtml import parse_html, utf16_len
from handlers import render

ROOT = Path(__file__).resolve().parents[2]
CORPUS = json.loads((ROOT / "tests" / "fixtures" / "hostile_inputs.json").read_text())
INPUTS = CORPUS["text"] + CORPUS["long_text"]
Q = load_questionnaire(ROOT / "prompts" / "dgu_landscape.yaml")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _one_of_each_kind() -> list[str]:
    kinds: dict[str, str] = {}
    for key in Q.answer_keys():
        kind = Q.question(engine.split_key(key)[0]).kind
        kinds.setdefault(kind, key)
    return sorted(kinds.values())


def _at(key: str, lang: str) -> engine.State:
    start = engine.begin(Q, lang, NOW).state
    qid = engine.split_key(key)[0]
    answers = {"attempted": ["redesign"]} if "@" in key else {}
    return (
        engine.State.from_json({**start.to_json(), "cursor": key, "answers": answers})
        if qid
        else start
    )


def _check(state: engine.State, text: str, lang: str) -> None:
    step = engine.advance(Q, state, engine.Text(text, NOW), NOW)
    for message in render.events(Q, lang, step.events):
        parsed = parse_html(message.text)  # raises where Telegram would refuse
        assert utf16_len(parsed.text) <= render.MAX_TEXT
        for row in message.buttons:
            for _label, data in row:
                assert 1 <= len(data.encode()) <= render.MAX_CALLBACK_BYTES
    review = engine.advance(Q, step.state, engine.Review(), NOW)
    for message in render.events(Q, lang, review.events):
        parse_html(message.text)


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("key", _one_of_each_kind())
def test_corpus_at_every_kind_of_question(key: str, lang: str) -> None:
    state = _at(key, lang)
    for text in INPUTS:
        _check(state, text, lang)


def test_free_text_is_shown_back_exactly() -> None:
    state = _at("organisation", "en")  # the first free-text question
    key = state.cursor
    assert key is not None
    for text in INPUTS:
        step = engine.advance(Q, state, engine.Text(text, NOW), NOW)
        value = step.state.answers.get(key)
        if value is None:
            continue
        assert value == text.strip()
        moved = step.state
        if moved.probing is not None:  # a short answer gets a follow-up: skip it
            moved = engine.advance(Q, moved, engine.Skip(), NOW).state
        back = engine.advance(Q, moved, engine.Back(), NOW)
        shown = " ".join(parse_html(m.text).text for m in render.events(Q, "en", back.events))
        assert render.clip(value, 500) in shown


@settings(max_examples=300, deadline=None)
@given(text=st.text(min_size=1, max_size=5000), key=st.sampled_from(_one_of_each_kind()))
def test_any_text_at_any_question(text: str, key: str) -> None:
    _check(_at(key, "en"), text, "en")


@pytest.mark.parametrize("text", ["¹", "²³", "①", "٣", "१२", "Ⅻ", "½"])
def test_digits_python_calls_digits_but_int_refuses(text: str) -> None:
    """str.isdigit() accepts '¹' and '①', which int() refuses (found by Hypothesis)."""
    for key in _one_of_each_kind():
        _check(_at(key, "en"), text, "en")
