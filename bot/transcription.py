"""Speech to text on this server, never by a third party, in the background.

Decoding: PyAV (the `av` wheel, which bundles FFmpeg with libopus) turns any recording a
respondent sends -- Telegram's voice notes are Ogg/Opus, audio files may be MP3, M4A, WAV,
video notes MP4 -- into 16 kHz mono 16-bit PCM: a fresh machine needs no codec or program
besides the Python packages. Decoding and recognition (bot/speech.py) run in one worker
process, as PocketSphinx holds the GIL (in a thread it stalled the bot for seconds).

Engines, chosen per recording by the respondent's language (`engine_for`):

- faster-whisper (an optional extra, `pip install 'dgu-bot[whisper]'`) when the operator points
  TRANSCRIPTION_MODEL_DIR at a CTranslate2 Whisper model (multilingual: English and Welsh);
  TRANSCRIPTION_MODEL_DIR_CY may name a model for Welsh alone (e.g. one fine-tuned on Welsh).
  `check()` refuses to start when a set directory is missing, lacks a file faster-whisper reads
  (it would download a missing tokenizer from Hugging Face), holds no CTranslate2 Whisper model,
  or the extra is not installed.
- otherwise PocketSphinx with the English model its PyPI package ships. Welsh has no
  PocketSphinx model: without Whisper, Welsh recordings wait for a person's transcript.

A machine transcript is stored as source "machine" and never replaces a person's (or a
confirmed) one. `Media.transcription` records the job: "pending" while queued, "done",
"failed" (or None when no engine applies), so `resume()` picks up what a stop interrupted.

`start()` runs a transcription as a task of the running loop; `settle()` waits for every
task started so far; `context` (an aiohttp cleanup context) resumes pending work at start and
waits for running work at stop.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import multiprocessing
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from bot import speech
from bot.settings import ConfigError, Settings
from bot.speech import POCKETSPHINX_MODELS, Engine, recognise, to_pcm
from storage.media_repo import MediaStore, resolve
from storage.models import Media

if TYPE_CHECKING:
    from aiohttp import web

    from bot.services import Services

log = logging.getLogger(__name__)

SPOKEN_KINDS = ("voice", "audio", "video_note")
WHISPER_LANGUAGES = frozenset({"en", "cy"})
# what every faster-whisper model folder has: without tokenizer.json faster-whisper would fetch
# one from Hugging Face (a third party), so a folder without it is refused
WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")
WHISPER_VOCABULARY = ("vocabulary.json", "vocabulary.txt")  # CTranslate2 reads either
WHISPER_SPEC = b"WhisperSpec"

_tasks: set[asyncio.Task[None]] = set()
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()

__all__ = ["POCKETSPHINX_MODELS", "Engine", "engine_for", "recognise", "start", "to_pcm"]


def pocketsphinx_available() -> bool:
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return False
    return True


def whisper_available() -> bool:
    """faster-whisper is installed. Found, not imported: importing it costs the serving
    process about 58 MB, and only the transcription worker process runs it."""
    return importlib.util.find_spec("faster_whisper") is not None


def available() -> bool:
    """The embedded engine and the decoder are importable."""
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return pocketsphinx_available()


def _whisper_dir(settings: Settings, language: str) -> Path | None:
    if language == "cy" and settings.transcription_model_dir_cy is not None:
        return settings.transcription_model_dir_cy
    return settings.transcription_model_dir


def engine_for(settings: Settings, language: str) -> Engine | None:
    """The engine for a recording in `language`, or None (no transcription)."""
    if settings.transcription == "off":
        return None
    folder = _whisper_dir(settings, language)
    if folder is not None and language in WHISPER_LANGUAGES:
        return Engine("whisper", str(folder), language)
    if language in POCKETSPHINX_MODELS:
        return Engine("pocketsphinx", POCKETSPHINX_MODELS[language], language)
    return None


def check(settings: Settings) -> None:
    """Refuse to start on a Whisper setting that cannot work (raises ConfigError)."""
    if settings.transcription == "off":
        return
    named = (
        ("TRANSCRIPTION_MODEL_DIR", settings.transcription_model_dir),
        ("TRANSCRIPTION_MODEL_DIR_CY", settings.transcription_model_dir_cy),
    )
    for name, folder in named:
        if folder is None:
            continue
        if not folder.is_dir():
            raise ConfigError(f"{name}: {folder} is not a directory")
        missing = [f for f in WHISPER_FILES if not (folder / f).is_file()]
        if not any((folder / f).is_file() for f in WHISPER_VOCABULARY):
            missing.append(" or ".join(WHISPER_VOCABULARY))
        if missing:
            raise ConfigError(
                f"{name}: {folder} is not a faster-whisper (CTranslate2) model: "
                f"no {', '.join(missing)}"
            )
        spec = _model_spec(folder / "model.bin")
        if spec != WHISPER_SPEC:
            found = f"a {spec.decode(errors='replace')} model" if spec else "not a model"
            raise ConfigError(
                f"{name}: {folder}/model.bin is not a CTranslate2 Whisper model ({found})"
            )
        if not whisper_available():
            raise ConfigError(
                f"{name} is set but faster-whisper is not installed: "
                "pip install 'dgu-bot[whisper]' (or set TRANSCRIPTION=off)"
            )


def _model_spec(path: Path) -> bytes:
    """The specification a CTranslate2 model.bin names in its header (b"WhisperSpec" for a
    Whisper model; b"" when the file is too short or no CTranslate2 model): a uint32 binary
    version, then the name as a uint16 length (with its NUL) and the bytes."""
    with path.open("rb") as model:
        header = model.read(4 + 2 + 64)
    if len(header) < 6:
        return b""
    length = int.from_bytes(header[4:6], "little")
    name = header[6 : 6 + length]
    if length < 2 or len(name) != length or name[-1:] != b"\0":
        return b""
    return name[:-1]


def _worker() -> ProcessPoolExecutor:
    """One worker process for every transcription (started on first use): the engines hold
    the GIL, and one at a time keeps a small server's other core for the bot."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        return _pool


async def transcribe(path: Path, engine: Engine) -> str:
    """The words in the recording at `path`, worked out in the worker process (queued there
    one at a time; the bot's loop and threads stay free). A worker that died is replaced."""
    try:
        return await asyncio.wrap_future(_worker().submit(speech.transcribe_file, path, engine))
    except BrokenProcessPool:
        await asyncio.to_thread(shutdown)  # the next transcription starts a fresh worker
        raise


def shutdown() -> None:
    """Stop the worker process (after `settle()`); a later transcription starts another."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def wanted(services: Services, media: Media, language: str) -> Engine | None:
    if media.kind not in SPOKEN_KINDS:
        return None
    engine = engine_for(services.settings, language)
    if engine is None:
        return None
    if engine.name == "pocketsphinx" and not available():
        return None
    return engine


def start(services: Services, media: Media, language: str) -> None:
    """Transcribe in the background when the setting, the kind and the language allow."""
    engine = wanted(services, media, language)
    if engine is None or media.id is None:
        return
    task = asyncio.get_running_loop().create_task(_run(services, media, engine))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def settle() -> None:
    """Wait for every transcription started so far (and any they start)."""
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)


async def resume(services: Services) -> int:
    """Start again every transcription a stop left pending; returns how many."""
    pending = await MediaStore(services.db).pending_transcriptions()
    for media, language in pending:
        start(services, media, language)
    return len(pending)


async def context(app: web.Application) -> AsyncIterator[None]:
    """aiohttp cleanup context, before Telegram's: at stop (after Telegram's, so no new
    recording comes in), wait for the transcriptions under way and queued (each bounded by the
    media limits) so none is lost half-done, then stop the worker. What a crash or kill
    interrupts stays "pending" for the next start (`resuming`)."""
    yield
    await settle()
    await asyncio.to_thread(shutdown)


async def resuming(app: web.Application) -> AsyncIterator[None]:
    """aiohttp cleanup context, after Telegram's: start again the transcriptions a stop left
    pending, once the token is accepted (a start that fails reads nothing)."""
    from bot.services import SERVICES

    resumed = await resume(app[SERVICES])
    if resumed:
        log.info("resumed %d pending transcription(s)", resumed)
    yield


async def _run(services: Services, media: Media, engine: Engine) -> None:
    assert media.id is not None
    store = MediaStore(services.db)
    await store.set_transcription(media.id, "pending")
    path = resolve(services.settings.media_path, media.path)
    if path is None:  # a path outside MEDIA_DIR: never read
        await store.set_transcription(media.id, "failed")
        return
    try:
        text = await transcribe(path, engine)
    except Exception as exc:  # a bad file or engine must not stop the bot
        log.warning("transcription of a %s failed: %s", media.kind, type(exc).__name__)
        await store.set_transcription(media.id, "failed")
        return
    await store.set_machine_transcript(media.id, text, now=services.clock())
