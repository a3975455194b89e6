"""What the staff views need from the questionnaire, asked defensively.

Answers outlive questionnaire versions: a key the current questionnaire doesn't know is shown
with the question text stored on the answer, never an error.
"""

from __future__ import annotations

from typing import Any

OUTCOMES: tuple[tuple[str, str], ...] = (
    ("success", "Success"),
    ("mixed", "Mixed"),
    ("failure", "Failure"),
    ("too_early", "Too early to tell"),
)
LEVELS_FALLBACK = ("national", "regional", "local", "other")


class QuestionnaireView:
    """Labels and question lists for review, in English (the staff's working language)."""

    def __init__(self, questionnaire: Any, lang: str = "en") -> None:
        self.q = questionnaire
        self.lang = lang

    def _question(self, question_id: str) -> Any:
        try:
            if self.q.has_question(question_id):
                return self.q.question(question_id)
        except Exception:  # a stand-in questionnaire, or a newer one
            return None
        return None

    def choices(self, question_id: str) -> list[tuple[str, str]]:
        question = self._question(question_id)
        ids = tuple(getattr(question, "choice_ids", ()) or ())
        return [(c, self.choice_label(question_id, c)) for c in ids]

    def choice_label(self, question_id: str, choice_id: str) -> str:
        try:
            label = self.q.choice_label(question_id, choice_id, self.lang)
            return str(label) if label else choice_id
        except Exception:
            return choice_id

    def question_text(self, key: str, fallback: str = "") -> str:
        try:
            return str(self.q.question_text(key, self.lang))
        except Exception:
            return fallback or key

    def levels(self) -> list[tuple[str, str]]:
        return self.choices("level") or [(c, c.title()) for c in LEVELS_FALLBACK]

    def areas(self) -> list[tuple[str, str]]:
        """The eight longlist areas: the choices of `attempted`."""
        return self.choices("attempted")

    def traits(self) -> list[tuple[str, str, int, int]]:
        """(id, text, minimum, maximum) of every scale question."""
        found = []
        for question in getattr(self.q, "questions", ()) or ():
            if getattr(question, "kind", None) == "scale":
                low = getattr(question, "minimum", None) or 1
                high = getattr(question, "maximum", None) or 5
                found.append((question.id, self.question_text(question.id), low, high))
        return found

    def key_order(self) -> dict[str, int]:
        try:
            return {key: n for n, key in enumerate(self.q.answer_keys())}
        except Exception:
            return {}

    def _ui(self, key: str, fallback: str) -> str:
        try:
            return str(self.q.ui(self.lang, key))
        except Exception:
            return fallback

    def questions(self) -> list[tuple[str, str, bool]]:
        """(id, text, repeated over the longlist) of every question, in questionnaire order."""
        return [
            (
                question.id,
                self.question_text(question.id),
                getattr(question, "repeat_over", None) is not None,
            )
            for question in getattr(self.q, "questions", ()) or ()
        ]

    def is_repeated(self, question_id: str) -> bool:
        return getattr(self._question(question_id), "repeat_over", None) is not None

    def name(self, interview_id: str, fields: dict[str, Any]) -> str:
        """An interview as a person recognises it: role, country and a short id."""
        parts = []
        role = fields.get("role")
        if isinstance(role, str) and role.strip():
            role = " ".join(role.split())
            parts.append(role if len(role) <= 48 else role[:47] + "…")
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
        if isinstance(value, str):
            question = self._question(question_id)
            if getattr(question, "kind", None) in ("single", "country", "yesno"):
                return self.choice_label(question_id, value)
            return value
        return str(value)
