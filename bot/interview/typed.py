"""Answers given in a message, read per kind (text, number, scale, yes/no, single, country),
the answer to a probe, an edited message (amend), and the parts of a multi-message answer
(`collect: true`, or a long paste Telegram may have split in several).

Part of the engine (`bot.interview.engine`); every valid answer goes on through
`navigation.answer`, every invalid one comes back through `views.invalid`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot.interview import countries, plan
from bot.interview.cursor import current_question, make_record
from bot.interview.model import Amend, Ask, Collecting, Probe, State, Step, Text
from bot.interview.navigation import answer
from bot.interview.questionnaire import DONT_KNOW, Question, Questionnaire, Value, split_key
from bot.interview.views import invalid, question_view, reask

_YES = {"yes", "y", "ie", "do", "oes", "ydw", "ydy", "yndw", "true", "1"}
_NO = {"no", "n", "na", "nac ydw", "naddo", "nac oes", "nage", "false", "0"}
#: at most 18 digits: more is no count of anything, and int() refuses over 4300 digits
NUMBER = re.compile(r"^[+-]?\d{1,18}$")


#: Telegram cuts a long paste at 4096 characters: a text this long may be the first part of
#: several, so it starts collecting (acknowledged, ended with Done) rather than moving on.
SPLIT_PASTE_MIN = 3500


def text_answer(q: Questionnaire, state: State, inp: Text, now: datetime) -> Step:
    """A typed message: the answer to a probe, or to the question on screen read by its kind."""
    found = current_question(q, state)
    if found is None:
        return Step(state, reask(q, state))
    slot, _ = found
    question, raw = slot.question, inp.text.strip()
    if state.probing is not None:
        previous = state.answers.get(state.probing)
        value = f"{previous}\n\n{raw}" if isinstance(previous, str) and previous else raw
        return answer(q, state.with_(probing=None), value, now)
    if question.kind == "text":
        return _typed_text(q, state, slot.key, question, inp.text, now)
    parse = _TYPED.get(question.kind)
    if parse is None:
        return invalid(q, state, q.ui(state.language, "invalid.use_buttons"))
    return parse(q, state, question, raw)


def _typed_text(
    q: Questionnaire, state: State, key: str, question: Question, text: str, now: datetime
) -> Step:
    """Free text: one message, or one of several collected until Done (`collect: true`, or a
    long paste that may be the first part of several)."""
    room = question.max_length is None or question.max_length >= SPLIT_PASTE_MIN
    if question.collect or state.fragments or (room and len(text) >= SPLIT_PASTE_MIN):
        return _collect(q, state, key, text, now)
    return finish_text(q, state, question, text, now)


def _collect(q: Questionnaire, state: State, key: str, text: str, now: datetime) -> Step:
    """One more part of a multi-message answer; every part is acknowledged.

    A part within the merge window of the previous one (a split paste, or quick typing) is
    `merged`: the acknowledgement says how many parts the answer now has, and the container
    may edit its last "Got it" rather than send another. The window only runs while this
    answer is being collected: Done, an error or the next question close it.
    """
    merged = False
    if state.fragments and state.last_text_at and state.last_text_key == key:
        try:
            gap = (now - datetime.fromisoformat(state.last_text_at)).total_seconds()
            merged = 0 <= gap <= q.merge_window_seconds
        except (ValueError, TypeError):
            merged = False
    fragments = (*state.fragments, text)
    state = state.with_(fragments=fragments, last_text_at=now.isoformat(), last_text_key=key)
    lang = state.language
    parts = len(fragments)
    ack = q.ui(lang, "collecting") if parts == 1 else q.ui(lang, "collecting.parts", parts=parts)
    return Step(state, [Collecting(key, ack, parts, merged)])


def _typed_number(q: Questionnaire, state: State, question: Question, raw: str) -> Step:
    lang = state.language
    cleaned = raw.replace(",", "").replace(" ", "").replace("\u00a0", "")
    if not NUMBER.match(cleaned):
        return invalid(q, state, q.ui(lang, "invalid.number"))
    n = int(cleaned)
    if question.minimum is not None and n < question.minimum:
        return invalid(q, state, q.ui(lang, "invalid.number_min", min=question.minimum))
    if question.maximum is not None and n > question.maximum:
        return invalid(q, state, q.ui(lang, "invalid.number_max", max=question.maximum))
    return answer(q, state, n)


def _typed_scale(q: Questionnaire, state: State, question: Question, raw: str) -> Step:
    if NUMBER.match(raw) and question.minimum is not None and question.maximum is not None:
        n = int(raw)
        if question.minimum <= n <= question.maximum:
            return answer(q, state, n)
    typed = _match_point(q, question, raw)
    if typed is not None:
        return answer(q, state, typed)
    return invalid(
        q,
        state,
        q.ui(state.language, "invalid.scale", min=question.minimum, max=question.maximum),
    )


def _typed_yesno(q: Questionnaire, state: State, question: Question, raw: str) -> Step:
    lang = state.language
    word = " ".join(raw.casefold().strip(".!").split())
    if word in _YES or word == q.ui(lang, "answer.yes").casefold():
        return answer(q, state, True)
    if word in _NO or word == q.ui(lang, "answer.no").casefold():
        return answer(q, state, False)
    return invalid(q, state, q.ui(lang, "invalid.yesno"))


def _typed_single(q: Questionnaire, state: State, question: Question, raw: str) -> Step:
    lang = state.language
    chosen = _match_label(q, question, raw, lang)
    if chosen is not None:
        return answer(q, state, chosen)
    return invalid(q, state, q.ui(lang, "invalid.use_buttons"))


def _typed_country(q: Questionnaire, state: State, question: Question, raw: str) -> Step:
    """A country typed by name or code: a country's exact name (or a common alias) is the
    answer, noted with the country it was taken as ("Cymru" is the United Kingdom); anything
    else offers the matches as buttons to confirm."""
    lang = state.language
    named = countries.exact(raw)
    if named is not None:
        step = answer(q, state, named)
        noted = q.ui(lang, "country.accepted", country=countries.name(named, lang))
        events = [
            replace(e, notice=noted) if isinstance(e, Ask) and not e.notice else e
            for e in step.events[:1]
        ]
        return replace(step, events=[*events, *step.events[1:]])
    code = raw.upper()
    matches = [m.code for m in countries.search(raw)]
    if len(raw) == 2 and countries.is_code(code) and code not in matches:
        matches.insert(0, code)
    if not matches:
        shown = raw if len(raw) <= 60 else raw[:59] + "…"  # echoed: keep the message short
        return invalid(q, state, q.ui(lang, "country.not_found", text=shown))
    state = state.with_(candidates=tuple(matches[:6]))
    slots = plan.build(q, state.answers)
    view = question_view(q, state, slots)
    return Step(state, [Ask(view, q.ui(lang, "country.matches"), again=True)])


#: how a typed message answers each kind (text is above; a multi question takes buttons only)
_TYPED: dict[str, Callable[[Questionnaire, State, Question, str], Step]] = {
    "number": _typed_number,
    "scale": _typed_scale,
    "yesno": _typed_yesno,
    "single": _typed_single,
    "country": _typed_country,
}


def _match_point(q: Questionnaire, question: Question, raw: str) -> Value:
    """A scale point typed as its label (in any language), or "don't know" where offered."""
    text = raw.casefold().strip().strip(".!")
    points: list[Value] = list(range(question.minimum or 1, (question.maximum or 5) + 1))
    if question.dont_know:
        points.append(DONT_KNOW)
    for point in points:
        if point != DONT_KNOW and not question.labelled_points:
            continue
        labels = {q.point_label(question.id, point, lang).casefold() for lang in q.languages}
        if text in labels:
            return point
    return None


def _match_label(q: Questionnaire, question: Question, raw: str, lang: str) -> str | None:
    text = raw.casefold().strip()
    if text.isdecimal() and len(text) <= 3 and 1 <= int(text) <= len(question.choice_ids):
        return question.choice_ids[int(text) - 1]
    for cid in question.choice_ids:
        labels = {q.choice_label(question.id, cid, other).casefold() for other in q.languages}
        if text in labels or text == cid:
            return cid
    return None


def finish_text(
    q: Questionnaire, state: State, question: Question, text: str, now: datetime
) -> Step:
    lang = state.language
    value = text.strip()
    minimum = question.min_length if question.min_length is not None else 1
    if len(value) < minimum:
        return invalid(q, state, q.ui(lang, "invalid.text_short", min=minimum))
    if question.max_length is not None and len(value) > question.max_length:
        return invalid(
            q, state, q.ui(lang, "invalid.text_long", max=question.max_length, length=len(value))
        )
    key = state.cursor
    assert key is not None
    if (
        question.probe_below is not None
        and len(value) < question.probe_below
        and key not in state.probed
    ):
        answers = {**state.answers, key: value}
        state = state.with_(
            answers=answers,
            fragments=(),
            probing=key,
            probed=(*state.probed, key),
            last_text_key=None,
            last_text_at=now.isoformat(),
        )
        record = make_record(q, state, key, value)
        return Step(state, [Probe(key, q.probe_text(question.id, lang))], [record])
    return answer(q, state.with_(fragments=()), value, now)


def amend(q: Questionnaire, state: State, inp: Amend) -> Step:
    """An edited Telegram message: update the stored free-text answer it carried."""
    if inp.key == state.cursor and inp.original is not None and inp.original in state.fragments:
        fragments = tuple(inp.text if f == inp.original else f for f in state.fragments)
        return Step(state.with_(fragments=fragments))
    qid, _ = split_key(inp.key)
    previous = state.answers.get(inp.key)
    if not q.has_question(qid) or q.question(qid).kind != "text" or not isinstance(previous, str):
        return Step(state)
    if inp.original and inp.original.strip() in previous:
        value = previous.replace(inp.original.strip(), inp.text.strip(), 1)
    else:
        value = inp.text.strip()
    if not value or value == previous:
        return Step(state)
    state = state.with_(answers={**state.answers, inp.key: value})
    record = make_record(q, state, inp.key, value)
    notice = q.ui(state.language, "amended")
    here = current_question(q, state)
    if state.status == "in_progress" and state.probing is None and here is not None:
        # the question on screen stays usable: its buttons come under the short line (the one
        # live keyboard moves there), its text is not sent again
        return Step(state, [Ask(question_view(q, state, here[1]), notice, again=True)], [record])
    return Step(state, reask(q, state, notice), [record])
