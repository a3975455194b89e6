"""Pydantic models of the questionnaire file: a typo in YAML is an error, not a silent default."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["single", "multi", "text", "number", "scale", "yesno", "country"]
KINDS: tuple[str, ...] = ("single", "multi", "text", "number", "scale", "yesno", "country")

# Ids travel inside Telegram callback_data (64 bytes) as "<key>|<choice>", so they stay short.
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
MAX_QUESTION_ID = 20
MAX_CHOICE_ID = 16

#: the language the source files are written in; every other language is a translation of it
SOURCE_LANGUAGE = "en"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ChoiceModel(_Strict):
    id: str
    label: str


class ProbeModel(_Strict):
    """One follow-up for a short free-text answer."""

    text: str
    below: int = Field(default=120, ge=1)  # probe when the answer has fewer characters than this


class RepeatModel(_Strict):
    for_each: str


class ConditionModel(_Strict):
    """`when:` — exactly one of the forms below; `question` names an earlier question."""

    question: str | None = None
    equals: str | int | float | bool | None = None
    in_: list[str | int | float | bool] | None = Field(default=None, alias="in")
    includes: str | None = None
    answered: bool | None = None
    not_: ConditionModel | None = Field(default=None, alias="not")
    all: list[ConditionModel] | None = None
    any: list[ConditionModel] | None = None


class ChoicesFromModel(_Strict):
    """A multi whose choices are those picked in an earlier multi (optionally minus some)."""

    question: str  # an earlier multi question
    # leave out an item when this holds for it (read per item, like a repeat group's condition)
    unless: ConditionModel | None = None


class QuestionModel(_Strict):
    id: str
    kind: Kind
    text: str
    hint: str | None = None
    optional: bool = False
    # the answer identifies the person: exported only with attributable consent
    personal: bool = False
    when: ConditionModel | None = None
    repeat: RepeatModel | None = None
    # single / multi
    choices: list[ChoiceModel] | None = None
    # multi: choices taken from an earlier multi's answer instead of `choices`
    choices_from: ChoicesFromModel | None = None
    min_choices: int | None = Field(default=None, ge=0)
    max_choices: int | None = Field(default=None, ge=1)
    # text
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    probe: ProbeModel | None = None
    collect: bool | None = None  # multi-message answer finished with Done / /done
    # number / scale
    minimum: int | None = None
    maximum: int | None = None
    low: str | None = None  # scale end labels
    high: str | None = None
    labels: list[str] | None = None  # scale: one label per point, lowest first
    dont_know: bool | None = None  # scale: offer "Don't know" (default true)
    # country
    quick_picks: list[str] | None = None


class SectionModel(_Strict):
    id: str
    title: str
    questions: list[QuestionModel]


class BudgetModel(_Strict):
    """What the typical path may cost (`dgu-bot questionnaire check` fails beyond it)."""

    questions: int = Field(default=20, ge=1)
    minutes: float = Field(default=15, gt=0)


class SettingsModel(_Strict):
    merge_window_seconds: float = Field(default=2.5, ge=0)
    max_attempts: int = Field(default=3, ge=1)
    budget: BudgetModel | None = None
    # the typical respondent: how many choices they pick in each multi question (default 1)
    typical_choices: dict[str, int] = Field(default_factory=dict)


class QuestionnaireModel(_Strict):
    id: str
    version: str
    title: str
    default_language: str = "en"
    ui: str = "ui"  # stem of the UI string files: ui.en.yaml, ui.cy.yaml, ...
    intro: str | None = None  # shown before the privacy notice and on /help; may use {minutes}
    # files of earlier versions beside this one: interviews started on them finish on them
    earlier_versions: list[str] = Field(default_factory=list)
    settings: SettingsModel = SettingsModel()
    sections: list[SectionModel]


class TranslationEntry(_Strict):
    text: str
    source: str  # fingerprint of the English text this was translated from


class TranslationFile(_Strict):
    """`<stem>.<lang>.yaml`: one per language other than English."""

    language: str
    name: str  # the language's own name, for the language picker ("Cymraeg")
    strings: dict[str, TranslationEntry]


class SourceUiFile(_Strict):
    """`ui.en.yaml`: the English UI strings (the source of every translation)."""

    language: str
    name: str
    strings: dict[str, str]
