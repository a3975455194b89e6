"""What the respondent sees: the question view, its choices, the review summary, re-asking.

Part of the engine (`bot.interview.engine`); builds events from a state, never moves it (except
counting a failed attempt in `invalid`).
"""

from __future__ import annotations

from bot.interview import countries, paths, plan
from bot.interview.cursor import back_target, find_slot, first_unanswered
from bot.interview.model import (
    Ask,
    ChoiceView,
    Event,
    Invalid,
    Notice,
    Probe,
    Progress,
    QuestionView,
    ReviewItem,
    ReviewSummary,
    State,
    Step,
)
from bot.interview.plan import Slot
from bot.interview.questionnaire import DONT_KNOW, Question, Questionnaire, Value, split_key


def question_view(q: Questionnaire, state: State, slots: list[Slot]) -> QuestionView:
    lang = state.language
    slot = find_slot(slots, state.cursor)
    assert slot is not None
    question = slot.question
    section_ids: list[str] = []
    for s in slots:
        if s.question.section_id not in section_ids:
            section_ids.append(s.question.section_id)
    section_no = section_ids.index(question.section_id) + 1
    number = slots.index(slot) + 1
    # "of about N": the questions known so far and, for answers still to come, the typical
    # respondent's (the areas they will tick...), so N does not grow as choices are made
    total = max(len(slots), paths.typical_count(q, state.answers))
    label = q.ui(
        lang,
        "progress",
        section=section_no,
        sections=len(section_ids),
        number=number,
        total=total,
    )
    progress = Progress(section_no, len(section_ids), number, total, label)
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
        can_go_back=back_target(state, slots) is not None,
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


def reask(q: Questionnaire, state: State, notice: str | None = None) -> list[Event]:
    lang = state.language
    if state.status == "completed":
        return [Notice(q.ui(lang, "already_completed"))]
    if state.status == "reviewing":
        events: list[Event] = [Notice(notice)] if notice else []
        return [*events, summary(q, state)]
    if state.probing is not None:
        qid, _ = split_key(state.probing)
        events = [Notice(notice)] if notice else []
        return [*events, Probe(state.probing, q.probe_text(qid, lang))]
    slots = plan.build(q, state.answers)
    return [Ask(question_view(q, state, slots), notice)]


def summary(q: Questionnaire, state: State) -> ReviewSummary:
    lang = state.language
    slots = plan.build(q, state.answers)
    items = [
        ReviewItem(
            s.key, q.question_text(s.key, lang), q.display(s.key, state.answers[s.key], lang)
        )
        for s in slots
        if s.key in state.answers
    ]
    complete = first_unanswered(slots, state.answers) is None
    return ReviewSummary(items, q.ui(lang, "review.intro"), complete)


def invalid(q: Questionnaire, state: State, reason: str, count: bool = True) -> Step:
    lang = state.language
    attempts = state.attempts + 1 if count else state.attempts
    # After an error nothing is glued silently to what came before: the next part of a
    # multi-message answer is acknowledged afresh (last_text_at starts the merge window).
    state = state.with_(attempts=attempts, last_text_at=None, last_text_key=None)
    slots = plan.build(q, state.answers)
    slot = find_slot(slots, state.cursor)
    optional = slot is not None and slot.question.optional
    can_skip = optional or attempts >= q.max_attempts
    message = reason
    if can_skip and not optional:
        message = f"{reason}\n{q.ui(lang, 'invalid.can_skip')}"
    view = question_view(q, state, slots) if slot is not None else None
    return Step(state, [Invalid(state.cursor or "", message, can_skip, view)])
