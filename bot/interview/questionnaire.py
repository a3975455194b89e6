"""The loaded questionnaire: questions in order plus every text in every enabled language."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

from bot.interview import countries
from bot.interview.schema import ConditionModel

Value = str | list[str] | int | float | bool | None
REPEAT_SEPARATOR = "@"
DONT_KNOW = "dont_know"  # the stored answer of a scale's "Don't know" button
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def fingerprint(text: str) -> str:
    """Short hash of an English source text, stored beside each translation to detect staleness."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:12]


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


class _Params(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_text(text: str, params: Mapping[str, object]) -> str:
    """`str.format_map` that leaves unknown placeholders alone and never raises."""
    if not params and "{" not in text:
        return text
    try:
        return text.format_map(_Params(params))
    except (ValueError, IndexError, AttributeError, KeyError):
        return text


@dataclass(frozen=True, slots=True)
class Question:
    """One question as the engine needs it; texts live in the catalog under `q.<id>.*`."""

    id: str
    kind: str
    section_id: str
    optional: bool
    when: ConditionModel | None
    repeat_over: str | None
    choice_ids: tuple[str, ...]
    min_choices: int | None
    max_choices: int | None
    min_length: int | None
    max_length: int | None
    probe_below: int | None
    collect: bool
    minimum: int | None
    maximum: int | None
    quick_picks: tuple[str, ...]
    has_hint: bool
    personal: bool = False
    choices_from: str | None = None  # multi: choices are those picked in this earlier multi
    choices_unless: ConditionModel | None = None  # ... leaving out items for which this holds
    labelled_points: bool = False  # scale: every point has its own label (`q.<id>.point.<n>`)
    dont_know: bool = False  # scale: a "Don't know" button, stored as DONT_KNOW


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    question_ids: tuple[str, ...]


def split_key(key: str) -> tuple[str, str | None]:
    """`outcome@platforms` -> ("outcome", "platforms"); `role` -> ("role", None)."""
    qid, sep, item = key.partition(REPEAT_SEPARATOR)
    return qid, (item if sep else None)


class Questionnaire:
    """Immutable after loading; shared by every interview in the process."""

    def __init__(
        self,
        *,
        id: str,
        version: str,
        default_language: str,
        languages: tuple[str, ...],
        language_names: Mapping[str, str],
        sections: tuple[Section, ...],
        questions: tuple[Question, ...],
        texts: Mapping[str, Mapping[str, str]],
        ui_texts: Mapping[str, Mapping[str, str]],
        merge_window_seconds: float,
        max_attempts: int,
        intro: bool = False,
        earlier: Mapping[str, Questionnaire] | None = None,
        minutes: int | None = None,
        typical_choices: Mapping[str, int] | None = None,
    ) -> None:
        self.id = id
        self.version = version
        self.default_language = default_language
        self.languages = languages
        self.language_names = dict(language_names)
        self.sections = sections
        self.questions = questions
        self.merge_window_seconds = merge_window_seconds
        self.max_attempts = max_attempts
        self._by_id = {q.id: q for q in questions}
        self._section_no = {s.id: n for n, s in enumerate(sections, 1)}
        self._texts = {lang: dict(t) for lang, t in texts.items()}
        self._ui = {lang: dict(t) for lang, t in ui_texts.items()}
        self.has_intro = intro
        #: earlier versions by version string: interviews started on one finish on it
        self.earlier: dict[str, Questionnaire] = dict(earlier or {})
        #: estimated minutes of the typical path (bot.interview.paths), for the introduction
        self.minutes = minutes
        #: choices the typical respondent picks per multi question (settings.typical_choices):
        #: the progress line counts questions not yet known with it (bot.interview.paths)
        self.typical_choices: dict[str, int] = dict(typical_choices or {})

    def for_version(self, version: str | None) -> Questionnaire:
        """The questionnaire an interview started on (this one for an unknown version)."""
        if version is None or version == self.version:
            return self
        return self.earlier.get(version, self)

    def versions(self) -> list[Questionnaire]:
        """This questionnaire and every earlier version, newest first."""
        return [self, *self.earlier.values()]

    def intro(self, lang: str) -> str | None:
        """The introduction (who asks, why, who should answer, how long), or None."""
        if not self.has_intro:
            return None
        return self.text(lang, "intro", minutes=self.minutes if self.minutes else "?")

    # --- lookups -----------------------------------------------------------------------------
    def question(self, question_id: str) -> Question:
        return self._by_id[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._by_id

    @property
    def personal_ids(self) -> frozenset[str]:
        """Questions whose answers identify the person (exported only with attributable consent)."""
        ids = {q.id for q in self.questions if q.personal}
        for earlier in self.earlier.values():  # old interviews' answers are withheld the same way
            ids |= earlier.personal_ids
        return frozenset(ids)

    def section_index(self, section_id: str) -> int:
        return self._section_no[section_id]

    def language_name(self, lang: str) -> str:
        return self.language_names.get(lang, lang)

    def resolve_language(self, lang: str | None) -> str:
        """An enabled language for a hint such as Telegram's `language_code` ("cy-GB" -> "cy")."""
        if lang:
            base = lang.lower().replace("_", "-").split("-")[0]
            if base in self.languages:
                return base
        return self.default_language

    def text(self, lang: str, key: str, **params: object) -> str:
        """A questionnaire text (`q.role.text`, `section.you.title`, ...) in `lang`."""
        found = self._texts.get(lang, {}).get(key)
        if found is None:
            found = self._texts[self.default_language].get(key, key)
        return format_text(found, params)

    def has_text(self, key: str) -> bool:
        return key in self._texts[self.default_language]

    def ui(self, lang: str, key: str, **params: object) -> str:
        """A bot UI string in `lang`; English only when the key is missing (check reports that)."""
        found = self._ui.get(lang, {}).get(key)
        if found is None:
            found = self._ui.get(self.default_language, {}).get(key, key)
        return format_text(found, params)

    def title(self, lang: str) -> str:
        return self.text(lang, "title")

    # --- questions for exports and review ------------------------------------------------------
    def iter_questions(self) -> Iterator[Question]:
        return iter(self.questions)

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {key: n for n, key in enumerate(self.answer_keys())}

    def position(self, key: str) -> int:
        """Questionnaire order of an answer key (stored with each answer, so transcripts and
        exports read in order); an unknown key sorts last."""
        return self._positions.get(key, len(self._positions))

    def answer_keys(self) -> list[str]:
        """Every key an answer can have, in questionnaire order (repeat items expanded)."""
        keys: list[str] = []
        for q in self.questions:
            if q.repeat_over is None:
                keys.append(q.id)
            else:
                over = self._by_id[q.repeat_over]
                keys.extend(f"{q.id}{REPEAT_SEPARATOR}{c}" for c in over.choice_ids)
        return keys

    def section_title(self, section_id: str, lang: str) -> str:
        return self.text(lang, f"section.{section_id}.title")

    def question_text(self, key: str, lang: str) -> str:
        """Text of a question by answer key, with the repeat item's label put in for `{item}`."""
        qid, item = split_key(key)
        q = self._by_id[qid]
        label = ""
        if item is not None and q.repeat_over is not None:
            label = self.choice_label(q.repeat_over, item, lang)
        return self.text(lang, f"q.{qid}.text", item=label)

    def hint(self, question_id: str, lang: str) -> str | None:
        q = self._by_id[question_id]
        return self.text(lang, f"q.{question_id}.hint") if q.has_hint else None

    def probe_text(self, question_id: str, lang: str) -> str:
        return self.text(lang, f"q.{question_id}.probe")

    def choice_label(self, question_id: str, choice_id: str, lang: str) -> str:
        q = self._by_id[question_id]
        if q.choices_from is not None:
            return self.choice_label(q.choices_from, choice_id, lang)
        if q.kind == "scale":
            return self.point_label(question_id, choice_id, lang)
        if q.kind in ("single", "multi"):
            return self.text(lang, f"q.{question_id}.choice.{choice_id}")
        if q.kind == "yesno":
            return self.ui(lang, "answer.yes" if choice_id in ("yes", "true") else "answer.no")
        if q.kind == "country":
            return countries.name(choice_id, lang)
        return choice_id

    def scale_label(self, question_id: str, end: str, lang: str) -> str:
        """End label of a scale ("low"/"high"): the question's own, or the UI default."""
        key = f"q.{question_id}.{end}"
        if self.has_text(key):
            return self.text(lang, key)
        return self.ui(lang, f"scale.{end}")

    def point_label(self, question_id: str, point: object, lang: str) -> str:
        """A scale point as a respondent reads it: its own label, or the number (with the end
        labels at the ends); DONT_KNOW is the UI's "Don't know"."""
        q = self._by_id[question_id]
        if point == DONT_KNOW:
            return self.ui(lang, "scale.dont_know")
        try:
            n = int(str(point))
        except ValueError:
            return str(point)
        lo, hi = q.minimum or 1, q.maximum or 5
        if q.labelled_points:
            return self.text(lang, f"q.{question_id}.point.{n - lo + 1}")
        if n == lo:
            return f"{n} · {self.scale_label(question_id, 'low', lang)}"
        if n == hi:
            return f"{n} · {self.scale_label(question_id, 'high', lang)}"
        return str(n)

    def display(self, key: str, value: Value, lang: str) -> str:
        """An answer as a respondent reads it back (review summary, 'your answer was')."""
        qid, _ = split_key(key)
        q = self._by_id[qid]
        if value is None:
            return self.ui(lang, "review.skipped")
        if isinstance(value, bool):
            return self.ui(lang, "answer.yes" if value else "answer.no")
        if isinstance(value, list):
            labels = [self.choice_label(qid, c, lang) for c in value]
            return ", ".join(labels) if labels else self.ui(lang, "review.none_selected")
        if q.kind in ("single", "country"):
            return self.choice_label(qid, str(value), lang)
        if q.kind == "scale" and (q.labelled_points or value == DONT_KNOW):
            return self.point_label(qid, value, lang)
        return str(value)
