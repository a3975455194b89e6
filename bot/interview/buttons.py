"""Answers given with buttons: a choice, a toggle of a multi question's choice, and Done.

Part of the engine (`bot.interview.engine`); every valid answer goes on through
`navigation.answer`, every invalid one comes back through `views.invalid`.
"""

from __future__ import annotations

from datetime import datetime

from bot.interview import countries, plan
from bot.interview.cursor import current_question
from bot.interview.model import Ask, State, Step
from bot.interview.navigation import answer, move_on
from bot.interview.questionnaire import DONT_KNOW, Questionnaire
from bot.interview.typed import NUMBER, finish_text
from bot.interview.views import invalid, question_view, reask


def choose(q: Questionnaire, state: State, choice: str) -> Step:
    found = current_question(q, state)
    lang = state.language
    if found is None or state.probing is not None:
        return Step(state, reask(q, state, q.ui(lang, "stale.button")))
    slot, _ = found
    question = slot.question
    if question.kind == "multi":
        return toggle(q, state, choice)
    if question.kind == "single" and choice in question.choice_ids:
        return answer(q, state, choice)
    if question.kind == "yesno" and choice in ("yes", "no"):
        return answer(q, state, choice == "yes")
    if question.kind == "scale" and NUMBER.match(choice):
        n = int(choice)
        if (question.minimum or 1) <= n <= (question.maximum or 5):
            return answer(q, state, n)
    if question.kind == "scale" and question.dont_know and choice == DONT_KNOW:
        return answer(q, state, DONT_KNOW)
    if question.kind == "country" and countries.is_code(choice):
        return answer(q, state.with_(candidates=()), choice.upper())
    return Step(state, reask(q, state, q.ui(lang, "stale.button")))


def toggle(q: Questionnaire, state: State, choice: str) -> Step:
    found = current_question(q, state)
    lang = state.language
    if found is None or found[0].question.kind != "multi" or state.probing is not None:
        return Step(state, reask(q, state, q.ui(lang, "stale.button")))
    slot, slots = found
    question = slot.question
    if choice not in plan.available(q, question, state.answers):
        return Step(state, reask(q, state, q.ui(lang, "stale.button")))
    if choice in state.pending:
        pending = tuple(c for c in state.pending if c != choice)
    else:
        if question.max_choices is not None and len(state.pending) >= question.max_choices:
            return invalid(q, state, q.ui(lang, "invalid.multi_max", max=question.max_choices))
        pending = (*state.pending, choice)
    state = state.with_(pending=pending)
    return Step(state, [Ask(question_view(q, state, slots))])


def done(q: Questionnaire, state: State, now: datetime) -> Step:
    found = current_question(q, state)
    lang = state.language
    if found is None:
        return Step(state, reask(q, state))
    slot, slots = found
    question = slot.question
    if state.probing is not None:
        return move_on(q, state.with_(probing=None), slots, slot.key, [], [])
    if question.kind == "multi":
        chosen = [c for c in plan.available(q, question, state.answers) if c in state.pending]
        least = question.min_choices if question.min_choices is not None else 1
        if len(chosen) < least:
            return invalid(q, state, q.ui(lang, "invalid.multi_min", min=least))
        if question.max_choices is not None and len(chosen) > question.max_choices:
            return invalid(q, state, q.ui(lang, "invalid.multi_max", max=question.max_choices))
        if state.answers.get(slot.key) == chosen:
            return answer(q, state, chosen, record=False)
        return answer(q, state, chosen)
    if question.kind == "text" and state.fragments:
        return finish_text(q, state, question, "\n".join(state.fragments), now)
    if slot.key in state.answers:
        return answer(q, state, state.answers[slot.key], record=False)
    return invalid(q, state, q.ui(lang, "done.nothing"), count=False)
