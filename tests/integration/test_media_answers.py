"""Voice notes, documents and photos as answers, through the real process and the emulator."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from bot.interview import split_key
from storage.media_repo import MediaStore
from tests.integration.chatkit import BotChat, running_bot

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media(tmp_path: Path) -> Path:
    """The folder the bot keeps respondents' files in."""
    return tmp_path / "media"


@pytest.fixture
def bot_options(bot_options: dict[str, Any], media: Path) -> dict[str, Any]:
    return {"media_dir": media, **bot_options}


async def _answer(chat: BotChat, qid: str) -> object:
    state = await chat.state()
    assert state is not None
    return next((v for k, v in state.answers.items() if split_key(k)[0] == qid), None)


async def _media(services, user_id: int):
    from storage.interviews import InterviewStore

    respondent = await InterviewStore(services.db).respondent(user_id)
    assert respondent is not None and respondent.id is not None
    return await MediaStore(services.db).for_respondent(respondent.id)


async def test_voice_note_document_and_photo_are_answers(bot, emulator, media: Path):
    services = bot.services
    chat = bot.chat(3100)
    await chat.consent("English")
    await chat.advance_to("organisation", limit=40)
    voice = b"OggS" + bytes(range(200))
    await chat.send_voice(42, data=voice, caption="Cardiff Council")
    await bot.idle()  # the confirmation goes before the step's reply
    texts = [t for _k, t in chat.transcript[-3:]]
    assert any("Received: [voice note 0:42]" in t for t in texts)
    assert await _answer(chat, "organisation") == "[voice note 0:42]\nCardiff Council"
    [row] = await _media(services, 3100)
    assert (row.kind, row.duration, row.mime_type, row.size) == (
        "voice",
        42,
        "audio/ogg",
        200 + 4,
    )
    assert row.sha256 == hashlib.sha256(voice).hexdigest()
    assert (media / row.path).read_bytes() == voice
    assert row.file_unique_id and row.file_id and row.answer_key == "organisation"

    # a multi-message answer: a PDF, a photo and a line of text, then Done
    await chat.advance_to("mattered_most", limit=40)
    await chat.send_document("report.pdf", PDF, "application/pdf")
    await bot.idle()  # the confirmation goes before the step's reply
    await chat.send_photo(data=b"\xff\xd8\xff\xe0JFIF")
    await bot.idle()  # the confirmation goes before the step's reply
    await chat.send("The new service halved waiting times", wait=False)  # silently added
    await bot.idle()
    await chat.send("/done")
    await bot.idle()
    answer = await _answer(chat, "mattered_most")
    assert isinstance(answer, str)
    assert "[document: report.pdf]" in answer and "[photo]" in answer
    assert "halved waiting times" in answer
    rows = await _media(services, 3100)
    assert [r.kind for r in rows] == ["voice", "document", "photo"]
    assert (media / rows[1].path).read_bytes() == PDF
    await chat.send("/review")
    assert "[document: report.pdf]" in "\n".join(m.text for m in chat.messages[-3:])
    assert emulator.violations == []


async def test_welsh_confirmation(bot, emulator):
    chat = bot.chat(3150, language_code="cy")
    await chat.consent("Cymraeg")
    await chat.advance_to("organisation", limit=40)
    await chat.send_voice(5)
    await bot.idle()  # the confirmation goes before the step's reply
    assert any("Wedi dod i law: [neges llais 0:05]" in t for _k, t in chat.transcript[-3:])
    assert emulator.violations == []


@pytest.mark.bot(media_max_bytes=1000, media_max_seconds=120)
async def test_refused_files_lose_nothing(bot, emulator, media):
    services = bot.services
    q = services.questionnaire
    chat = bot.chat(3200)
    await chat.consent("English")
    await chat.advance_to("mattered_most", limit=40)
    await chat.send("First part of my answer")
    before = await chat.state()
    refusals = [
        (chat.send_document("run.exe", b"MZ", "application/x-msdos-program"),
         "media.refused.type"),
        (chat.send_document("page.html", b"<script>", "text/html"), "media.refused.type"),
        (chat.send_document("big.pdf", b"%PDF" + b"0" * 2000, "application/pdf"),
         "media.refused.large"),
        (chat.send_voice(121), "media.refused.long"),
    ]  # fmt: skip
    for send, key in refusals:
        await send
        await bot.idle()
        note = q.ui("en", key, minutes=2, megabytes=1)
        texts = [t for _k, t in chat.transcript[-2:]]
        assert any(note[:40] in t for t in texts), key
        assert q.question_text("mattered_most", "en")[:30] in chat.last_reply.text
        after = await chat.state()
        assert after is not None and before is not None
        assert after.fragments == before.fragments == ("First part of my answer",)
    assert await _media(services, 3200) == []
    assert not media.exists() or not any(media.rglob("*"))
    await chat.send("/done")
    assert await _answer(chat, "mattered_most") == "First part of my answer"
    assert emulator.violations == []


async def test_delete_leaves_no_file_on_disk(bot, emulator, media):
    chat = bot.chat(3300)
    await chat.consent("English")
    await chat.advance_to("organisation", limit=40)
    await chat.send_voice(10, data=b"OggS secret words")
    await bot.idle()  # the confirmation goes before the step's reply
    files = [p for p in media.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == b"OggS secret words"
    await chat.send("/delete")
    await chat.tap(chat.last_reply.buttons[0][0])
    await bot.idle()
    assert list(media.iterdir()) == []  # no folder, no file, no byte of it
    assert emulator.violations == []


async def test_mydata_lists_the_files(bot, emulator):
    chat = bot.chat(3400)
    await chat.consent("English")
    await chat.advance_to("organisation", limit=40)
    await chat.send_document("plan.pdf", PDF, "application/pdf")
    await bot.idle()
    await chat.send("/mydata")
    await bot.idle()
    shown = "\n".join(m.text for m in chat.messages[-4:])
    assert "File: document, plan.pdf, 1 KB, received" in shown
    [document] = chat.documents
    [interview] = document.json()["interviews"]
    [file] = interview["files"]
    assert file["file_name"] == "plan.pdf" and file["kind"] == "document"
    assert file["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert file["size_bytes"] == len(PDF)
    assert emulator.violations == []


async def _mydata(chat: BotChat) -> tuple[str, list[dict[str, Any]]]:
    """What /mydata says (its messages' text) and the files in its JSON copy."""
    before = len(chat.messages)
    await chat.send("/mydata")
    await chat.idle()
    shown = "\n".join(m.text for m in chat.messages[before:])
    [interview] = chat.documents[-1].json()["interviews"]
    return shown, interview["files"]


async def test_mydata_says_each_transcript_status_in_the_respondents_language(bot, emulator):
    """Machine-made (pending, done, failed, done with no words), confirmed by staff, typed by
    staff, or none yet: each file's transcript status in text and JSON, and the transcript
    itself, in English and in Welsh; staff names never."""
    from datetime import UTC, datetime

    from bot import transcription

    store, now = MediaStore(bot.services.db), datetime.now(UTC)
    chat = bot.chat(3410)
    await chat.consent("English")
    await chat.advance_to("mattered_most", limit=40)
    for _ in range(6):  # not really recordings: the machine transcription fails
        await chat.send_voice(4, data=b"OggS not really a recording")
        await bot.idle()
    await chat.send_document("plan.pdf", PDF, "application/pdf")
    await bot.idle()
    await transcription.settle()
    failed, pending, machine, confirmed, person, empty, _pdf = await _media(bot.services, 3410)
    assert failed.transcription == "failed"
    await store.set_transcription(pending.id, "pending")
    for row, text in ((machine, "we built a website"), (confirmed, "we shared a platform")):
        await store.set_machine_transcript(row.id, text, now=now)
    await store.confirm_transcript(confirmed.id, by="staffer", heading="[transcript]", now=now)
    long = "typed by the team\n" + " ".join(f"w{n}" for n in range(2000))  # over 4096
    await store.set_person_transcript(
        person.id, long, by="staffer", heading="[transcript]", now=now
    )
    await store.set_machine_transcript(empty.id, "", now=now)

    shown, files = await _mydata(chat)
    assert [f["transcript_status"] for f in files] == [
        *("failed", "pending", "machine", "confirmed", "person", "none", "none")
    ]
    assert [f["transcription"] for f in files] == [
        *("failed", "pending", "done", "done", "failed", "done", None)
    ]
    assert [f["transcript"] for f in files][2:5] == [
        *("we built a website", "we shared a platform", long)
    ]
    # the long transcript whole, over several messages, none past Telegram's limit
    assert "".join(long.split()) in "".join(shown.split())
    assert all(len(m.text) <= 4096 for m in chat.messages)
    lines = shown.splitlines()
    statuses = [line for line in lines if line.startswith("Transcript: ")]
    assert statuses == [
        chat.ui("en", "mydata.transcript", status=chat.ui("en", f"mydata.transcript.{key}"))
        for key in ("failed", "pending", "machine", "confirmed", "person", "empty")
    ]  # and none for the document, which is not a recording
    for text in ("we built a website", "we shared a platform", "typed by the team"):
        at = lines.index(text)
        assert lines[at - 1].startswith("Transcript of the voice note received ")
    assert "staffer" not in shown and "staffer" not in str(files)

    welsh = bot.chat(3411, language_code="cy")
    await welsh.consent("Cymraeg")
    await welsh.advance_to("mattered_most", limit=40)
    await welsh.send_voice(4, data=b"OggS not really a recording")
    await bot.idle()
    await transcription.settle()
    [recording] = await _media(bot.services, 3411)
    assert recording.transcription is None  # no engine for Welsh here: waits for a person
    shown, files = await _mydata(welsh)
    assert files[0]["transcript_status"] == "none"
    none_yet = welsh.ui("cy", "mydata.transcript.none")
    assert welsh.ui("cy", "mydata.transcript", status=none_yet) in shown.splitlines()
    await store.set_machine_transcript(recording.id, "fe adeiladon ni wefan", now=now)
    shown, files = await _mydata(welsh)
    lines = shown.splitlines()
    made = welsh.ui("cy", "mydata.transcript.machine")
    assert welsh.ui("cy", "mydata.transcript", status=made) in lines
    title = lines[lines.index("fe adeiladon ni wefan") - 1]
    assert title.startswith("Trawsgrifiad o'r neges llais")
    assert files[0]["transcript_status"] == "machine"
    assert emulator.violations == []


async def _speak(tmp_path: Path, words: str, *, voice: str = "en-us", speed: int = 150) -> Path:
    """Speech made here with Debian's espeak-ng (a WAV file)."""
    import asyncio
    import shutil

    espeak = shutil.which("espeak-ng")
    assert espeak is not None, "needs espeak-ng"
    speech = tmp_path / "speech.wav"
    spoken = await asyncio.create_subprocess_exec(
        espeak, "-v", voice, "-s", str(speed), "-w", str(speech), words
    )
    assert await spoken.wait() == 0
    return speech


def _to_opus(wav: Path) -> bytes:
    """The WAV as Ogg/Opus, what Telegram's voice notes are, encoded with PyAV (libopus)."""
    import io

    import av

    out = io.BytesIO()
    with av.open(str(wav)) as source, av.open(out, "w", format="ogg") as target:
        stream = target.add_stream("libopus", rate=48000, layout="mono")
        stream.bit_rate = 24000
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in source.decode(audio=0):
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)
    return out.getvalue()


async def test_a_spoken_answer_is_transcribed_on_the_server(bot, emulator, tmp_path: Path):
    """Speech made here with espeak-ng, sent as a WAV audio answer, decoded by PyAV and
    transcribed by PocketSphinx's bundled English model in the background; marked as
    machine-made. Welsh: no PocketSphinx model (and no Whisper model set), none."""
    from bot import transcription

    assert transcription.available(), "needs av and pocketsphinx"
    speech = await _speak(tmp_path, "we built a new website")
    for user, language, label in ((3500, "en", "English"), (3501, "cy", "Cymraeg")):
        chat = bot.chat(user, language_code=language)
        await chat.consent(label)
        await chat.advance_to("organisation", limit=40)
        await chat.send_audio(3, data=speech.read_bytes(), file_name="a.wav", mime_type="audio/wav")
        await bot.idle()
    await transcription.settle()
    [english] = await _media(bot.services, 3500)
    [welsh] = await _media(bot.services, 3501)
    assert english.transcript is not None and "website" in english.transcript.split()
    assert (english.transcript_source, english.transcript_by) == ("machine", None)
    assert english.transcription == "done"
    assert welsh.transcript is None and welsh.transcription is None
    assert emulator.violations == []


async def test_an_opus_voice_note_is_transcribed(bot, emulator, tmp_path: Path):
    """What Telegram really sends: an Ogg/Opus voice note. Spoken by espeak-ng, encoded to
    Opus with PyAV, sent through the emulator as a voice note, decoded in-process (no sox, no
    system codec) and transcribed."""
    from bot import transcription

    opus = _to_opus(
        await _speak(tmp_path, "our biggest success was the digital service standard", speed=130)
    )
    assert opus[:4] == b"OggS" and b"OpusHead" in opus[:64]
    chat = bot.chat(3510)
    await chat.consent("English")
    await chat.advance_to("organisation", limit=40)
    await chat.send_voice(4, data=opus)
    await bot.idle()
    await transcription.settle()
    [voice] = await _media(bot.services, 3510)
    assert (voice.kind, voice.mime_type) == ("voice", "audio/ogg")
    assert voice.transcript is not None
    words = voice.transcript.split()
    assert "success" in words and "digital" in words, voice.transcript
    assert (voice.transcript_source, voice.transcription) == ("machine", "done")
    assert emulator.violations == []


async def test_a_recording_that_cannot_be_decoded_is_marked_failed(bot, emulator):
    from bot import transcription

    chat = bot.chat(3520)
    await chat.consent("English")
    await chat.advance_to("organisation", limit=40)
    await chat.send_voice(4, data=b"OggS not really a recording")
    await bot.idle()
    await transcription.settle()
    [voice] = await _media(bot.services, 3520)
    assert (voice.transcript, voice.transcription) == (None, "failed")
    assert emulator.violations == []


async def test_transcriptions_finish_before_a_stop_and_resume_after_one(
    emulator, database_url, media: Path, tmp_path: Path, monkeypatch
):
    """A stop waits for the transcription under way (held until the stop begins; nobody calls
    settle() here: the process's own shutdown does); one a kill left pending is started again
    at the next start."""
    import asyncio
    import threading

    from sqlalchemy import update

    from bot import transcription
    from storage.database import Database
    from storage.interviews import InterviewStore
    from storage.models import Media

    stopping = threading.Event()
    finished: list[str] = []
    real = transcription.transcribe

    async def held(path, engine):
        assert await asyncio.to_thread(stopping.wait, 60), "the stop never began"
        text = await real(path, engine)
        finished.append(text)
        return text

    opus = _to_opus(
        await _speak(tmp_path, "our biggest success was the digital service standard", speed=130)
    )
    monkeypatch.setattr(transcription, "transcribe", held)
    async with running_bot(emulator, database_url, media_dir=media) as bot:
        from bot.telegram import PTB_APP

        ptb = type(bot.app[PTB_APP])
        stop = ptb.stop

        async def stop_begins(self) -> None:  # the process's stop begins with Telegram's
            stopping.set()
            await stop(self)

        monkeypatch.setattr(ptb, "stop", stop_begins)
        chat = bot.chat(3530)
        await chat.consent("English")
        await chat.advance_to("organisation", limit=40)
        await chat.send_voice(4, data=opus)
        await bot.idle()
        assert finished == [] and len(transcription._tasks) == 1  # held, under way
    assert len(finished) == 1 and not transcription._tasks  # the stop waited for it
    monkeypatch.setattr(transcription, "transcribe", real)
    db = Database(database_url)
    try:
        respondent = await InterviewStore(db).respondent(3530)
        assert respondent is not None and respondent.id is not None
        [voice] = await MediaStore(db).for_respondent(respondent.id)
        assert (voice.transcription, voice.transcript_source) == ("done", "machine")
        assert voice.transcript is not None and "success" in voice.transcript.split()
        # as if the process had been killed mid-transcription
        async with db.transaction() as session:
            await session.execute(
                update(Media)
                .where(Media.id == voice.id)  # type: ignore[arg-type]
                .values(transcription="pending", transcript=None, transcript_source=None)
            )
    finally:
        await db.dispose()
    async with running_bot(emulator, database_url, media_dir=media) as bot:
        await transcription.settle()
        [again] = await _media(bot.services, 3530)
        assert (again.transcription, again.transcript_source) == ("done", "machine")
        assert again.transcript == voice.transcript
    assert emulator.violations == []


@pytest.fixture(scope="module")
def whisper_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny faster-whisper models built here (tests/whisper_model.py): never trained, they
    write which model ran and the language they were asked for ("tiny-general cy")."""
    from tests import whisper_model

    root = tmp_path_factory.mktemp("whisper")
    return {
        "general": whisper_model.build(root / "general", "tiny-general", seed=1),
        "cy": whisper_model.build(root / "cy", "tiny-welsh", seed=2),
        "silent": whisper_model.build(root / "silent", "", seed=3),
    }


async def _voice_notes(bot, tmp_path: Path, respondents: dict[int, str]) -> None:
    """Each respondent (user id: language) sends a voice note spoken by espeak-ng in their
    language, at the first free-text question; then every transcription is waited for."""
    from bot import transcription

    for user, language in respondents.items():
        voice = "cy" if language == "cy" else "en-us"
        words = "ein llwyddiant mwyaf" if language == "cy" else "our biggest success"
        opus = _to_opus(await _speak(tmp_path, words, voice=voice))
        chat = bot.chat(user, language_code=language)
        await chat.consent("Cymraeg" if language == "cy" else "English")
        await chat.advance_to("organisation", limit=40)
        await chat.send_voice(3, data=opus)
        await bot.idle()
    await transcription.settle()


async def test_whisper_transcribes_with_the_model_for_the_respondents_language(
    emulator, migrated_url, media: Path, tmp_path: Path, whisper_models
):
    """With TRANSCRIPTION_MODEL_DIR and TRANSCRIPTION_MODEL_DIR_CY set, faster-whisper (not
    PocketSphinx) transcribes each voice note in the worker process: the English one with the
    general model asked for English, the Welsh one with the Welsh model asked for Welsh. The
    tiny models recognise nothing; what they write names the model and the language, which is
    what this checks (not recognition quality). Machine-made until a person confirms it."""
    async with running_bot(
        emulator,
        migrated_url,
        media_dir=media,
        transcription_model_dir=whisper_models["general"],
        transcription_model_dir_cy=whisper_models["cy"],
    ) as bot:
        await _voice_notes(bot, tmp_path, {3600: "en", 3601: "cy"})
        [english] = await _media(bot.services, 3600)
        [welsh] = await _media(bot.services, 3601)
    assert (english.transcript, welsh.transcript) == ("tiny-general en", "tiny-welsh cy")
    for row in (english, welsh):
        assert (row.transcription, row.transcript_source, row.transcript_by) == (
            "done",
            "machine",
            None,
        )
    assert emulator.violations == []


async def test_one_whisper_model_is_asked_for_each_respondents_language(
    emulator, migrated_url, media: Path, tmp_path: Path, whisper_models
):
    """TRANSCRIPTION_MODEL_DIR alone: the same multilingual model for both, asked for Welsh
    when the respondent speaks Welsh (without Whisper, Welsh notes wait for a person)."""
    async with running_bot(
        emulator, migrated_url, media_dir=media, transcription_model_dir=whisper_models["general"]
    ) as bot:
        await _voice_notes(bot, tmp_path, {3610: "en", 3611: "cy"})
        [english] = await _media(bot.services, 3610)
        [welsh] = await _media(bot.services, 3611)
    assert (english.transcript, welsh.transcript) == ("tiny-general en", "tiny-general cy")
    assert english.transcription == welsh.transcription == "done"
    assert emulator.violations == []


async def test_a_whisper_model_that_hears_nothing_leaves_no_transcript(
    emulator, migrated_url, media: Path, tmp_path: Path, whisper_models
):
    """A model that writes nothing: the transcription is done, with no transcript (never an
    empty one that a quote or an export would show as blank); the respondent hears nothing
    more than the usual confirmation."""
    async with running_bot(
        emulator, migrated_url, media_dir=media, transcription_model_dir=whisper_models["silent"]
    ) as bot:
        await _voice_notes(bot, tmp_path, {3620: "en"})
        [voice] = await _media(bot.services, 3620)
    assert (voice.transcription, voice.transcript, voice.transcript_source) == ("done", None, None)
    assert emulator.violations == []
