"""Respondents' files (voice notes, documents, photos…): their rows and the files on disk.

Each interview's files live in their own folder, ``<media root>/<interview id>/``, named by
their SHA-256, so erasing an interview removes one folder and no file is shared between two
people. Paths in the database are relative to the root (MEDIA_DIR can move).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from storage.database import Database
from storage.models import Answer, Interview, Media

_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


def write_file(root: Path, interview_id: str, data: bytes, suffix: str) -> tuple[str, str]:
    """Keep `data` under the interview's folder; returns (relative path, sha256).
    Written to a temporary name first, so a crash never leaves half a file under its name."""
    digest = hashlib.sha256(data).hexdigest()
    suffix = suffix.lower() if _SAFE_SUFFIX.match(suffix.lower()) else ".bin"
    folder = root / _folder_name(interview_id)
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"{_folder_name(interview_id)}/{digest}{suffix}"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, root / relative)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return relative, digest


def _folder_name(interview_id: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", interview_id):
        raise ValueError("not an interview id")
    return interview_id


def resolve(root: Path, relative: str) -> Path | None:
    """The file a row names, only if it is inside the root (never a path out of it)."""
    base = root.resolve()
    path = (base / relative).resolve()
    if base not in path.parents:
        return None
    return path


def remove_interview_files(root: Path, interview_ids: Iterable[str]) -> int:
    """Erase the folders of these interviews; returns how many folders were removed."""
    removed = 0
    for interview_id in interview_ids:
        try:
            folder = root / _folder_name(interview_id)
        except ValueError:
            continue
        if folder.is_dir():
            shutil.rmtree(folder)
            removed += 1
    return removed


class MediaStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, media: Media) -> Media:
        """Record a file once: the same Telegram file in the same interview (a redelivered
        update) keeps its first row."""
        try:
            async with self.db.transaction() as session:
                session.add(media)
                await session.flush()
        except IntegrityError:
            found = await self.find(media.interview_id, media.file_unique_id)
            assert found is not None
            return found
        return media

    async def find(self, interview_id: str, file_unique_id: str) -> Media | None:
        async with self.db.reading() as session:
            result = await session.execute(
                select(Media).where(
                    Media.interview_id == interview_id,  # type: ignore[arg-type]
                    Media.file_unique_id == file_unique_id,  # type: ignore[arg-type]
                )
            )
            return result.scalars().first()

    async def get(self, media_id: int) -> Media | None:
        async with self.db.reading() as session:
            return await session.get(Media, media_id)

    async def for_interviews(self, interview_ids: Iterable[str]) -> list[Media]:
        ids = list(interview_ids)
        if not ids:
            return []
        async with self.db.reading() as session:
            result = await session.execute(
                select(Media)
                .where(Media.interview_id.in_(ids))  # type: ignore[attr-defined]
                .order_by(Media.id)  # type: ignore[arg-type]
            )
            return list(result.scalars())

    async def for_respondent(self, respondent_id: int) -> list[Media]:
        async with self.db.reading() as session:
            result = await session.execute(
                select(Media)
                .join(Interview, Interview.id == Media.interview_id)  # type: ignore[arg-type]
                .where(Interview.respondent_id == respondent_id)  # type: ignore[arg-type]
                .order_by(Media.id)  # type: ignore[arg-type]
            )
            return list(result.scalars())

    async def set_person_transcript(
        self,
        media_id: int,
        text: str,
        *,
        by: str,
        heading: str,
        now: datetime,
        source: str = "person",
    ) -> bool:
        """A person's transcript: kept on the file's row and, so that search, tags, quotes and
        exports read it, as a paragraph "<heading> <text>" at the end of the answer's text
        (replacing the paragraph an earlier person's transcript added; appended at the end so
        the offsets of quotes already taken from the answer stay right)."""
        async with self.db.transaction() as session:
            media = await session.get(Media, media_id)
            if media is None:
                return False
            answer = (
                await session.execute(
                    select(Answer).where(
                        col(Answer.interview_id) == media.interview_id,
                        col(Answer.key) == media.answer_key,
                    )
                )
            ).scalar_one_or_none()
            if answer is not None and isinstance(answer.value, str):
                value = answer.value
                if media.transcript_source in ("person", "confirmed") and media.transcript:
                    old = f"\n\n{heading} {media.transcript}"
                    at = value.rfind(old)
                    if at >= 0:
                        value = value[:at] + value[at + len(old) :]
                if text:
                    value = f"{value}\n\n{heading} {text}"
                answer.value = value
                answer.updated_at = now
            media.transcript = text or None
            media.transcript_source = source if text else None
            media.transcript_by = by if text else None
            media.transcript_at = now
        return True

    async def set_transcription(self, media_id: int, state: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(Media).where(col(Media.id) == media_id).values(transcription=state)
            )

    async def set_machine_transcript(self, media_id: int, text: str, *, now: datetime) -> bool:
        """A machine's transcript ("" when it heard nothing), never over a person's or a
        confirmed one; the transcription is done either way."""
        async with self.db.transaction() as session:
            media = await session.get(Media, media_id)
            if media is None:
                return False
            media.transcription = "done"
            if media.transcript_source in ("person", "confirmed") or not text:
                return False
            media.transcript = text
            media.transcript_source = "machine"
            media.transcript_by = None
            media.transcript_at = now
        return True

    async def confirm_transcript(
        self, media_id: int, *, by: str, heading: str, now: datetime
    ) -> bool:
        """A person confirms a machine's transcript as it stands: it is marked confirmed, by
        whom and when, and counts as the answer's text (like a person's). False when there is
        no machine transcript to confirm."""
        media = await self.get(media_id)
        if media is None or media.transcript_source != "machine" or not media.transcript:
            return False
        return await self.set_person_transcript(
            media_id, media.transcript, by=by, heading=heading, now=now, source="confirmed"
        )

    async def pending_transcriptions(self) -> list[tuple[Media, str]]:
        """Recordings whose transcription a stop interrupted, with their interview's language."""
        async with self.db.reading() as session:
            result = await session.execute(
                select(Media, col(Interview.language))
                .join(Interview, col(Interview.id) == col(Media.interview_id))
                .where(col(Media.transcription) == "pending")
                .order_by(col(Media.id))
            )
            return [(m, language) for m, language in result.all()]


async def sweep(db: Database, root: Path) -> int:
    """Remove every interview folder under `root` whose interview no longer exists: run after
    /delete, withdrawal, staff deletion and the retention job (and safe to run any time), so
    erasing the rows erases the files too. Returns how many folders were removed."""
    names = await asyncio.to_thread(_folders, root)
    if not names:
        return 0
    async with db.reading() as session:
        result = await session.execute(
            select(col(Interview.id)).where(col(Interview.id).in_(names))
        )
        alive = set(result.scalars())
    gone = [n for n in names if n not in alive]
    return await asyncio.to_thread(remove_interview_files, root, gone)


def _folders(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return [p.name for p in root.iterdir() if p.is_dir()]
