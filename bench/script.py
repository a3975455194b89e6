"""The scripted respondent: consent, then the first 15 questions of questionnaire version 1.

Each action is what the person does (type a text or tap a button) and what they wait for: the
next question, recognised by its text or by a button's callback_data prefix. The stock PTB bot
(`bench.stockbot`) asks the same questions with the same buttons, so one script drives both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.interview import Questionnaire, load_questionnaire

#: the benchmark measures the machinery with a fixed script of 15 short answers, so its figures
#: stay comparable between runs: it runs questionnaire version 1 (still live for interviews begun
#: on it), whose first 15 questions are all short texts and taps (version 2 opens with two
#: multi-message answers). `bench.botproc` starts the bot on the same file.
QUESTIONNAIRE = Path(__file__).resolve().parent.parent / "prompts" / "dgu_landscape.v1.yaml"
LANG = "en"
REMIT = (
    "It runs the shared platforms and standards for public services, and helps departments "
    "redesign their services with the people who use them."
)

#: (question id, what the respondent does): text to type, or callback_data to tap; "{uid}" in a
#: text is the respondent's user id, so an answer stored for the wrong person shows as different
ANSWERS: tuple[tuple[str, str, str], ...] = (
    ("role", "text", "Service designer {uid}, leading research with policy teams"),
    ("organisation", "text", "Government Digital Service {uid}"),
    ("country", "tap", "a|country|GB"),
    ("level", "tap", "a|level|national"),
    ("years", "text", "12"),
    ("founded", "text", "2012"),
    ("placement", "tap", "a|placement|centre"),
    ("remit", "text", REMIT),
    ("team_size", "text", "40"),
    ("trait_centre", "tap", "a|trait_centre|4"),
    ("trait_agile", "tap", "a|trait_agile|5"),
    ("trait_platform", "tap", "a|trait_platform|3"),
    ("trait_data", "tap", "a|trait_data|4"),
    ("trait_delivery", "tap", "a|trait_delivery|2"),
    ("attempted", "tap", "d|attempted"),
)
#: the question that follows the 15th answer
AFTER_LAST = "biggest_success"
#: what the bot must store for each answer above (the value column, decoded)
STORED: dict[str, object] = {
    "role": "Service designer {uid}, leading research with policy teams",
    "organisation": "Government Digital Service {uid}",
    "country": "GB",
    "level": "national",
    "years": 12,
    "founded": 2012,
    "placement": "centre",
    "remit": REMIT,
    "team_size": 40,
    "trait_centre": 4,
    "trait_agile": 5,
    "trait_platform": 3,
    "trait_data": 4,
    "trait_delivery": 2,
    "attempted": [],
}

assert list(STORED) == [qid for qid, _, _ in ANSWERS], "STORED follows ANSWERS"


def personal(text: str, uid: int) -> str:
    """A scripted text as respondent `uid` types it."""
    return text.replace("{uid}", str(uid))


#: what the bot must hold once a consent step is sent, as keys beside the answers' (the "@"
#: keys are read from the interview row by `bench.dbcheck.stored_answers`): agreeing to the
#: notice stores a consented interview in the chosen language, "without my name" stores
#: anonymised quotes; the language tap and /start alone store nothing
CONSENT_STORED: dict[str, dict[str, object]] = {
    "privacy": {"@consent": True, "@language": LANG},
    "quote": {"@quote": "anonymised"},
}


def intended(uid: int, steps_sent: int) -> dict[str, object]:
    """What respondent `uid` meant the bot to hold after sending the first `steps_sent` steps
    of the script (consent included, so a run where nobody reaches an answer still compares)."""
    out: dict[str, object] = {}
    for action in actions()[:steps_sent]:
        if action.answer:
            value = STORED[action.label]
            out[action.label] = personal(value, uid) if isinstance(value, str) else value
        else:
            out.update(CONSENT_STORED.get(action.label, {}))
    return out


@dataclass(frozen=True)
class Expect:
    """What the next bot message must show: some text, or a button whose data starts so."""

    text: str | None = None
    button: str | None = None

    def matches(self, text: str, callback_data: list[str]) -> bool:
        if self.text is not None and self.text in text:
            return True
        return self.button is not None and any(d.startswith(self.button) for d in callback_data)


@dataclass(frozen=True)
class Action:
    kind: str  # "text" or "tap"
    payload: str
    expect: Expect
    answer: bool  # counts as an interview answer (a row in the answer table)
    label: str


@cache
def questionnaire() -> Questionnaire:
    return load_questionnaire(QUESTIONNAIRE)


def question_text(qid: str) -> str:
    return questionnaire().question_text(qid, LANG)


@cache
def actions() -> tuple[Action, ...]:
    """Consent (4 steps), then 15 answers; the same list for every respondent."""
    first = ANSWERS[0][0]
    steps = [
        Action("text", "/start", Expect(button="L|"), False, "start"),
        Action("tap", f"L|{LANG}", Expect(button=f"C|y|{LANG}"), False, "language"),
        Action("tap", f"C|y|{LANG}", Expect(button="Q|"), False, "privacy"),
        # "without my name": "by name" asks for the name to credit before the first question
        Action("tap", "Q|n", Expect(text=question_text(first)), False, "quote"),
    ]
    following = [qid for qid, _, _ in ANSWERS[1:]] + [AFTER_LAST]
    for (qid, kind, payload), nxt in zip(ANSWERS, following, strict=True):
        steps.append(Action(kind, payload, Expect(text=question_text(nxt)), True, qid))
    return tuple(steps)


CONSENT_STEPS = 4
ANSWER_STEPS = len(ANSWERS)
