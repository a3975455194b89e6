"""Which engine transcribes a recording, the start refused on a Whisper model setting that
cannot work, and faster-whisper itself run on tiny models built here (tests/whisper_model.py:
no download). Those models were never trained: they write which model ran and the language
it was asked for, so the tests can tell the right model and language were used; they say
nothing of how well a real Whisper model recognises English or Welsh."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from bot import speech, transcription
from bot.settings import ConfigError, load_settings
from bot.transcription import Engine, engine_for
from tests import whisper_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three tiny faster-whisper models: a general one, a Welsh one, one that hears nothing."""
    root = tmp_path_factory.mktemp("whisper")
    return {
        "general": whisper_model.build(root / "general", "tiny-general", seed=1),
        "cy": whisper_model.build(root / "cy", "tiny-welsh", seed=2),
        "silent": whisper_model.build(root / "silent", "", seed=3),
    }


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of quiet noise as a 16 kHz WAV file (what is said does not matter here)."""
    path = tmp_path_factory.mktemp("audio") / "noise.wav"
    samples = np.random.default_rng(7).normal(0, 800, 32_000).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(samples.tobytes())
    return path


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


def test_a_model_without_the_extra_installed_is_refused(tiny, monkeypatch):
    settings = load_settings(transcription_model_dir=str(tiny["general"]))
    monkeypatch.setattr(transcription, "whisper_available", lambda: False)
    with pytest.raises(ConfigError, match=r"faster-whisper is not installed.*\[whisper\]"):
        transcription.check(settings)


def test_a_real_model_is_accepted(tiny):
    assert transcription.whisper_available()  # the test extra installs faster-whisper
    transcription.check(
        load_settings(
            transcription_model_dir=str(tiny["general"]),
            transcription_model_dir_cy=str(tiny["cy"]),
        )
    )


def test_a_model_without_its_tokenizer_is_refused(tiny, tmp_path):
    """faster-whisper would fetch a missing tokenizer from Hugging Face: never from here."""
    import shutil

    copy = shutil.copytree(tiny["general"], tmp_path / "no-tokenizer")
    (copy / "tokenizer.json").unlink()
    settings = load_settings(transcription_model_dir=str(copy))
    with pytest.raises(ConfigError, match=r"TRANSCRIPTION_MODEL_DIR: .* no tokenizer\.json"):
        transcription.check(settings)
    (copy / "vocabulary.json").unlink()
    with pytest.raises(ConfigError, match=r"no tokenizer\.json, vocabulary\.json or vocabulary"):
        transcription.check(settings)


@pytest.mark.parametrize(
    ("model_bin", "found"),
    [
        (b"", "not a model"),
        (b"not a model at all", "not a model"),
        (b"\x06\x00\x00\x00\x10\x00TransformerSpec\x00\x01\x00", "a TransformerSpec model"),
    ],
)
def test_a_model_file_that_is_not_whisper_is_refused(tiny, tmp_path, model_bin, found):
    import shutil

    copy = shutil.copytree(tiny["general"], tmp_path / "broken")
    (copy / "model.bin").write_bytes(model_bin)
    settings = load_settings(transcription_model_dir_cy=str(copy))
    with pytest.raises(ConfigError) as refused:
        transcription.check(settings)
    assert str(refused.value) == (
        f"TRANSCRIPTION_MODEL_DIR_CY: {copy}/model.bin is not a CTranslate2 Whisper model ({found})"
    )


def test_whisper_transcribes_with_the_model_and_the_language_chosen(tiny, recording):
    """faster-whisper really runs: the recording decoded by PyAV, its log-mel features through
    the model's encoder, beam search in its decoder. What the tiny model writes names the
    model and the language token faster-whisper put in its prompt."""
    general, welsh = str(tiny["general"]), str(tiny["cy"])
    assert speech.transcribe_file(recording, Engine("whisper", general, "en")) == "tiny-general en"
    assert speech.transcribe_file(recording, Engine("whisper", general, "cy")) == "tiny-general cy"
    assert speech.transcribe_file(recording, Engine("whisper", welsh, "cy")) == "tiny-welsh cy"


def test_whisper_hearing_nothing_gives_an_empty_transcript(tiny, recording):
    engine = Engine("whisper", str(tiny["silent"]), "en")
    assert speech.transcribe_file(recording, engine) == ""
