"""The engine's vocabulary: interview state, respondent inputs, and events for the container."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from bot.interview.questionnaire import Value

Status = Literal["in_progress", "reviewing", "completed"]
STATUSES: tuple[str, ...] = ("in_progress", "reviewing", "completed")


@dataclass(frozen=True, slots=True)
class State:
    """Where one interview is. Immutable; the engine returns a new one for every input.

    Everything here is JSON-safe through to_json/from_json, so storage keeps it in one column.
    """

    language: str
    cursor: str | None
    answers: Mapping[str, Value] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    status: Status = "in_progress"
    pending: tuple[str, ...] = ()  # multi: toggled choices not yet confirmed with Done
    fragments: tuple[str, ...] = ()  # collect-mode text: messages received so far
    candidates: tuple[str, ...] = ()  # country: matches offered for the last typed name
    probing: str | None = None  # key whose probe the next text answers
    probed: tuple[str, ...] = ()  # keys already probed (at most one probe per key)
    attempts: int = 0  # invalid answers to the current question
    return_to_review: bool = False  # came here by Edit from the summary
    resume_cursor: str | None = None  # where to continue after /review mid-interview
    last_text_key: str | None = None  # key the last text message was recorded under
    last_text_at: str | None = None  # ISO time of that message (merging split pastes)

    def with_(self, **changes: Any) -> State:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "v": 1,
            "language": self.language,
            "cursor": self.cursor,
            "answers": {
                k: (list(v) if isinstance(v, list) else v) for k, v in self.answers.items()
            },
            "history": list(self.history),
            "status": self.status,
            "pending": list(self.pending),
            "fragments": list(self.fragments),
            "candidates": list(self.candidates),
            "probing": self.probing,
            "probed": list(self.probed),
            "attempts": self.attempts,
            "return_to_review": self.return_to_review,
            "resume_cursor": self.resume_cursor,
            "last_text_key": self.last_text_key,
            "last_text_at": self.last_text_at,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> State:
        status = d.get("status", "in_progress")
        if status not in STATUSES:
            status = "in_progress"
        answers: dict[str, Value] = {}
        for k, v in dict(d.get("answers") or {}).items():
            answers[str(k)] = [str(x) for x in v] if isinstance(v, list) else v
        return cls(
            language=str(d.get("language", "en")),
            cursor=d.get("cursor"),
            answers=answers,
            history=tuple(d.get("history") or ()),
            status=status,
            pending=tuple(d.get("pending") or ()),
            fragments=tuple(d.get("fragments") or ()),
            candidates=tuple(d.get("candidates") or ()),
            probing=d.get("probing"),
            probed=tuple(d.get("probed") or ()),
            attempts=int(d.get("attempts") or 0),
            return_to_review=bool(d.get("return_to_review", False)),
            resume_cursor=d.get("resume_cursor"),
            last_text_key=d.get("last_text_key"),
            last_text_at=d.get("last_text_at"),
        )


# --- inputs ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Text:
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Choice:
    key: str
    choice: str


@dataclass(frozen=True, slots=True)
class Toggle:
    key: str
    choice: str


@dataclass(frozen=True, slots=True)
class Done:
    """Finish a multi choice or a multi-message text; on an answered question, keep the answer."""

    key: str | None = None


@dataclass(frozen=True, slots=True)
class Skip:
    pass


@dataclass(frozen=True, slots=True)
class Back:
    pass


@dataclass(frozen=True, slots=True)
class Review:
    pass


@dataclass(frozen=True, slots=True)
class Edit:
    key: str


@dataclass(frozen=True, slots=True)
class Submit:
    pass


@dataclass(frozen=True, slots=True)
class Amend:
    """The respondent edited an earlier message that carried a free-text answer.

    `original` (the message's text before the edit), when given, lets the engine replace just
    that message inside an answer made of several messages.
    """

    key: str
    text: str
    original: str | None = None


Input = Text | Choice | Toggle | Done | Skip | Back | Review | Edit | Submit | Amend


# --- views and events --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Progress:
    section_no: int
    section_count: int
    number: int
    approx_total: int
    label: str


@dataclass(frozen=True, slots=True)
class ChoiceView:
    id: str
    label: str
    selected: bool = False


@dataclass(frozen=True, slots=True)
class QuestionView:
    key: str
    question_id: str
    kind: str
    text: str
    hint: str | None
    section_title: str
    progress: Progress
    choices: list[ChoiceView]
    optional: bool
    previous: str | None
    can_go_back: bool
    repeat_item: str | None = None
    collecting: bool = False  # a multi-message answer is in progress: offer Done
    can_skip: bool = False  # optional, or required after too many invalid tries
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Ask:
    view: QuestionView
    notice: str | None = None
    #: the question is already on screen (asked again with new buttons, e.g. the countries
    #: matching a typed name): the container need not repeat its text
    again: bool = False


@dataclass(frozen=True, slots=True)
class Invalid:
    key: str
    message: str
    can_skip: bool
    view: QuestionView | None = None  # the question as it stands, if the renderer re-asks


@dataclass(frozen=True, slots=True)
class Probe:
    key: str
    text: str


@dataclass(frozen=True, slots=True)
class Collecting:
    """A part of a multi-message answer was received. `parts` counts them so far; `merged`
    means it arrived right after the previous part (a split paste), so the container may
    update its last acknowledgement instead of sending another one."""

    key: str
    text: str
    parts: int = 1
    merged: bool = False


@dataclass(frozen=True, slots=True)
class ReviewItem:
    key: str
    question_text: str
    answer_display: str


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    items: list[ReviewItem]
    text: str
    complete: bool = True  # every question asked so far is answered: Submit is offered


@dataclass(frozen=True, slots=True)
class Completed:
    text: str


@dataclass(frozen=True, slots=True)
class Notice:
    text: str


Event = Ask | Invalid | Probe | Collecting | ReviewSummary | Completed | Notice


@dataclass(frozen=True, slots=True)
class Record:
    key: str
    question_id: str
    repeat_item: str | None
    value: Value
    language: str
    question_text: str


@dataclass(frozen=True, slots=True)
class Step:
    state: State
    events: list[Event] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
