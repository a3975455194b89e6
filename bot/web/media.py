"""Respondents' files for staff: play, view or download one, and type or correct a transcript.

Every download is behind sign-in and audited. Only audio, video and raster images are served
inline (for the transcript page's <audio>, <video> and <img>); everything else, whatever its
claimed type, goes as an attachment of type application/octet-stream, so no HTML or SVG a
respondent sent can run in the staff app's origin.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.services import SERVICES
from bot.web.auth import current, requires
from storage import review_query, staff_repo
from storage.media_repo import MediaStore, resolve
from storage.models import Media

INLINE_TYPES = frozenset(
    {
        "audio/ogg",
        "audio/mpeg",
        "audio/mp4",
        "audio/x-m4a",
        "audio/wav",
        "audio/x-wav",
        "audio/webm",
        "audio/aac",
        "audio/flac",
        "video/mp4",
        "image/jpeg",
        "image/png",
        "image/webp",
    }
)
MAX_TRANSCRIPT = 20_000


def inline_type(media: Media) -> str | None:
    """The Content-Type a file is served inline with, or None: download it instead."""
    return media.mime_type if media.mime_type in INLINE_TYPES else None


def describe(media: Media) -> dict[str, Any]:
    """What the transcript page shows of one file."""
    seconds = media.duration or 0
    kind = media.kind
    player = "audio" if kind in ("voice", "audio") else "video" if kind == "video_note" else None
    if kind == "photo":
        player = "image"
    if player is not None and inline_type(media) is None:
        player = None  # an odd type: offered as a download only
    size = media.size
    return {
        "media": media,
        "player": player,
        "duration": f"{seconds // 60}:{seconds % 60:02d}" if media.duration is not None else "",
        "size": f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{max(1, size // 1024)} KB",
        "label": {
            "voice": "Voice note",
            "audio": "Audio",
            "video_note": "Video note",
            "document": "Document",
            "photo": "Photo",
        }.get(kind, "File"),
    }


async def _found(request: web.Request) -> Media:
    raw = request.match_info["id"]
    media = await MediaStore(request.app[SERVICES].db).get(int(raw)) if raw.isdigit() else None
    if media is None or media.id is None:
        raise web.HTTPNotFound(text="No such file.")
    return media


@requires("viewer")
async def download(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    media = await _found(request)
    path = resolve(services.settings.media_path, media.path)
    if path is None or not path.is_file():
        raise web.HTTPNotFound(text="This file is no longer kept.")
    await staff_repo.audit(
        services.db,
        current(request).username,
        "download_media",
        media.interview_id,
        services.clock(),
        {"media": media.id, "kind": media.kind},
    )
    inline = inline_type(media)
    name = f"{media.interview_id}-{media.id}{path.suffix}"
    headers = {
        "Content-Type": inline or "application/octet-stream",
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return web.FileResponse(path, headers=headers)


@requires("editor")
async def save_transcript(request: web.Request) -> web.StreamResponse:
    """A person's transcript replaces a machine's, marked with who typed it and when, and
    counts as the answer's text (search, tags, quotes, exports); an empty one removes it."""
    services = request.app[SERVICES]
    media = await _found(request)
    form = await request.post()
    text = str(form.get("transcript", "")).replace("\x00", "").strip()[:MAX_TRANSCRIPT]
    staff = current(request).username
    assert media.id is not None
    interview = await review_query.interview_detail(services.db, media.interview_id)
    language = interview[0].language if interview is not None else "en"
    heading = services.questionnaire.ui(language, "media.label.transcript")
    await MediaStore(services.db).set_person_transcript(
        media.id, text, by=staff, heading=heading, now=services.clock()
    )
    await staff_repo.audit(
        services.db, staff, "edit_transcript", media.interview_id, services.clock(),
        {"media": media.id},
    )  # fmt: skip
    raise web.HTTPSeeOther(f"/interviews/{media.interview_id}#media-{media.id}")


@requires("editor")
async def confirm_transcript(request: web.Request) -> web.StreamResponse:
    """A person confirms a machine's transcript as it stands: no longer machine-made, marked
    with who confirmed it and when, audited, and counted as the answer's text. Only a machine
    transcript can be confirmed (a person's, or one confirmed already, is left as it is)."""
    services = request.app[SERVICES]
    media = await _found(request)
    staff = current(request).username
    assert media.id is not None
    interview = await review_query.interview_detail(services.db, media.interview_id)
    language = interview[0].language if interview is not None else "en"
    heading = services.questionnaire.ui(language, "media.label.transcript")
    confirmed = await MediaStore(services.db).confirm_transcript(
        media.id, by=staff, heading=heading, now=services.clock()
    )
    if confirmed:
        await staff_repo.audit(
            services.db, staff, "confirm_transcript", media.interview_id, services.clock(),
            {"media": media.id},
        )  # fmt: skip
    raise web.HTTPSeeOther(f"/interviews/{media.interview_id}#media-{media.id}")
