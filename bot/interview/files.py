"""A questionnaire's files on disk: finding its languages, reading and validating every file.

Layout next to `<stem>.yaml` (English source): `<stem>.<lang>.yaml` per translated language, and
the UI strings `<ui>.en.yaml` (source) plus `<ui>.<lang>.yaml`. A language is enabled by the
presence of `<stem>.<lang>.yaml`; adding one is adding files, no code. `read_files` gathers them
into one `Loaded` for the loader (`loader`), the checks (`checks`) and the translation gate
(`translations`); every problem is `file:line: ...`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.interview.rules import check_rules
from bot.interview.schema import SOURCE_LANGUAGE, QuestionnaireModel, SourceUiFile, TranslationFile
from bot.interview.yamlfile import Document, Loc, read, validate

_LANG_PATTERN = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True, slots=True)
class SourceText:
    key: str
    text: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class Files:
    """Where a questionnaire's language and UI files are, next to its source `<stem>.yaml`."""

    path: Path
    stem: str
    folder: Path

    def translation(self, lang: str) -> Path:
        return self.folder / f"{self.stem}.{lang}.yaml"

    def ui(self, ui_stem: str, lang: str) -> Path:
        return self.folder / f"{ui_stem}.{lang}.yaml"

    def languages(self) -> list[str]:
        found = []
        for p in self.folder.glob(f"{self.stem}.*.yaml"):
            lang = p.name[len(self.stem) + 1 : -len(".yaml")]
            if _LANG_PATTERN.match(lang) and lang != SOURCE_LANGUAGE:
                found.append(lang)
        return [SOURCE_LANGUAGE, *sorted(found)]


def files_at(path: str | Path) -> Files:
    p = Path(path)
    return Files(p, p.name.removesuffix(".yaml").removesuffix(".yml"), p.parent)


# --- source strings ----------------------------------------------------------------------------
def source_strings(model: QuestionnaireModel) -> Iterator[SourceText]:
    """Every translatable questionnaire text with its key and its place in the source file."""
    yield SourceText("title", model.title, ("title",))
    if model.intro is not None:
        yield SourceText("intro", model.intro, ("intro",))
    for s_no, section in enumerate(model.sections):
        base: Loc = ("sections", s_no)
        yield SourceText(f"section.{section.id}.title", section.title, (*base, "title"))
        for q_no, q in enumerate(section.questions):
            qloc: Loc = (*base, "questions", q_no)
            yield SourceText(f"q.{q.id}.text", q.text, (*qloc, "text"))
            if q.hint is not None:
                yield SourceText(f"q.{q.id}.hint", q.hint, (*qloc, "hint"))
            if q.probe is not None:
                yield SourceText(f"q.{q.id}.probe", q.probe.text, (*qloc, "probe", "text"))
            for end in ("low", "high"):
                value = getattr(q, end)
                if value is not None:
                    yield SourceText(f"q.{q.id}.{end}", value, (*qloc, end))
            for p_no, label in enumerate(q.labels or []):
                yield SourceText(f"q.{q.id}.point.{p_no + 1}", label, (*qloc, "labels", p_no))
            for c_no, choice in enumerate(q.choices or []):
                yield SourceText(
                    f"q.{q.id}.choice.{choice.id}",
                    choice.label,
                    (*qloc, "choices", c_no, "label"),
                )


@dataclass
class Loaded:
    """Every file of a questionnaire, read and validated, with its English source texts."""

    files: Files
    doc: Document
    model: QuestionnaireModel
    sources: list[SourceText]
    ui_doc: Document
    ui_source: SourceUiFile
    translations: dict[str, tuple[Document, TranslationFile] | None]
    ui_translations: dict[str, tuple[Document, TranslationFile] | None]


def read_files(path: str | Path) -> tuple[Loaded | None, list[str]]:
    """Read and validate every file (the rules included); (None, problems) if any is wrong."""
    files = files_at(path)
    doc, errors = read(files.path)
    if doc is None:
        return None, errors
    model, errors = validate(doc, QuestionnaireModel)
    if model is None:
        return None, errors
    errors = check_rules(doc, model)
    ui_doc, ui_errors = read(files.ui(model.ui, SOURCE_LANGUAGE))
    errors += ui_errors
    ui_source: SourceUiFile | None = None
    if ui_doc is not None:
        ui_source, ui_errors = validate(ui_doc, SourceUiFile)
        errors += ui_errors
    translations: dict[str, tuple[Document, TranslationFile] | None] = {}
    ui_translations: dict[str, tuple[Document, TranslationFile] | None] = {}
    for lang in files.languages()[1:]:
        translations[lang] = _read_translation(files.translation(lang), lang, errors)
        ui_path = files.ui(model.ui, lang)
        ui_translations[lang] = (
            _read_translation(ui_path, lang, errors) if ui_path.exists() else None
        )
    if errors or ui_doc is None or ui_source is None:
        return None, errors
    loaded = Loaded(
        files,
        doc,
        model,
        list(source_strings(model)),
        ui_doc,
        ui_source,
        translations,
        ui_translations,
    )
    return loaded, []


def _read_translation(
    path: Path, lang: str, errors: list[str]
) -> tuple[Document, TranslationFile] | None:
    doc, errs = read(path)
    errors += errs
    if doc is None:
        return None
    model, errs = validate(doc, TranslationFile)
    errors += errs
    if model is None:
        return None
    if model.language != lang:
        errors.append(doc.error(("language",), f"language '{model.language}' but file is '{lang}'"))
    return doc, model
