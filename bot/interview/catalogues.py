"""String catalogues beside the questionnaire, checked and confirmed like its `ui` strings.

Today one: the staff web app's words (`staff.en.yaml`, `staff.cy.yaml`; see
docs/adr/0005-staff-app-languages.md). English is the source; Welsh is required (CDPS is a Welsh
public body); other languages are optional. The translation gate (translations.py) compares each
translation with the English as it does for the interview's own strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.interview.files import _LANG_PATTERN, Files, _read_translation, files_at
from bot.interview.questionnaire import format_text
from bot.interview.schema import SOURCE_LANGUAGE, SourceUiFile, TranslationFile
from bot.interview.yamlfile import Document, QuestionnaireError, read, validate

CATALOGUES: tuple[str, ...] = ("staff",)
#: languages every catalogue must have; others are optional
CATALOGUE_REQUIRED: tuple[str, ...] = ("cy",)

Found = tuple[Document, SourceUiFile, dict[str, tuple[Document, TranslationFile] | None]]


def read_catalogue(files: Files, stem: str, errors: list[str]) -> Found | None:
    """A catalogue's English source and its translations; None when it has no English file."""
    source_path = files.ui(stem, SOURCE_LANGUAGE)
    if not source_path.exists():
        return None
    doc, errs = read(source_path)
    errors += errs
    if doc is None:
        return None
    source, errs = validate(doc, SourceUiFile)
    errors += errs
    if source is None:
        return None
    translations: dict[str, tuple[Document, TranslationFile] | None] = {}
    present = {p.name[len(stem) + 1 : -len(".yaml")] for p in files.folder.glob(f"{stem}.*.yaml")}
    wanted = {lang for lang in present if _LANG_PATTERN.match(lang)} | set(CATALOGUE_REQUIRED)
    for lang in sorted(wanted - {SOURCE_LANGUAGE}):
        path = files.ui(stem, lang)
        if path.exists():
            translations[lang] = _read_translation(path, lang, errors)
        else:
            errors.append(f"{path}:1: missing {stem} strings file for language '{lang}'")
            translations[lang] = None
    return doc, source, translations


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Strings of one catalogue in every language; English stands in for a missing entry."""

    texts: dict[str, dict[str, str]]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.texts)

    def text(self, lang: str, key: str, **params: object) -> str:
        found = self.texts.get(lang, {}).get(key)
        if found is None:
            found = self.texts[SOURCE_LANGUAGE].get(key, key)
        return format_text(found, params)

    def has(self, key: str) -> bool:
        return key in self.texts[SOURCE_LANGUAGE]


def load_catalogue(questionnaire_path: str | Path, stem: str) -> Catalogue:
    """The catalogue `<stem>.<lang>.yaml` beside a questionnaire; raises QuestionnaireError."""
    files = files_at(questionnaire_path)
    errors: list[str] = []
    found = read_catalogue(files, stem, errors)
    if found is None:
        raise QuestionnaireError(errors or [f"{files.ui(stem, SOURCE_LANGUAGE)}:1: not found"])
    _, source, translations = found
    texts = {SOURCE_LANGUAGE: dict(source.strings)}
    for lang, translation in translations.items():
        texts[lang] = {k: e.text for k, e in translation[1].strings.items()} if translation else {}
    return Catalogue(texts)


#: the project's own prompts, whose staff catalogue stands in for a deployment's that has none
PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def staff_catalogue(questionnaire_path: str | Path) -> Catalogue:
    """The staff catalogue beside the configured questionnaire when it has one, else the
    project's own (as the staff app loads it); read once per file."""
    configured = Path(questionnaire_path)
    if not (configured.parent / "staff.en.yaml").exists():
        configured = PROMPTS / "dgu_landscape.yaml"
    return _staff_catalogue(str(configured))


@cache
def _staff_catalogue(path: str) -> Catalogue:
    return load_catalogue(path, "staff")
