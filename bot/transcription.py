"""Speech to text on this server, never by a third party, in the background.

The embedded engine is PocketSphinx with the English model its PyPI package ships; `sox`
(a Debian package) turns a recording into the 16 kHz mono 16-bit PCM it reads. The
respondent's language picks the model: there is only an English one here, so recordings in
other languages (Welsh) wait for a person to type their transcript. A machine transcript is
stored as source "machine" and never replaces one a person typed.

`start()` runs a transcription as a task of the running loop; `settle()` waits for every
task started so far (tests and shutdown).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess  # runs sox, a fixed program, on a file we wrote  # nosec B404
from pathlib import Path

from bot.services import Services
from storage.media_repo import MediaStore, resolve
from storage.models import Media

log = logging.getLogger(__name__)

SPOKEN_KINDS = ("voice", "audio", "video_note")
MODELS = {"en": "en-us"}  # respondent language -> PocketSphinx's bundled model folder
DECODE_SECONDS = 60.0

_tasks: set[asyncio.Task[None]] = set()


def available() -> bool:
    """PocketSphinx importable and sox on the PATH."""
    if shutil.which("sox") is None:
        return False
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return False
    return True


def to_pcm(path: Path) -> bytes:
    """The recording as 16 kHz mono signed 16-bit little-endian PCM (raises on failure)."""
    sox = shutil.which("sox")
    if sox is None:
        raise OSError("sox is not installed")
    done = subprocess.run(  # noqa: S603 - a fixed program and a path we made  # nosec B603
        [sox, str(path), "-t", "raw", "-r", "16000", "-c", "1", "-b", "16",
         "-e", "signed-integer", "-L", "-"],
        capture_output=True,
        timeout=DECODE_SECONDS,
        check=True,
    )  # fmt: skip
    return done.stdout


def recognise(pcm: bytes, language: str = "en") -> str:
    """Words PocketSphinx hears in `pcm` with the model for `language` ("" if none)."""
    from pocketsphinx import Decoder, get_model_path

    folder = Path(get_model_path()) / MODELS[language]
    decoder = Decoder(
        hmm=str(folder / MODELS[language]),
        lm=str(folder / f"{MODELS[language]}.lm.bin"),
        dict=str(folder / "cmudict-en-us.dict"),
        loglevel="FATAL",
    )
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr.strip() if hypothesis is not None else ""


def transcribe_file(path: Path, language: str) -> str:
    return recognise(to_pcm(path), language)


def wanted(services: Services, media: Media, language: str) -> bool:
    return (
        services.settings.transcription == "pocketsphinx"
        and media.kind in SPOKEN_KINDS
        and language in MODELS
        and available()
    )


def start(services: Services, media: Media, language: str) -> None:
    """Transcribe in the background when the setting, the kind and the language allow."""
    if not wanted(services, media, language):
        return
    task = asyncio.get_running_loop().create_task(_run(services, media, language))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def settle() -> None:
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)


async def _run(services: Services, media: Media, language: str) -> None:
    path = resolve(services.settings.media_path, media.path)
    if path is None or media.id is None:
        return
    try:
        text = await asyncio.to_thread(transcribe_file, path, language)
    except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
        log.warning("transcription of a %s failed: %s", media.kind, type(exc).__name__)
        return
    if not text:
        return
    store = MediaStore(services.db)
    current = await store.get(media.id)
    if current is None or current.transcript_source == "person":  # erased, or a person's
        return
    await store.set_transcript(media.id, text, source="machine", by=None, now=services.clock())
