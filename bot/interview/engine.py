"""The interview engine: (questionnaire, state, input) -> Step. Pure, synchronous, deterministic.

Events are instructions to the container (RapidPro goflow's model); the engine never sends,
never saves and never reads a clock (time comes in with the input).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from bot.interview import countries, plan
from bot.interview.model import (
    Amend,
    Ask,
    Back,
    Choice,
    ChoiceView,
    Collecting,
    Completed,
    Done,
    Edit,
    Event,
    Input,
    Invalid,
    Notice,
    Probe,
    Progress,
    QuestionView,
    Record,
    Review,
    ReviewItem,
    ReviewSummary,
    Skip,
    State,
    Step,
    Submit,
    Text,
    Toggle,
)
from bot.interview.plan import Slot
from bot.interview.questionnaire import DONT_KNOW, Question, Questionnaire, Value, split_key

_YES = {"yes", "y", "ie", "do", "oes", "ydw", "ydy", "yndw", "true", "1"}
_NO = {"no", "n", "na", "nac ydw", "naddo", "nac oes", "nage", "false", "0"}
#: at most 18 digits: more is no count of anything, and int() refuses over 4300 digits
_NUMBER = re.compile(r"^[+-]?\d{1,18}$")


# --- public entry points -----------------------------------------------------------------------
def begin(q: Questionnaire, language: str, now: datetime) -> Step:
    """A new interview at the first question."""
    slots = plan.build(q, {})
    state = State(language=q.resolve_language(language), cursor=slots[0].key if slots else None)
    if not slots:
        return Step(state.with_(status="reviewing"), [_summary(q, state)])
    state = _enter(q, state, slots[0])
    return Step(state, [Ask(_view(q, state, slots))])


def current(q: Questionnaire, state: State, notice: str | None = None) -> Step:
    """Re-ask whatever the respondent is on (resume, after /language, after /help)."""
    state = _repair(q, state)
    return Step(state, _reask(q, state, notice))


def welcome_back(q: Questionnaire, state: State) -> Step:
    """`current` with the "Welcome back — you were at ..." line."""
    state = _repair(q, state)
    slots = plan.build(q, state.answers)
    slot = _slot(slots, state.cursor)
    where = q.title(state.language)
    if slot is not None:
        where = q.section_title(slot.question.section_id, state.language)
    return current(q, state, q.ui(state.language, "welcome_back", where=where))


def set_language(q: Questionnaire, state: State, language: str) -> Step:
    """Switch language and re-ask the current question in it."""
    lang = q.resolve_language(language)
    state = _repair(q, state).with_(language=lang)
    return Step(state, _reask(q, state, q.ui(lang, "language.changed")))


def advance(q: Questionnaire, state: State, inp: Input, now: datetime) -> Step:
    """Apply one respondent input; the only way an interview's state moves."""
    state = _repair(q, state)
    lang = state.language
    if state.status == "completed":
        return Step(state, [Notice(q.ui(lang, "already_completed"))])
    if isinstance(inp, Amend):
        return _amend(q, state, inp)
    if state.status == "reviewing":
        return _while_reviewing(q, state, inp, now)
    if isinstance(inp, Review):
        return _review(q, state)
    if isinstance(inp, Submit):
        return _submit(q, state)
    if isinstance(inp, Back):
        return _back(q, state)
    if isinstance(inp, Edit):
        return _edit(q, state, inp.key)
    if isinstance(inp, Skip):
        return _skip(q, state)
    if isinstance(inp, Text):
        return _text(q, state, inp, now)
    if isinstance(inp, Choice | Toggle | Done) and inp.key is not None and inp.key != state.cursor:
        return Step(state, _reask(q, state, q.ui(lang, "stale.button")))
    if isinstance(inp, Done):
        return _done(q, state, now)
    if isinstance(inp, Toggle):
        return _toggle(q, state, inp.choice)
    return _choice(q, state, inp.choice)


# --- state helpers -----------------------------------------------------------------------------
def _slot(slots: list[Slot], key: str | None) -> Slot | None:
    for s in slots:
        if s.key == key:
            return s
    return None


def _repair(q: Questionnaire, state: State) -> State:
    """Make a state from storage fit this questionnaire (a cursor may have vanished in an edit)."""
    if state.language not in q.languages:
        state = state.with_(language=q.default_language)
    if state.status != "in_progress":
        return state
    slots = plan.build(q, state.answers)
    if _slot(slots, state.cursor) is not None:
        return state
    nxt = _first_unanswered(slots, state.answers)
    if nxt is None:
        return state.with_(status="reviewing", cursor=None, probing=None)
    return _enter(q, state, nxt)


def _enter(q: Questionnaire, state: State, slot: Slot) -> State:
    """Move the cursor to a question, resetting everything that belonged to the previous one."""
    existing = state.answers.get(slot.key)
    pending: tuple[str, ...] = ()
    if slot.question.kind == "multi" and isinstance(existing, list):
        pending = tuple(existing)
    return state.with_(
        cursor=slot.key,
        status="in_progress",
        pending=pending,
        fragments=(),
        candidates=(),
        probing=None,
        attempts=0,
    )


def _first_unanswered(slots: list[Slot], answers: Mapping[str, Value]) -> Slot | None:
    for s in slots:
        if s.key not in answers:
            return s
    return None


def _record(q: Questionnaire, state: State, key: str, value: Value) -> Record:
    qid, item = split_key(key)
    return Record(key, qid, item, value, state.language, q.question_text(key, state.language))


# --- views -------------------------------------------------------------------------------------
def _view(q: Questionnaire, state: State, slots: list[Slot]) -> QuestionView:
    lang = state.language
    slot = _slot(slots, state.cursor)
    assert slot is not None
    question = slot.question
    section_ids: list[str] = []
    for s in slots:
        if s.question.section_id not in section_ids:
            section_ids.append(s.question.section_id)
    section_no = section_ids.index(question.section_id) + 1
    number = slots.index(slot) + 1
    label = q.ui(
        lang,
        "progress",
        section=section_no,
        sections=len(section_ids),
        number=number,
        total=len(slots),
    )
    progress = Progress(section_no, len(section_ids), number, len(slots), label)
    existing = state.answers.get(slot.key)
    previous = q.display(slot.key, existing, lang) if slot.key in state.answers else None
    return QuestionView(
        key=slot.key,
        question_id=question.id,
        kind=question.kind,
        text=q.question_text(slot.key, lang),
        hint=q.hint(question.id, lang),
        section_title=q.section_title(question.section_id, lang),
        progress=progress,
        choices=_choices(q, state, question, existing),
        optional=question.optional,
        previous=previous,
        can_go_back=_back_target(state, slots) is not None,
        repeat_item=slot.item,
        collecting=bool(state.fragments),
        can_skip=question.optional or state.attempts >= q.max_attempts,
        language=lang,
    )


def _choices(
    q: Questionnaire, state: State, question: Question, existing: Value
) -> list[ChoiceView]:
    lang, qid = state.language, question.id
    if question.kind == "single":
        return [
            ChoiceView(c, q.choice_label(qid, c, lang), c == existing) for c in question.choice_ids
        ]
    if question.kind == "multi":
        return [
            ChoiceView(c, q.choice_label(qid, c, lang), c in state.pending)
            for c in plan.available(q, question, state.answers)
        ]
    if question.kind == "yesno":
        return [
            ChoiceView("yes", q.ui(lang, "answer.yes"), existing is True),
            ChoiceView("no", q.ui(lang, "answer.no"), existing is False),
        ]
    if question.kind == "scale":
        lo, hi = question.minimum or 1, question.maximum or 5
        views = [
            ChoiceView(str(n), q.point_label(qid, n, lang), existing == n)
            for n in range(lo, hi + 1)
        ]
        if question.dont_know:
            label = q.point_label(qid, DONT_KNOW, lang)
            views.append(ChoiceView(DONT_KNOW, label, existing == DONT_KNOW))
        return views
    if question.kind == "country":
        codes = list(state.candidates) or list(question.quick_picks)
        if isinstance(existing, str) and existing not in codes and not state.candidates:
            codes.insert(0, existing)
        return [ChoiceView(c, countries.name(c, lang), c == existing) for c in codes]
    return []


def _reask(q: Questionnaire, state: State, notice: str | None = None) -> list[Event]:
    lang = state.language
    if state.status == "completed":
        return [Notice(q.ui(lang, "already_completed"))]
    if state.status == "reviewing":
        events: list[Event] = [Notice(notice)] if notice else []
        return [*events, _summary(q, state)]
    if state.probing is not None:
        qid, _ = split_key(state.probing)
        events = [Notice(notice)] if notice else []
        return [*events, Probe(state.probing, q.probe_text(qid, lang))]
    slots = plan.build(q, state.answers)
    return [Ask(_view(q, state, slots), notice)]


def _summary(q: Questionnaire, state: State) -> ReviewSummary:
    lang = state.language
    slots = plan.build(q, state.answers)
    items = [
        ReviewItem(
            s.key, q.question_text(s.key, lang), q.display(s.key, state.answers[s.key], lang)
        )
        for s in slots
        if s.key in state.answers
    ]
    complete = _first_unanswered(slots, state.answers) is None
    return ReviewSummary(items, q.ui(lang, "review.intro"), complete)


def _invalid(q: Questionnaire, state: State, reason: str, count: bool = True) -> Step:
    lang = state.language
    attempts = state.attempts + 1 if count else state.attempts
    # After an error nothing is glued silently to what came before: the next part of a
    # multi-message answer is acknowledged afresh (last_text_at starts the merge window).
    state = state.with_(attempts=attempts, last_text_at=None, last_text_key=None)
    slots = plan.build(q, state.answers)
    slot = _slot(slots, state.cursor)
    optional = slot is not None and slot.question.optional
    can_skip = optional or attempts >= q.max_attempts
    message = reason
    if can_skip and not optional:
        message = f"{reason}\n{q.ui(lang, 'invalid.can_skip')}"
    view = _view(q, state, slots) if slot is not None else None
    return Step(state, [Invalid(state.cursor or "", message, can_skip, view)])


# --- moving on ---------------------------------------------------------------------------------
def _answer(
    q: Questionnaire,
    state: State,
    value: Value,
    now: datetime | None = None,
    record: bool = True,
) -> Step:
    """Store the current question's answer and move to what comes next."""
    key = state.cursor
    assert key is not None
    answers = dict(state.answers)
    answers[key] = value
    records = [_record(q, state, key, value)] if record else []
    slots = plan.build(q, answers)
    keep = {s.key for s in slots}
    cleared = [k for k in answers if k not in keep and q.has_question(split_key(k)[0])]
    for k in cleared:
        del answers[k]
    history = (*tuple(h for h in state.history if h in keep and h != key), key)
    text_at = now.isoformat() if now is not None and isinstance(value, str) else None
    state = state.with_(
        answers=answers,
        history=history,
        probing=None,
        last_text_key=key if text_at else None,
        last_text_at=text_at,
    )
    return _next(q, state, slots, key, records, cleared)


def _next(
    q: Questionnaire,
    state: State,
    slots: list[Slot],
    after: str,
    records: list[Record],
    cleared: list[str],
) -> Step:
    nxt: Slot | None = None
    if state.return_to_review:
        nxt = _first_unanswered(slots, state.answers)
    else:
        keys = [s.key for s in slots]
        if after in keys and keys.index(after) + 1 < len(slots):
            nxt = slots[keys.index(after) + 1]
        if nxt is None:
            nxt = _first_unanswered(slots, state.answers)
    if nxt is None:
        state = state.with_(
            status="reviewing",
            cursor=None,
            return_to_review=False,
            resume_cursor=None,
            pending=(),
            fragments=(),
            candidates=(),
            attempts=0,
        )
        return Step(state, [_summary(q, state)], records, cleared)
    state = _enter(q, state, nxt)
    return Step(state, [Ask(_view(q, state, slots))], records, cleared)


def _back_target(state: State, slots: list[Slot]) -> str | None:
    keys = {s.key for s in slots}
    for h in reversed(state.history):
        if h in keys and h != state.cursor:
            return h
    return None


def _back(q: Questionnaire, state: State) -> Step:
    slots = plan.build(q, state.answers)
    target = _back_target(state, slots)
    if target is None:
        return Step(state, _reask(q, state, q.ui(state.language, "back.nothing")))
    idx = max(i for i, h in enumerate(state.history) if h == target)
    slot = _slot(slots, target)
    assert slot is not None
    state = _enter(q, state.with_(history=state.history[:idx], return_to_review=False), slot)
    return Step(state, [Ask(_view(q, state, slots))])


def _skip(q: Questionnaire, state: State) -> Step:
    slots = plan.build(q, state.answers)
    slot = _slot(slots, state.cursor)
    if slot is None:
        return Step(state, _reask(q, state))
    if state.probing is not None:
        return _next(q, state.with_(probing=None), slots, slot.key, [], [])
    if slot.question.optional or state.attempts >= q.max_attempts:
        return _answer(q, state, None)
    return _invalid(q, state, q.ui(state.language, "skip.not_allowed"), count=False)


def _review(q: Questionnaire, state: State) -> Step:
    state = state.with_(status="reviewing", resume_cursor=state.cursor, probing=None)
    return Step(state, [_summary(q, state)])


def _submit(q: Questionnaire, state: State) -> Step:
    slots = plan.build(q, state.answers)
    missing = _first_unanswered(slots, state.answers)
    lang = state.language
    if missing is not None:
        state = _enter(q, state.with_(return_to_review=True, resume_cursor=None), missing)
        return Step(state, [Ask(_view(q, state, slots), q.ui(lang, "review.incomplete"))])
    state = state.with_(
        status="completed",
        cursor=None,
        probing=None,
        pending=(),
        fragments=(),
        candidates=(),
        return_to_review=False,
        resume_cursor=None,
    )
    return Step(state, [Completed(q.ui(lang, "completed"))])


def _edit(q: Questionnaire, state: State, key: str) -> Step:
    slots = plan.build(q, state.answers)
    slot = _slot(slots, key)
    if slot is None or key not in state.answers:
        return Step(state, _reask(q, state, q.ui(state.language, "stale.button")))
    state = _enter(q, state.with_(return_to_review=True), slot)
    return Step(state, [Ask(_view(q, state, slots))])


def _while_reviewing(q: Questionnaire, state: State, inp: Input, now: datetime) -> Step:
    lang = state.language
    if isinstance(inp, Edit):
        return _edit(q, state, inp.key)
    if isinstance(inp, Submit):
        return _submit(q, state)
    if isinstance(inp, Review):
        return Step(state, [_summary(q, state)])
    slots = plan.build(q, state.answers)
    if isinstance(inp, Back):
        target = _back_target(state.with_(cursor=None), slots)
        if target is None:
            return Step(state, _reask(q, state, q.ui(lang, "back.nothing")))
        return _back(q, state.with_(status="in_progress", cursor=None))
    resume = _slot(slots, state.resume_cursor) or _first_unanswered(slots, state.answers)
    if isinstance(inp, Text | Done | Skip) and resume is not None:
        # Carry on from the review shown mid-interview; a typed answer goes to that question.
        state = _enter(q, state.with_(resume_cursor=None), resume)
        if isinstance(inp, Done):
            return Step(state, [Ask(_view(q, state, slots))])
        return advance(q, state, inp, now)
    if isinstance(inp, Choice | Toggle | Done) and inp.key is not None:
        return Step(state, _reask(q, state, q.ui(lang, "stale.button")))
    return Step(state, _reask(q, state, q.ui(lang, "review.use_buttons")))


# --- answers by kind ---------------------------------------------------------------------------
def _current_question(q: Questionnaire, state: State) -> tuple[Slot, list[Slot]] | None:
    slots = plan.build(q, state.answers)
    slot = _slot(slots, state.cursor)
    return (slot, slots) if slot is not None else None


#: Telegram cuts a long paste at 4096 characters: a text this long may be the first part of
#: several, so it starts collecting (acknowledged, ended with Done) rather than moving on.
SPLIT_PASTE_MIN = 3500


def _collect(q: Questionnaire, state: State, slot: Slot, inp: Text, now: datetime) -> Step:
    """One more part of a multi-message answer; every part is acknowledged.

    A part within the merge window of the previous one (a split paste, or quick typing) is
    `merged`: the acknowledgement says how many parts the answer now has, and the container
    may edit its last "Got it" rather than send another. The window only runs while this
    answer is being collected: Done, an error or the next question close it.
    """
    merged = False
    if state.fragments and state.last_text_at and state.last_text_key == slot.key:
        try:
            gap = (now - datetime.fromisoformat(state.last_text_at)).total_seconds()
            merged = 0 <= gap <= q.merge_window_seconds
        except (ValueError, TypeError):
            merged = False
    fragments = (*state.fragments, inp.text)
    state = state.with_(fragments=fragments, last_text_at=now.isoformat(), last_text_key=slot.key)
    lang = state.language
    parts = len(fragments)
    text = q.ui(lang, "collecting") if parts == 1 else q.ui(lang, "collecting.parts", parts=parts)
    return Step(state, [Collecting(slot.key, text, parts, merged)])


def _text(q: Questionnaire, state: State, inp: Text, now: datetime) -> Step:
    found = _current_question(q, state)
    if found is None:
        return Step(state, _reask(q, state))
    slot, _ = found
    question, lang, raw = slot.question, state.language, inp.text.strip()
    if state.probing is not None:
        previous = state.answers.get(state.probing)
        value = f"{previous}\n\n{raw}" if isinstance(previous, str) and previous else raw
        return _answer(q, state.with_(probing=None), value, now)
    kind = question.kind
    if kind == "text":
        room = question.max_length is None or question.max_length >= SPLIT_PASTE_MIN
        if question.collect or state.fragments or (room and len(inp.text) >= SPLIT_PASTE_MIN):
            return _collect(q, state, slot, inp, now)
        return _finish_text(q, state, question, inp.text, now)
    if kind == "number":
        return _number(q, state, question, raw)
    if kind == "scale":
        if _NUMBER.match(raw) and question.minimum is not None and question.maximum is not None:
            n = int(raw)
            if question.minimum <= n <= question.maximum:
                return _answer(q, state, n)
        typed = _match_point(q, question, raw)
        if typed is not None:
            return _answer(q, state, typed)
        return _invalid(
            q, state, q.ui(lang, "invalid.scale", min=question.minimum, max=question.maximum)
        )
    if kind == "yesno":
        word = " ".join(raw.casefold().strip(".!").split())
        if word in _YES or word == q.ui(lang, "answer.yes").casefold():
            return _answer(q, state, True)
        if word in _NO or word == q.ui(lang, "answer.no").casefold():
            return _answer(q, state, False)
        return _invalid(q, state, q.ui(lang, "invalid.yesno"))
    if kind == "single":
        chosen = _match_label(q, question, raw, lang)
        if chosen is not None:
            return _answer(q, state, chosen)
        return _invalid(q, state, q.ui(lang, "invalid.use_buttons"))
    if kind == "country":
        code = raw.upper()
        matches = [m.code for m in countries.search(raw)]
        if len(raw) == 2 and countries.is_code(code) and code not in matches:
            matches.insert(0, code)
        if not matches:
            shown = raw if len(raw) <= 60 else raw[:59] + "…"  # echoed: keep the message short
            return _invalid(q, state, q.ui(lang, "country.not_found", text=shown))
        state = state.with_(candidates=tuple(matches[:6]))
        slots = plan.build(q, state.answers)
        view = _view(q, state, slots)
        return Step(state, [Ask(view, q.ui(lang, "country.matches"), again=True)])
    return _invalid(q, state, q.ui(lang, "invalid.use_buttons"))


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


def _finish_text(
    q: Questionnaire, state: State, question: Question, text: str, now: datetime
) -> Step:
    lang = state.language
    value = text.strip()
    minimum = question.min_length if question.min_length is not None else 1
    if len(value) < minimum:
        return _invalid(q, state, q.ui(lang, "invalid.text_short", min=minimum))
    if question.max_length is not None and len(value) > question.max_length:
        return _invalid(
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
        record = _record(q, state, key, value)
        return Step(state, [Probe(key, q.probe_text(question.id, lang))], [record])
    return _answer(q, state.with_(fragments=()), value, now)


def _number(q: Questionnaire, state: State, question: Question, raw: str) -> Step:
    lang = state.language
    cleaned = raw.replace(",", "").replace(" ", "").replace("\u00a0", "")
    if not _NUMBER.match(cleaned):
        return _invalid(q, state, q.ui(lang, "invalid.number"))
    n = int(cleaned)
    if question.minimum is not None and n < question.minimum:
        return _invalid(q, state, q.ui(lang, "invalid.number_min", min=question.minimum))
    if question.maximum is not None and n > question.maximum:
        return _invalid(q, state, q.ui(lang, "invalid.number_max", max=question.maximum))
    return _answer(q, state, n)


def _choice(q: Questionnaire, state: State, choice: str) -> Step:
    found = _current_question(q, state)
    lang = state.language
    if found is None or state.probing is not None:
        return Step(state, _reask(q, state, q.ui(lang, "stale.button")))
    slot, _ = found
    question = slot.question
    if question.kind == "multi":
        return _toggle(q, state, choice)
    if question.kind == "single" and choice in question.choice_ids:
        return _answer(q, state, choice)
    if question.kind == "yesno" and choice in ("yes", "no"):
        return _answer(q, state, choice == "yes")
    if question.kind == "scale" and _NUMBER.match(choice):
        n = int(choice)
        if (question.minimum or 1) <= n <= (question.maximum or 5):
            return _answer(q, state, n)
    if question.kind == "scale" and question.dont_know and choice == DONT_KNOW:
        return _answer(q, state, DONT_KNOW)
    if question.kind == "country" and countries.is_code(choice):
        return _answer(q, state.with_(candidates=()), choice.upper())
    return Step(state, _reask(q, state, q.ui(lang, "stale.button")))


def _toggle(q: Questionnaire, state: State, choice: str) -> Step:
    found = _current_question(q, state)
    lang = state.language
    if found is None or found[0].question.kind != "multi" or state.probing is not None:
        return Step(state, _reask(q, state, q.ui(lang, "stale.button")))
    slot, slots = found
    question = slot.question
    if choice not in plan.available(q, question, state.answers):
        return Step(state, _reask(q, state, q.ui(lang, "stale.button")))
    if choice in state.pending:
        pending = tuple(c for c in state.pending if c != choice)
    else:
        if question.max_choices is not None and len(state.pending) >= question.max_choices:
            return _invalid(q, state, q.ui(lang, "invalid.multi_max", max=question.max_choices))
        pending = (*state.pending, choice)
    state = state.with_(pending=pending)
    return Step(state, [Ask(_view(q, state, slots))])


def _done(q: Questionnaire, state: State, now: datetime) -> Step:
    found = _current_question(q, state)
    lang = state.language
    if found is None:
        return Step(state, _reask(q, state))
    slot, slots = found
    question = slot.question
    if state.probing is not None:
        return _next(q, state.with_(probing=None), slots, slot.key, [], [])
    if question.kind == "multi":
        chosen = [c for c in plan.available(q, question, state.answers) if c in state.pending]
        least = question.min_choices if question.min_choices is not None else 1
        if len(chosen) < least:
            return _invalid(q, state, q.ui(lang, "invalid.multi_min", min=least))
        if question.max_choices is not None and len(chosen) > question.max_choices:
            return _invalid(q, state, q.ui(lang, "invalid.multi_max", max=question.max_choices))
        if state.answers.get(slot.key) == chosen:
            return _answer(q, state, chosen, record=False)
        return _answer(q, state, chosen)
    if question.kind == "text" and state.fragments:
        return _finish_text(q, state, question, "\n".join(state.fragments), now)
    if slot.key in state.answers:
        return _answer(q, state, state.answers[slot.key], record=False)
    return _invalid(q, state, q.ui(lang, "done.nothing"), count=False)


def _amend(q: Questionnaire, state: State, inp: Amend) -> Step:
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
    record = _record(q, state, inp.key, value)
    return Step(state, [Notice(q.ui(state.language, "amended"))], [record])
