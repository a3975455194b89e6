"""What the staff views need from the questionnaire, asked defensively.

Answers outlive questionnaire versions: a key the current questionnaire doesn't know is shown
with the question text stored on the answer, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storage.review_query import NOT_ASKED

OUTCOMES: tuple[tuple[str, str], ...] = (
    ("success", "Success"),
    ("mixed", "Mixed"),
    ("failure", "Failure"),
    ("too_early", "Too early to tell"),
    ("dont_know", "Don't know"),  # offered from questionnaire version 2026.2
)
LEVELS_FALLBACK = ("national", "regional", "local", "other")


class QuestionnaireView:
    """Labels and question lists for review, in English (the staff's working language)."""

    def __init__(
        self,
        questionnaire: Any,
        lang: str = "en",
        t: Callable[..., str] | None = None,
    ) -> None:
        self.q = questionnaire
        self.lang = lang
        self._staff = t

    def _t(self, key: str, english: str, **params: object) -> str:
        """A staff string (prompts/staff.*.yaml) when a translator is given, else the English."""
        if self._staff is not None:
            return self._staff(key, **params)
        return english.format(**params)

    def versions(self) -> list[Any]:
        """The current questionnaire, then each earlier version still holding answers."""
        try:
            return list(self.q.versions())
        except Exception:  # a stand-in questionnaire
            return [self.q]

    def _owner(self, question_id: str) -> Any:
        """The newest version that has the question (answers are shown by question key, so
        an answer to a question only an earlier version asked still reads properly)."""
        for version in self.versions():
            try:
                if version.has_question(question_id):
                    return version
            except Exception:
                return None
        return None

    def _question(self, question_id: str) -> Any:
        owner = self._owner(question_id)
        try:
            return owner.question(question_id) if owner is not None else None
        except Exception:  # a stand-in questionnaire, or a newer one
            return None

    def choices(self, question_id: str) -> list[tuple[str, str]]:
        question = self._question(question_id)
        ids = tuple(getattr(question, "choice_ids", ()) or ())
        return [(c, self.choice_label(question_id, c)) for c in ids]

    def choice_label(self, question_id: str, choice_id: str) -> str:
        try:
            label = (self._owner(question_id) or self.q).choice_label(
                question_id, choice_id, self.lang
            )
            return str(label) if label else choice_id
        except Exception:
            return choice_id

    def question_text(self, key: str, fallback: str = "") -> str:
        try:
            owner = self._owner(key.split("@", 1)[0]) or self.q
            return str(owner.question_text(key, self.lang))
        except Exception:
            return fallback or key

    def asks(self, question_id: str, version: str | None) -> bool:
        """Whether the questionnaire version an interview used asks `question_id`; True for a
        version this deployment doesn't hold (we can't tell, so it reads as unanswered)."""
        for held in self.versions():
            if getattr(held, "version", None) == version:
                try:
                    return bool(held.has_question(question_id))
                except Exception:
                    return True
        return True

    def not_asking(self, question_id: str) -> tuple[str, ...]:
        """The versions held that do not ask `question_id` (their interviews show "Not asked
        in version ..." for it)."""
        versions: list[str] = []
        for version in self.versions():
            try:
                if not version.has_question(question_id):
                    versions.append(str(getattr(version, "version", "")))
            except Exception:  # a stand-in questionnaire: we can't tell
                return ()
        return tuple(versions)

    def level_not_asked(self) -> tuple[str, str] | None:
        """The level filter's option for interviews whose version does not ask the level, as
        (value, label); None when every version asks it."""
        versions = self.not_asking("level")
        if not versions:
            return None
        label = self._t(
            "level.not_asked", "Not asked in version {version}", version=", ".join(versions)
        )
        return NOT_ASKED, label

    def level(self, value: Any, version: str | None, unanswered: str = "") -> str:
        """An interview's level of government as staff read it: the choice; "Not asked in
        version 2026.2" when its questionnaire has no level question (version 2 asks the
        respondent's relationship to the unit instead, which says nothing about the level);
        `unanswered` when it was asked and not answered."""
        if isinstance(value, str) and value:
            return self.choice_label("level", value)
        if not self.asks("level", version):
            return self._t("level.not_asked", "Not asked in version {version}", version=version)
        return unanswered

    def level_note(self) -> str:
        """The level filter's help text: which versions ask the level ("" when all do)."""
        asked: list[str] = []
        not_asked: list[str] = []
        for version in self.versions():
            try:
                has = version.has_question("level")
            except Exception:
                return ""
            (asked if has else not_asked).append(str(getattr(version, "version", "")))
        if not asked or not not_asked:
            return ""
        return self._t(
            "level.hint",
            "Only questionnaire version {asked} asks the level of government. Interviews on "
            "version {not_asked} show as “Not asked in version {not_asked}” (that version asks "
            "the respondent's relationship to the unit instead, which says nothing about its "
            "level), and choosing a level leaves them out; choose “Not asked in version "
            "{not_asked}” to see only them.",
            asked=", ".join(asked),
            not_asked=", ".join(not_asked),
        )

    def levels(self) -> list[tuple[str, str]]:
        return self.choices("level") or [(c, c.title()) for c in LEVELS_FALLBACK]

    def areas(self) -> list[tuple[str, str]]:
        """The eight longlist areas: the choices of `attempted`."""
        return self.choices("attempted")

    def traits(self) -> list[dict[str, Any]]:
        """Every scale question of every version: id, text, points [(value, label)], and a note
        saying which version asked it and whether the versions can be compared."""
        found: list[dict[str, Any]] = []
        versions = self.versions()
        for version in versions:
            for question in getattr(version, "questions", ()) or ():
                if getattr(question, "kind", None) != "scale":
                    continue
                if any(t["id"] == question.id for t in found):
                    continue  # the newer version's wording
                low = getattr(question, "minimum", None) or 1
                high = getattr(question, "maximum", None) or 5
                points = [
                    (str(n), self._point(version, question.id, n)) for n in range(low, high + 1)
                ]
                if getattr(question, "dont_know", False):
                    points.append(("dont_know", self._ui("scale.dont_know", "Don't know")))
                note = ""
                if len(versions) > 1:
                    tag = getattr(version, "version", "")
                    asked_in = [
                        getattr(v, "version", "") for v in versions if v.has_question(question.id)
                    ]
                    if version is versions[0] and len(asked_in) == len(versions):
                        note = self._t(
                            "versions.trait_every", "Asked in every questionnaire version."
                        )
                    elif version is versions[0]:
                        note = self._t(
                            "versions.trait_from",
                            "Asked from version {version}: a question about what the unit did, "
                            "with every point labelled; not comparable with the earlier agreement "
                            "scales below.",
                            version=tag,
                        )
                    else:
                        note = self._t(
                            "versions.trait_only",
                            "Version {version} only: how far the respondent agreed with a "
                            "statement about their unit (1-5). Later versions ask about observed "
                            "behaviour instead, so these scores are not comparable with them.",
                            version=tag,
                        )
                found.append(
                    {
                        "id": question.id,
                        "text": self._text_in(version, question.id),
                        "points": points,
                        "note": note,
                    }
                )
        return found

    def _point(self, version: Any, question_id: str, n: int) -> str:
        try:
            return str(version.point_label(question_id, n, self.lang))
        except Exception:
            return str(n)

    def _text_in(self, version: Any, key: str) -> str:
        try:
            return str(version.question_text(key, self.lang))
        except Exception:
            return key

    def area_note(self) -> str:
        """How the areas × outcomes matrix reads across versions ("" with one version)."""
        versions = self.versions()
        if len(versions) < 2:
            return ""
        current = {c for c, _ in self.choices("attempted")}
        older: set[str] = set()
        for version in versions[1:]:
            if version.has_question("attempted"):
                older |= set(version.question("attempted").choice_ids)
        added = [label for c, label in self.choices("attempted") if c not in older]
        notes = [
            self._t(
                "versions.areas_same",
                "Every version asks the outcome of each area ticked in the same words, so the "
                "counts add up across versions.",
            )
        ]
        if added:
            notes.append(
                self._t(
                    "versions.areas_added",
                    "Only version {version} offers {areas} and the outcome “Don't know”; earlier "
                    "interviews cannot have them.",
                    version=getattr(versions[0], "version", ""),
                    areas=", ".join(added),
                )
            )
        if older - current:
            notes.append(
                self._t(
                    "versions.areas_older",
                    "Areas only earlier versions offered: {areas}.",
                    areas=", ".join(sorted(older - current)),
                )
            )
        return " ".join(notes)

    def key_order(self) -> dict[str, int]:
        order: dict[str, int] = {}
        for version in self.versions():  # the current order first, then older-only keys
            try:
                keys = list(version.answer_keys())
            except Exception:  # a stand-in questionnaire
                keys = []
            for key in keys:
                order.setdefault(key, len(order))
        return order

    def _ui(self, key: str, fallback: str) -> str:
        try:
            return str(self.q.ui(self.lang, key))
        except Exception:
            return fallback

    def all_questions(self) -> list[tuple[Any, Any]]:
        """(version, question) of every question of every version: the current questionnaire's
        in its order, then those only earlier versions asked (their answers stay readable)."""
        found: list[tuple[Any, Any]] = []
        seen: set[str] = set()
        for version in self.versions():
            for question in getattr(version, "questions", ()) or ():
                if question.id not in seen:
                    seen.add(question.id)
                    found.append((version, question))
        return found

    def questions(self) -> list[tuple[str, str, bool]]:
        """(id, text, repeated over the longlist) of every question, in questionnaire order."""
        return [
            (
                question.id,
                self.question_text(question.id),
                getattr(question, "repeat_over", None) is not None,
            )
            for _, question in self.all_questions()
        ]

    def is_repeated(self, question_id: str) -> bool:
        return getattr(self._question(question_id), "repeat_over", None) is not None

    def relationship(self, fields: dict[str, Any]) -> str:
        """Who the respondent is to the unit: the role they typed (version 1), or their
        relationship to the unit (a choice, from version 2)."""
        role = fields.get("role")
        if isinstance(role, str) and role.strip():
            role = " ".join(role.split())
            return role if len(role) <= 48 else role[:47] + "…"
        relationship = fields.get("relationship")
        if isinstance(relationship, str) and relationship:
            return self.choice_label("relationship", relationship)
        return ""

    def name(self, interview_id: str, fields: dict[str, Any]) -> str:
        """An interview as a person recognises it: role (version 1) or relationship to the unit
        (version 2), country and a short id. Never the organisation: it is personal."""
        parts = []
        who = self.relationship(fields)
        if who:
            parts.append(who)
        country = fields.get("country")
        if isinstance(country, str) and country:
            parts.append(self.choice_label("country", country))
        parts.append(interview_id[:8])
        return " · ".join(parts)

    def is_free_text(self, key: str, value: Any) -> bool:
        """Only what the respondent typed can be quoted (not a choice id or a country code)."""
        if not isinstance(value, str):
            return False
        question = self._question(key.split("@", 1)[0])
        if question is None:
            return True
        return getattr(question, "kind", "text") == "text"

    def display(self, key: str, value: Any) -> str:
        """An answer's value as a reviewer reads it (choice labels, not ids)."""
        if value is None:
            return self._ui("review.skipped", "(skipped)")
        question_id = key.split("@", 1)[0]
        if isinstance(value, list):
            return ", ".join(self.choice_label(question_id, str(v)) for v in value)
        if isinstance(value, bool):
            return self._ui("answer.yes", "Yes") if value else self._ui("answer.no", "No")
        question = self._question(question_id)
        kind = getattr(question, "kind", None)
        if isinstance(value, str):
            if kind in ("single", "country", "yesno"):
                return self.choice_label(question_id, value)
            if kind == "scale" and value == "dont_know":
                return self._ui("scale.dont_know", "Don't know")
            return value
        if kind == "scale" and getattr(question, "labelled_points", False):
            owner = self._owner(question_id)
            return f"{value} · {self._point(owner, question_id, int(value))}"
        return str(value)
