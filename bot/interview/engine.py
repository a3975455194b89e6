"""The interview engine: (questionnaire, state, input) -> Step. Pure, synchronous, deterministic.

Events are instructions to the container (RapidPro goflow's model); the engine never sends,
never saves and never reads a clock (time comes in with the input).

This module holds the public entry points and routes each input; the work is in `typed` (an
answer in a message, read per kind), `buttons` (an answer by button), `navigation` (moving on,
back, skip, review, submit, edit), `views` (what the respondent sees) and `cursor` (where the
respondent is). Imports run one way: cursor <- views <- navigation <- typed <- buttons <- engine.
"""

from __future__ import annotations

from datetime import datetime

from bot.interview import buttons, plan, typed
from bot.interview.cursor import back_target, enter, find_slot, first_unanswered, repair
from bot.interview.model import (
    Amend,
    Ask,
    Back,
    Choice,
    Done,
    Edit,
    Input,
    Notice,
    Review,
    Skip,
    State,
    Step,
    Submit,
    Text,
    Toggle,
)
from bot.interview.navigation import back, edit, review, skip, submit
from bot.interview.questionnaire import Questionnaire
from bot.interview.views import question_view, reask, summary


def begin(q: Questionnaire, language: str, now: datetime) -> Step:
    """A new interview at the first question."""
    slots = plan.build(q, {})
    state = State(language=q.resolve_language(language), cursor=slots[0].key if slots else None)
    if not slots:
        return Step(state.with_(status="reviewing"), [summary(q, state)])
    state = enter(q, state, slots[0])
    return Step(state, [Ask(question_view(q, state, slots))])


def current(q: Questionnaire, state: State, notice: str | None = None) -> Step:
    """Re-ask whatever the respondent is on (resume, after /language, after /help)."""
    state = repair(q, state)
    return Step(state, reask(q, state, notice))


def welcome_back(q: Questionnaire, state: State) -> Step:
    """`current` with the "Welcome back — you were at ..." line."""
    state = repair(q, state)
    slots = plan.build(q, state.answers)
    slot = find_slot(slots, state.cursor)
    where = q.title(state.language)
    if slot is not None:
        where = q.section_title(slot.question.section_id, state.language)
    return current(q, state, q.ui(state.language, "welcome_back", where=where))


def set_language(q: Questionnaire, state: State, language: str) -> Step:
    """Switch language and re-ask the current question in it."""
    lang = q.resolve_language(language)
    state = repair(q, state).with_(language=lang)
    return Step(state, reask(q, state, q.ui(lang, "language.changed")))


def advance(q: Questionnaire, state: State, inp: Input, now: datetime) -> Step:
    """Apply one respondent input; the only way an interview's state moves."""
    state = repair(q, state)
    lang = state.language
    if state.status == "completed":
        return Step(state, [Notice(q.ui(lang, "already_completed"))])
    if isinstance(inp, Amend):
        return typed.amend(q, state, inp)
    if state.status == "reviewing":
        return _while_reviewing(q, state, inp, now)
    if isinstance(inp, Review):
        return review(q, state)
    if isinstance(inp, Submit):
        return submit(q, state)
    if isinstance(inp, Back):
        return back(q, state)
    if isinstance(inp, Edit):
        return edit(q, state, inp.key)
    if isinstance(inp, Skip):
        return skip(q, state)
    if isinstance(inp, Text):
        return typed.text_answer(q, state, inp, now)
    if isinstance(inp, Choice | Toggle | Done) and inp.key is not None and inp.key != state.cursor:
        return Step(state, reask(q, state, q.ui(lang, "stale.button")))
    if isinstance(inp, Done):
        return buttons.done(q, state, now)
    if isinstance(inp, Toggle):
        return buttons.toggle(q, state, inp.choice)
    return buttons.choose(q, state, inp.choice)


def _while_reviewing(q: Questionnaire, state: State, inp: Input, now: datetime) -> Step:
    lang = state.language
    if isinstance(inp, Edit):
        return edit(q, state, inp.key)
    if isinstance(inp, Submit):
        return submit(q, state)
    if isinstance(inp, Review):
        return Step(state, [summary(q, state)])
    slots = plan.build(q, state.answers)
    if isinstance(inp, Back):
        target = back_target(state.with_(cursor=None), slots)
        if target is None:
            return Step(state, reask(q, state, q.ui(lang, "back.nothing")))
        return back(q, state.with_(status="in_progress", cursor=None))
    resume = find_slot(slots, state.resume_cursor) or first_unanswered(slots, state.answers)
    if isinstance(inp, Text | Done | Skip) and resume is not None:
        # Carry on from the review shown mid-interview; a typed answer goes to that question.
        state = enter(q, state.with_(resume_cursor=None), resume)
        if isinstance(inp, Done):
            return Step(state, [Ask(question_view(q, state, slots))])
        return advance(q, state, inp, now)
    if isinstance(inp, Choice | Toggle | Done) and inp.key is not None:
        return Step(state, reask(q, state, q.ui(lang, "stale.button")))
    return Step(state, reask(q, state, q.ui(lang, "review.use_buttons")))
