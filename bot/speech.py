"""Decoding and speech-to-text engines: pure functions of a file, run in a worker process.

PocketSphinx holds Python's GIL while it decodes (a 20-second recording stalled the bot's
event loop for 8 s in a thread), so `bot.transcription` runs `transcribe_file` in a separate
process; nothing here touches the database or the bot.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POCKETSPHINX_MODELS = {"en": "en-us"}  # respondent language -> PocketSphinx's bundled model
RATE = 16_000
MAX_DECODE_SECONDS = 3600  # never more PCM than an hour's (a limit on a malformed file)


@dataclass(frozen=True)
class Engine:
    """Which engine transcribes a recording, with which model, in which language."""

    name: str  # "pocketsphinx" or "whisper"
    model: str  # PocketSphinx's bundled model name, or a Whisper model directory
    language: str


def to_pcm(path: Path) -> bytes:
    """The recording's first audio stream as 16 kHz mono signed 16-bit little-endian PCM
    (raises av.FFmpegError, or ValueError when it has no audio)."""
    import av

    out = bytearray()
    limit = MAX_DECODE_SECONDS * RATE * 2
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise ValueError("no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        for frame in container.decode(stream):
            for converted in resampler.resample(frame):
                out += bytes(converted.planes[0])[: converted.samples * 2]
            if len(out) >= limit:
                return bytes(out[:limit])
        for converted in resampler.resample(None):
            out += bytes(converted.planes[0])[: converted.samples * 2]
    return bytes(out)


def recognise(pcm: bytes, language: str = "en") -> str:
    """Words PocketSphinx hears in `pcm` with its model for `language` ("" if none)."""
    from pocketsphinx import Decoder, get_model_path

    name = POCKETSPHINX_MODELS[language]
    folder = Path(get_model_path()) / name
    decoder = Decoder(
        hmm=str(folder / name),
        lm=str(folder / f"{name}.lm.bin"),
        dict=str(folder / "cmudict-en-us.dict"),
        loglevel="FATAL",
    )
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr.strip() if hypothesis is not None else ""


@functools.lru_cache(maxsize=2)
def _whisper_model(folder: str) -> Any:
    # local_files_only: a folder that vanished since the start is never taken for a model's
    # name on Hugging Face and fetched from there (a third party)
    from faster_whisper import WhisperModel

    return WhisperModel(folder, device="cpu", compute_type="int8", local_files_only=True)


def whisper(pcm: bytes, folder: str, language: str) -> str:
    """Words faster-whisper hears in `pcm` with the model in `folder`, asked for `language`
    ("" if none). Tested on tiny models the tests build (tests/whisper_model.py), which run
    like real ones but recognise nothing: how well a real model hears English and Welsh is
    not tested here."""
    import numpy

    audio = numpy.frombuffer(pcm, dtype="<i2").astype(numpy.float32) / 32768.0
    segments, _info = _whisper_model(folder).transcribe(
        audio, language=language, vad_filter=False, beam_size=5
    )
    return " ".join(s.text.strip() for s in segments).strip()


def transcribe_file(path: Path, engine: Engine) -> str:
    pcm = to_pcm(path)
    if engine.name == "whisper":
        return whisper(pcm, engine.model, engine.language)
    return recognise(pcm, engine.language)
