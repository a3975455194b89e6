"""The translation gate: every UI string the engine uses exists in English, and every translation
is present, non-empty, current (its `source` fingerprint matches the English) and has the same
{placeholders}; `confirm_translations` marks reviewed stale translations as current.
"""

from __future__ import annotations

from pathlib import Path

from bot.interview.catalogues import CATALOGUES, read_catalogue
from bot.interview.files import Files, read_files
from bot.interview.questionnaire import fingerprint, placeholders
from bot.interview.schema import TranslationFile
from bot.interview.yamlfile import Document, QuestionnaireError, round_trip

# UI keys the engine itself uses; the English UI file must define them all.
ENGINE_UI_KEYS: tuple[str, ...] = (
    "progress",
    "stale.button",
    "skip.not_allowed",
    "back.nothing",
    "welcome_back",
    "language.changed",
    "completed",
    "already_completed",
    "review.intro",
    "review.skipped",
    "review.none_selected",
    "review.incomplete",
    "review.use_buttons",
    "answer.yes",
    "answer.no",
    "scale.low",
    "scale.high",
    "scale.dont_know",
    "collecting",
    "collecting.parts",
    "merged",
    "amended",
    "country.matches",
    "country.accepted",
    "country.not_found",
    "country.use_buttons",
    "invalid.choice",
    "invalid.use_buttons",
    "invalid.multi_min",
    "invalid.multi_max",
    "invalid.text_short",
    "invalid.text_long",
    "invalid.number",
    "invalid.number_min",
    "invalid.number_max",
    "invalid.scale",
    "invalid.yesno",
    "invalid.can_skip",
    "input.unsupported",
    "done.nothing",
)


def check_files(path: str | Path) -> list[str]:
    loaded, errors = read_files(path)
    if loaded is None:
        return errors
    english_ui = loaded.ui_source.strings
    for key in ENGINE_UI_KEYS:
        if key not in english_ui:
            errors.append(loaded.ui_doc.error(("strings",), f"missing UI string '{key}'"))
    sources = {s.key: (s.text, loaded.doc.line(s.loc)) for s in loaded.sources}
    ui_sources = {k: (v, loaded.ui_doc.line(("strings", k))) for k, v in english_ui.items()}
    for lang in loaded.files.languages()[1:]:
        q_path = loaded.files.translation(lang)
        errors += _compare(lang, loaded.translations.get(lang), q_path, sources, loaded.doc.path)
        ui_path = loaded.files.ui(loaded.model.ui, lang)
        ui_found = loaded.ui_translations.get(lang)
        if ui_found is None:
            errors.append(f"{ui_path}:1: missing UI strings file for language '{lang}'")
        else:
            errors += _compare(lang, ui_found, ui_path, ui_sources, loaded.ui_doc.path)
    for stem in CATALOGUES:
        errors += _check_catalogue(loaded.files, stem)
    return errors


def _check_catalogue(files: Files, stem: str) -> list[str]:
    errors: list[str] = []
    found = read_catalogue(files, stem, errors)
    if found is None:
        return errors
    doc, source, translations = found
    sources = {k: (v, doc.line(("strings", k))) for k, v in source.strings.items()}
    for lang, translation in translations.items():
        errors += _compare(lang, translation, files.ui(stem, lang), sources, doc.path)
    return errors


def _compare(
    lang: str,
    found: tuple[Document, TranslationFile] | None,
    path: Path,
    sources: dict[str, tuple[str, int]],
    source_path: Path,
) -> list[str]:
    if found is None:
        return []
    doc, tf = found
    errors: list[str] = []
    strings_line = doc.line(("strings",))
    for key, (text, line) in sources.items():
        entry = tf.strings.get(key)
        if entry is None:
            errors.append(
                f"{path}:{strings_line}: missing {lang} translation of '{key}' "
                f"(English at {source_path}:{line})"
            )
            continue
        where = ("strings", key)
        if not entry.text.strip():
            errors.append(doc.error(where, f"empty {lang} translation of '{key}'"))
        if entry.source != fingerprint(text):
            errors.append(
                doc.error(
                    where,
                    f"stale {lang} translation of '{key}': the English changed since it was "
                    f"translated ({source_path}:{line}); update it, then confirm it",
                )
            )
        if placeholders(entry.text) != placeholders(text):
            errors.append(
                doc.error(where, f"{lang} translation of '{key}' has different {{placeholders}}")
            )
    for key in tf.strings:
        if key not in sources:
            errors.append(doc.error(("strings", key), f"translation of unknown key '{key}'"))
    return errors


def confirm_translations(
    path: str | Path, language: str, keys: list[str] | None = None
) -> list[str]:
    """Mark stale translations of `language` as reviewed by storing the current English fingerprint.

    Returns the keys confirmed. Only stale entries are touched; missing ones stay missing.
    """
    loaded, errors = read_files(path)
    if loaded is None:
        raise QuestionnaireError(errors)
    sources = {s.key: s.text for s in loaded.sources}
    confirmed = _confirm_file(loaded.files.translation(language), sources, keys)
    ui_path = loaded.files.ui(loaded.model.ui, language)
    if ui_path.exists():
        confirmed += _confirm_file(ui_path, dict(loaded.ui_source.strings), keys)
    for stem in CATALOGUES:
        found = read_catalogue(loaded.files, stem, [])
        if found is not None:
            confirmed += _confirm_file(loaded.files.ui(stem, language), found[1].strings, keys)
    return confirmed


def _confirm_file(path: Path, sources: dict[str, str], keys: list[str] | None) -> list[str]:
    if not path.exists():
        return []
    yaml = round_trip()
    data = yaml.load(path.read_text(encoding="utf-8"))
    strings = data.get("strings") or {}
    confirmed: list[str] = []
    for key, entry in strings.items():
        if key not in sources or (keys is not None and key not in keys):
            continue
        new = fingerprint(sources[key])
        if hasattr(entry, "get") and entry.get("source") != new:
            entry["source"] = new
            confirmed.append(str(key))
    if confirmed:
        with path.open("w", encoding="utf-8") as fh:
            yaml.dump(data, fh)
    return confirmed
