"""Every path through a questionnaire: how many questions, how long, and which never come up.

`walk` follows the real plan (`plan.build`: conditions, repeat groups, `choices_from`), branching
only where an answer changes what comes next:

* a question no condition, repeat or `choices_from` depends on takes one answer;
* a single / yes-no / scale question that something depends on is answered once with one value
  of each kind the conditions tell apart (values every condition treats alike lead to the same
  path);
* a multi question that something depends on is answered with its first k offered choices, for
  every k it allows (so every repeat count is walked);
* in a repeat group, items are interchangeable: the walk gives the items' answers in
  non-decreasing order (2 items × 2 values = 3 paths, not 4), which covers every mix;
* an optional question something checks with `answered:` is also walked skipped.

Probes do not change the path: the minimum counts none, the maximum counts every probe, and the
typical path counts a probe when the typical answer (below) is shorter than its `below`.

The time model (documented in prompts/README.md):

* reading: READING_WPM words a minute, for everything shown (question, hint, button labels);
* typing: TYPING_WPM words a minute on a phone keyboard; a typical answer to a text question is
  TYPICAL_WORDS_LONG words when it collects several messages, TYPICAL_WORDS_SHORT otherwise, and
  TYPICAL_WORDS_PROBE for a probe;
* tapping: SECONDS_PER_TAP for each button (a multi question: one per choice, plus Done).

The typical respondent answers every question (optional ones too), picks the first choice of a
single question, says yes, and picks `settings.typical_choices[<id>]` choices (default 1) in a
multi. Time is estimated in every language and the slowest is reported.

Button labels must fit one line of a phone (an inline button never wraps: Telegram cuts it with
"…"). On a 360-point-wide screen, one full-width button shows about 30 characters; two a row,
14; three a row, 9. `buttons_per_row` is the layout the bot uses (handlers/render.py).

One module on purpose, though over 300 lines: the walk, the time model and the button layout
share the constants above, and changing one (a reading speed, a row limit) means re-reading the
others; `questionnaire check` (`checks`) and the load's `minutes` (`loader`) use it whole.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from bot.interview import plan
from bot.interview.questionnaire import DONT_KNOW, Question, Questionnaire, Value
from bot.interview.schema import ConditionModel

READING_WPM = 200  # silent reading of short texts on a phone (adults average ~238 on paper)
TYPING_WPM = 30  # typing on a phone's on-screen keyboard (studies measure ~36 for fluent users)
SECONDS_PER_TAP = 2.0  # find and tap one button once the question has been read
TYPICAL_WORDS_LONG = 60  # a considered answer over one or more messages (`collect: true`)
TYPICAL_WORDS_SHORT = 12  # a name, a link, a sentence
TYPICAL_WORDS_PROBE = 25  # a follow-up
CHARS_PER_WORD = 6  # average English word with its space: compares typical answers to `below`

#: the most characters a button shows on one line of a phone, by buttons in its row
ROW_LIMITS: Mapping[int, int] = {1: 30, 2: 14, 3: 9}
MULTI_MARK = 2  # "☐ " before a multi question's choice
MAX_PATHS = 200_000

_WORD = re.compile(r"\w+", re.UNICODE)


def buttons_per_row(kind: str, labels: list[str]) -> int:
    """How many answer buttons share a row: short labels pair up, long ones get a row each."""
    if kind == "yesno":
        return 2
    if kind == "multi":
        return 1
    short = all(len(label) <= ROW_LIMITS[2] for label in labels)
    return 2 if short and len(labels) > 2 else 1


def label_limit(kind: str, labels: list[str]) -> int:
    """The longest label a question's buttons may have, for the layout they get."""
    limit = ROW_LIMITS[buttons_per_row(kind, labels)]
    return limit - MULTI_MARK if kind == "multi" else limit


@dataclass(frozen=True, slots=True)
class PathCost:
    questions: int  # questions asked (repeat items each count)
    probes: int  # follow-ups on this path (as counted for min / typical / max)
    seconds: float

    @property
    def total(self) -> int:
        return self.questions + self.probes

    @property
    def minutes(self) -> float:
        return self.seconds / 60


@dataclass(frozen=True, slots=True)
class Walk:
    paths: int
    minimum: PathCost
    typical: PathCost
    maximum: PathCost
    unreachable: list[str] = field(default_factory=list)
    truncated: bool = False  # more than MAX_PATHS: the statistics cover the first MAX_PATHS


# --- the walk ----------------------------------------------------------------------------------
def _leaves(cond: ConditionModel | None, out: dict[str, list[ConditionModel]]) -> None:
    """Collect the simple conditions (those naming one question) by the question they name."""
    if cond is None:
        return
    for sub in (cond.not_, *(cond.all or ()), *(cond.any or ())):
        _leaves(sub, out)
    if cond.question is not None:
        out.setdefault(cond.question, []).append(cond)


def _drivers(q: Questionnaire) -> dict[str, list[ConditionModel]]:
    """Question id -> the simple conditions that read it; every question whose answer changes
    the path is a key (repeat and `choices_from` sources with no conditions too)."""
    out: dict[str, list[ConditionModel]] = {}
    for question in q.questions:
        _leaves(question.when, out)
        _leaves(question.choices_unless, out)
        if question.repeat_over is not None:
            out.setdefault(question.repeat_over, [])
        if question.choices_from is not None:
            out.setdefault(question.choices_from, [])
    return out


def _values(question: Question) -> list[Value]:
    """Every answer a question can have that is not a choice list or free text."""
    if question.kind == "single":
        return list(question.choice_ids)
    if question.kind == "yesno":
        return [True, False]
    if question.kind == "scale":
        lo, hi = question.minimum or 1, question.maximum or 5
        points: list[Value] = list(range(lo, hi + 1))
        return [*points, DONT_KNOW] if question.dont_know else points
    return []


def _placeholder(question: Question) -> Value:
    if question.kind == "text":
        return "x"
    if question.kind == "number":
        return question.minimum if question.minimum is not None else 0
    if question.kind == "country":
        return question.quick_picks[0] if question.quick_picks else "GB"
    if question.kind == "multi":
        return []
    values = _values(question)
    return values[0] if values else None


def _branches(
    q: Questionnaire,
    question: Question,
    answers: Mapping[str, Value],
    leaves: list[ConditionModel] | None,
) -> list[Value]:
    """The answers worth walking for one question (see the module docstring)."""
    if leaves is None:
        return [_placeholder(question)]
    out: list[Value] = []
    if question.kind == "multi":
        offered = plan.available(q, question, answers)
        lo = question.min_choices if question.min_choices is not None else 1
        hi = (
            len(offered)
            if question.max_choices is None
            else min(question.max_choices, len(offered))
        )
        out = [offered[:k] for k in range(lo, hi + 1)]
    elif question.kind in ("single", "yesno", "scale"):
        # values every condition treats alike lead to the same path: walk one of each kind
        seen: set[tuple[bool, ...]] = set()
        for value in _values(question):
            verdict = tuple(plan.holds(leaf, {question.id: value}, None) for leaf in leaves)
            if verdict not in seen:
                seen.add(verdict)
                out.append(value)
    else:
        out = [_placeholder(question)]
    if question.optional and any(leaf.answered is not None for leaf in leaves):
        out.append(None)
    return out or [_placeholder(question)]


def _paths(q: Questionnaire) -> Iterator[tuple[list[plan.Slot], dict[str, Value]]]:
    """Every distinct path as (slots asked, answers given), depth first."""
    drivers = _drivers(q)
    # an explicit stack: (answers so far, for repeat items: question id -> last branch index)
    stack: list[tuple[dict[str, Value], dict[str, int]]] = [({}, {})]
    while stack:
        answers, order = stack.pop()
        slots = plan.build(q, answers)
        nxt = next((s for s in slots if s.key not in answers), None)
        if nxt is None:
            yield slots, answers
            continue
        question = nxt.question
        options = _branches(q, question, answers, drivers.get(question.id))
        start = order.get(question.id, 0) if nxt.item is not None else 0
        for index in range(len(options) - 1, start - 1, -1):
            new_order = dict(order)
            if nxt.item is not None:
                new_order[question.id] = index
            stack.append(({**answers, nxt.key: options[index]}, new_order))


def typical_count(q: Questionnaire, answers: Mapping[str, Value]) -> int:
    """How many questions an interview with these answers so far will have, the rest answered
    as the typical respondent would: the progress line's "of about N", which so reads the
    typical path's length from the first question instead of growing as choices are made."""
    slots, _ = _typical(q, q.typical_choices, answers)
    return len(slots)


def _typical(
    q: Questionnaire,
    typical_choices: Mapping[str, int],
    given: Mapping[str, Value] | None = None,
) -> tuple[list[plan.Slot], dict[str, Value]]:
    """The typical respondent's path and answers (see the module docstring), after `given`."""
    answers: dict[str, Value] = dict(given or {})
    while True:
        slots = plan.build(q, answers)
        nxt = next((s for s in slots if s.key not in answers), None)
        if nxt is None:
            return slots, answers
        question = nxt.question
        value: Value
        if question.kind == "multi":
            value = plan.available(q, question, answers)[: typical_choices.get(question.id, 1)]
        elif question.kind == "yesno":
            value = True
        else:
            value = _placeholder(question)
        answers[nxt.key] = value


# --- cost --------------------------------------------------------------------------------------
def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _typed_words(question: Question) -> int:
    return TYPICAL_WORDS_LONG if question.collect else TYPICAL_WORDS_SHORT


def _probe_fires_typically(question: Question) -> bool:
    below = question.probe_below
    return below is not None and _typed_words(question) * CHARS_PER_WORD < below


def _seconds(q: Questionnaire, slot: plan.Slot, value: Value, lang: str, probed: bool) -> float:
    question = slot.question
    shown = [q.question_text(slot.key, lang)]
    hint = q.hint(question.id, lang)
    if hint:
        shown.append(hint)
    taps = 1
    if question.kind in ("single", "multi", "scale"):
        ids = list(question.choice_ids) if question.kind != "scale" else []
        if question.kind == "scale":
            lo, hi = question.minimum or 1, question.maximum or 5
            shown += [q.point_label(question.id, n, lang) for n in range(lo, hi + 1)]
        else:
            shown += [q.choice_label(question.id, c, lang) for c in ids]
        if question.kind == "multi":
            taps = (len(value) if isinstance(value, list) else 0) + 1
    seconds = sum(_words(t) for t in shown) * 60 / READING_WPM + taps * SECONDS_PER_TAP
    if question.kind == "text":
        seconds += _typed_words(question) * 60 / TYPING_WPM
    if probed:
        seconds += _words(q.probe_text(question.id, lang)) * 60 / READING_WPM
        seconds += TYPICAL_WORDS_PROBE * 60 / TYPING_WPM + SECONDS_PER_TAP
    return seconds


_Memo = dict[tuple[str, str, bool, int], float]


def _slot_seconds(
    q: Questionnaire, slot: plan.Slot, value: Value, lang: str, probed: bool, memo: _Memo
) -> float:
    taps = len(value) if isinstance(value, list) else 0
    key = (slot.key, lang, probed, taps)
    if key not in memo:
        memo[key] = _seconds(q, slot, value, lang, probed)
    return memo[key]


def cost(
    q: Questionnaire,
    slots: list[plan.Slot],
    answers: Mapping[str, Value],
    probes: str,
    memo: _Memo | None = None,
) -> PathCost:
    """A path's cost; `probes` is "none", "typical" or "all". Slowest language."""
    memo = {} if memo is None else memo
    with_probe = [
        s.question.probe_below is not None
        and (probes == "all" or (probes == "typical" and _probe_fires_typically(s.question)))
        for s in slots
    ]
    seconds = max(
        sum(
            _slot_seconds(q, s, answers.get(s.key), lang, fired, memo)
            for s, fired in zip(slots, with_probe, strict=True)
        )
        for lang in q.languages
    )
    return PathCost(len(slots), sum(with_probe), seconds)


def walk(q: Questionnaire, typical_choices: Mapping[str, int] | None = None) -> Walk:
    """Walk every path; min / typical / max question counts and times; unreachable questions."""
    typical_choices = typical_choices or {}
    seen: set[str] = set()
    count = 0
    shortest: PathCost | None = None
    longest: PathCost | None = None
    truncated = False
    memo: _Memo = {}
    for slots, answers in _paths(q):
        count += 1
        seen.update(s.question.id for s in slots)
        low = cost(q, slots, answers, "none", memo)
        high = cost(q, slots, answers, "all", memo)
        if shortest is None or (low.total, low.seconds) < (shortest.total, shortest.seconds):
            shortest = low
        if longest is None or (high.total, high.seconds) > (longest.total, longest.seconds):
            longest = high
        if count >= MAX_PATHS:
            truncated = True
            break
    typical = cost(q, *_typical(q, typical_choices), "typical")
    empty = PathCost(0, 0, 0.0)
    unreachable = [question.id for question in q.questions if question.id not in seen]
    return Walk(count, shortest or empty, typical, longest or empty, unreachable, truncated)


def typical_minutes(q: Questionnaire, typical_choices: Mapping[str, int] | None = None) -> int:
    """The typical path's time, rounded up to whole minutes (what the introduction promises)."""
    found = cost(q, *_typical(q, typical_choices or {}), "typical")
    return max(1, math.ceil(found.minutes))


def intro_minutes(q: Questionnaire, settings: object) -> int:
    """`typical_minutes` with the questionnaire's own `settings.typical_choices`."""
    return typical_minutes(q, getattr(settings, "typical_choices", None) or {})
