"""Which engine transcribes a recording, and the start refused on a Whisper model setting that
cannot work. The real Whisper path needs a model, which cannot be downloaded here: it is not
run by these tests (bot.transcription.whisper); the selection and the checks are."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import transcription
from bot.settings import ConfigError, load_settings
from bot.transcription import Engine, engine_for


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("TRANSCRIPTION", "TRANSCRIPTION_MODEL_DIR", "TRANSCRIPTION_MODEL_DIR_CY"):
        monkeypatch.delenv(name, raising=False)


def _model(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        (folder / name).write_bytes(b"{}")
    return folder


def test_without_a_model_english_is_pocketsphinx_and_welsh_waits_for_a_person():
    settings = load_settings()
    assert settings.transcription == "on"
    assert engine_for(settings, "en") == Engine("pocketsphinx", "en-us", "en")
    assert engine_for(settings, "cy") is None


def test_the_old_setting_name_still_means_on_and_off_means_none():
    assert load_settings(transcription="pocketsphinx").transcription == "on"
    off = load_settings(transcription="off", transcription_model_dir="/anywhere")
    assert engine_for(off, "en") is None and engine_for(off, "cy") is None
    transcription.check(off)  # off: a model setting is not looked at


def test_a_whisper_model_takes_both_languages(tmp_path):
    model = _model(tmp_path / "whisper-small")
    settings = load_settings(transcription_model_dir=str(model))
    assert engine_for(settings, "en") == Engine("whisper", str(model), "en")
    assert engine_for(settings, "cy") == Engine("whisper", str(model), "cy")
    assert engine_for(settings, "fr") is None  # a language the bot does not speak


def test_a_welsh_model_takes_welsh_alone(tmp_path):
    welsh = _model(tmp_path / "whisper-cy")
    only_welsh = load_settings(transcription_model_dir_cy=str(welsh))
    assert engine_for(only_welsh, "cy") == Engine("whisper", str(welsh), "cy")
    assert engine_for(only_welsh, "en") == Engine("pocketsphinx", "en-us", "en")
    general = _model(tmp_path / "whisper-small")
    both = load_settings(
        transcription_model_dir=str(general), transcription_model_dir_cy=str(welsh)
    )
    assert engine_for(both, "cy") == Engine("whisper", str(welsh), "cy")
    assert engine_for(both, "en") == Engine("whisper", str(general), "en")


def test_a_missing_directory_is_refused(tmp_path):
    settings = load_settings(transcription_model_dir=str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match=r"TRANSCRIPTION_MODEL_DIR: .*nowhere is not a directory"):
        transcription.check(settings)


def test_a_directory_that_is_not_a_model_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "config.json").write_text("{}")
    settings = load_settings(transcription_model_dir_cy=str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match=r"TRANSCRIPTION_MODEL_DIR_CY: .* no model\.bin"):
        transcription.check(settings)


def test_a_model_without_the_extra_installed_is_refused(tmp_path, monkeypatch):
    settings = load_settings(transcription_model_dir=str(_model(tmp_path / "m")))
    monkeypatch.setattr(transcription, "whisper_available", lambda: False)
    with pytest.raises(ConfigError, match=r"faster-whisper is not installed.*\[whisper\]"):
        transcription.check(settings)
    monkeypatch.setattr(transcription, "whisper_available", lambda: True)
    transcription.check(settings)  # a model folder and the extra: accepted
