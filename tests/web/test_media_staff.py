"""Staff and respondents' files: players on the transcript, downloads behind sign-in and
audited with safe headers, a typed transcript marked with who typed it, deletion erasing the
files. Through the real staff routes on a migrated database (both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from storage import staff_repo
from storage.media_repo import MediaStore, write_file
from storage.models import Media
from tests.web.conftest import build_app, csrf_of, login
from tests.web.seed import add_interview, typical

VOICE = b"OggS\x00\x02voice-bytes"
HOSTILE = b"<html><script>alert(document.cookie)</script></html>"
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF"


async def _seed(db, root: Path) -> tuple[str, dict[str, int]]:
    interview_id = await add_interview(db, 1, {"role": "Head of Digital", **typical(1)})
    ids = {}
    store = MediaStore(db)
    for kind, mime, data, name, duration in (
        ("voice", "audio/ogg", VOICE, None, 42),
        ("document", "text/html", HOSTILE, "report.html", None),
        ("photo", "image/jpeg", PHOTO, None, None),
    ):
        suffix = {"voice": ".ogg", "document": ".html", "photo": ".jpg"}[kind]
        path, digest = write_file(root, interview_id, data, suffix)
        row = await store.add(
            Media(
                interview_id=interview_id,
                answer_key="biggest_success",
                kind=kind,
                mime_type=mime,
                file_name=name,
                size=len(data),
                duration=duration,
                sha256=digest,
                file_id=f"F{kind}",
                file_unique_id=f"U{kind}",
                path=path,
            )
        )
        assert row.id is not None
        ids[kind] = row.id
    return interview_id, ids


async def _answer(db, interview_id: str) -> str:
    from sqlalchemy import select

    from storage.models import Answer

    async with db.reading() as session:
        value = (
            await session.execute(
                select(Answer.value).where(
                    Answer.interview_id == interview_id, Answer.key == "biggest_success"
                )
            )
        ).scalar_one()
    assert isinstance(value, str)
    return value


@pytest.fixture
async def media_client(db, questionnaire, accounts, tmp_path):
    root = tmp_path / "media"
    app = build_app(db, questionnaire, media_dir=root)
    async with TestClient(TestServer(app)) as client:
        yield client, root


async def test_downloads_need_sign_in_and_are_audited_with_safe_headers(db, media_client):
    client, root = media_client
    interview_id, ids = await _seed(db, root)
    anonymous = await client.get(f"/media/{ids['voice']}", allow_redirects=False)
    assert anonymous.status in (302, 303, 401)
    assert VOICE not in await anonymous.read()
    await login(client, "viewer")
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert f'<audio controls preload="metadata" src="/media/{ids["voice"]}"' in page
    assert "0:42" in page
    assert f'<img class="app-media__photo" src="/media/{ids["photo"]}"' in page
    assert f'href="/media/{ids["document"]}" download' in page
    voice = await client.get(f"/media/{ids['voice']}")
    assert voice.status == 200 and await voice.read() == VOICE
    assert voice.headers["Content-Type"] == "audio/ogg"
    assert voice.headers["X-Content-Type-Options"] == "nosniff"
    document = await client.get(f"/media/{ids['document']}")
    assert document.status == 200 and await document.read() == HOSTILE
    assert document.headers["Content-Type"] == "application/octet-stream"
    assert document.headers["Content-Disposition"].startswith("attachment;")
    assert document.headers["X-Content-Type-Options"] == "nosniff"
    photo = await client.get(f"/media/{ids['photo']}")
    assert photo.headers["Content-Type"] == "image/jpeg"
    missing = await client.get("/media/99999")
    assert missing.status == 404
    audit = await staff_repo.audit_page(db, before_id=None, limit=50)
    downloads = [a for a in audit if a.action == "download_media"]
    assert len(downloads) == 3
    assert {a.username for a in downloads} == {"viewer"}
    assert {a.target for a in downloads} == {interview_id}


async def test_editor_types_a_transcript_marked_with_who(db, media_client):
    client, root = media_client
    interview_id, ids = await _seed(db, root)
    token = await login(client, "viewer")
    refused = await client.post(
        f"/media/{ids['voice']}/transcript",
        data={"transcript": "nope", "csrf_token": token},
        allow_redirects=False,
    )
    assert refused.status == 403
    await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)
    token = await login(client, "editor")
    saved = await client.post(
        f"/media/{ids['voice']}/transcript",
        data={"transcript": "We halved the waiting time.", "csrf_token": token},
        allow_redirects=False,
    )
    assert saved.status == 303
    row = await MediaStore(db).get(ids["voice"])
    assert row is not None
    assert (row.transcript, row.transcript_source, row.transcript_by) == (
        "We halved the waiting time.",
        "person",
        "editor",
    )
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert "We halved the waiting time." in page and "Transcribed by editor" in page
    # a person's transcript counts as the answer's text: search finds it, quotes can take it
    answer = await _answer(db, interview_id)
    assert answer.endswith("Then we moved on.\n\n[transcript] We halved the waiting time.")
    found = await (await client.get("/interviews?q=halved+the+waiting")).text()
    assert f"/interviews/{interview_id}" in found
    missing = await (await client.get("/interviews?q=nothing+like+this")).text()
    assert f"/interviews/{interview_id}" not in missing
    corrected = await client.post(
        f"/media/{ids['voice']}/transcript",
        data={"transcript": "We halved the waiting times.", "csrf_token": token},
        allow_redirects=False,
    )
    assert corrected.status == 303
    answer = await _answer(db, interview_id)
    assert answer.count("[transcript]") == 1
    assert answer.endswith("\n\n[transcript] We halved the waiting times.")


async def test_editor_confirms_a_machine_transcript(db, media_client):
    """A machine's transcript stays marked machine-made until a person confirms it; the
    confirmation records who and when, is audited, and makes it count as the answer's text.
    In Welsh too."""
    client, root = media_client
    interview_id, ids = await _seed(db, root)
    store = MediaStore(db)
    from datetime import UTC, datetime

    await store.set_machine_transcript(
        ids["voice"], "we halved the waiting time", now=datetime(2026, 5, 1, tzinfo=UTC)
    )
    token = await login(client, "viewer")
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert "Machine transcript, not yet checked by a person" in page
    assert f'action="/media/{ids["voice"]}/confirm"' not in page  # a viewer cannot
    refused = await client.post(
        f"/media/{ids['voice']}/confirm", data={"csrf_token": token}, allow_redirects=False
    )
    assert refused.status == 403
    await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)
    token = await login(client, "editor")
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert f'action="/media/{ids["voice"]}/confirm"' in page and "Confirm transcript" in page
    assert "[transcript]" not in await _answer(db, interview_id)  # a machine's: not yet text
    confirmed = await client.post(
        f"/media/{ids['voice']}/confirm", data={"csrf_token": token}, allow_redirects=False
    )
    assert confirmed.status == 303
    row = await store.get(ids["voice"])
    assert row is not None
    assert (row.transcript, row.transcript_source, row.transcript_by) == (
        "we halved the waiting time",
        "confirmed",
        "editor",
    )
    assert row.transcript_at not in (None, datetime(2026, 5, 1, tzinfo=UTC))  # when confirmed
    assert (await _answer(db, interview_id)).endswith("\n\n[transcript] we halved the waiting time")
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert "Machine transcript confirmed by editor" in page
    assert f'action="/media/{ids["voice"]}/confirm"' not in page  # nothing left to confirm
    again = await client.post(
        f"/media/{ids['voice']}/confirm", data={"csrf_token": token}, allow_redirects=False
    )
    assert again.status == 303
    audit = await staff_repo.audit_page(db, before_id=None, limit=50)
    confirmations = [a for a in audit if a.action == "confirm_transcript"]
    assert [(a.username, a.target) for a in confirmations] == [("editor", interview_id)]
    # a later machine run never overwrites a confirmed transcript
    assert not await store.set_machine_transcript(
        ids["voice"], "something else", now=datetime(2026, 5, 2, tzinfo=UTC)
    )
    kept = await store.get(ids["voice"])
    assert kept is not None and kept.transcript == "we halved the waiting time"
    # correcting a confirmed transcript replaces its paragraph in the answer
    await client.post(
        f"/media/{ids['voice']}/transcript",
        data={"transcript": "We halved the waiting times.", "csrf_token": token},
        allow_redirects=False,
    )
    answer = await _answer(db, interview_id)
    assert answer.count("[transcript]") == 1 and answer.endswith("waiting times.")
    await client.post("/account/language", data={"csrf_token": token, "language": "cy"})
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert "Trawsgrifiwyd gan editor" in page


async def test_machine_transcript_confirm_button_in_welsh(db, media_client):
    client, root = media_client
    interview_id, ids = await _seed(db, root)
    from datetime import UTC, datetime

    await MediaStore(db).set_machine_transcript(
        ids["voice"], "we halved the waiting time", now=datetime(2026, 5, 1, tzinfo=UTC)
    )
    token = await login(client, "editor")
    await client.post("/account/language", data={"csrf_token": token, "language": "cy"})
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert "Trawsgrifiad peiriant, heb ei wirio gan berson eto" in page
    assert "Cadarnhau&#39;r trawsgrifiad" in page or "Cadarnhau'r trawsgrifiad" in page
    await client.post(
        f"/media/{ids['voice']}/confirm", data={"csrf_token": token}, allow_redirects=False
    )
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert "wedi&#39;i gadarnhau gan editor" in page or "wedi'i gadarnhau gan editor" in page


async def test_a_recording_the_machine_heard_nothing_in_says_so(db, media_client):
    """A transcription that found no words (a silent note, or a model that heard none) leaves
    no transcript, never an empty one: the page says nothing was recognised, in Welsh too,
    and an editor can type one."""
    client, root = media_client
    interview_id, ids = await _seed(db, root)
    from datetime import UTC, datetime

    store = MediaStore(db)
    assert not await store.set_machine_transcript(
        ids["voice"], "", now=datetime(2026, 5, 1, tzinfo=UTC)
    )
    row = await store.get(ids["voice"])
    assert row is not None
    assert (row.transcription, row.transcript, row.transcript_source) == ("done", None, None)
    token = await login(client, "editor")
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert "No words were recognised in this recording automatically" in page
    assert (
        "Machine transcript" not in page and f'action="/media/{ids["voice"]}/confirm"' not in page
    )
    assert f'action="/media/{ids["voice"]}/transcript"' in page  # an editor can type one
    await client.post("/account/language", data={"csrf_token": token, "language": "cy"})
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert "Ni adnabuwyd unrhyw eiriau yn y recordiad hwn yn awtomatig" in page


async def test_staff_deletion_erases_the_files(db, media_client):
    client, root = media_client
    interview_id, _ids = await _seed(db, root)
    assert len([p for p in root.rglob("*") if p.is_file()]) == 3
    await login(client, "admin")
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    done = await client.post(
        f"/interviews/{interview_id}/delete",
        data={"csrf_token": csrf_of(page)},
        allow_redirects=False,
    )
    assert done.status == 303
    assert list(root.iterdir()) == []


async def _add_file(db, root: Path, interview_id: str, key: str, data: bytes) -> int:
    path, digest = write_file(root, interview_id, data, ".ogg")
    row = await MediaStore(db).add(
        Media(
            interview_id=interview_id,
            answer_key=key,
            kind="voice",
            mime_type="audio/ogg",
            size=len(data),
            duration=7,
            sha256=digest,
            file_id=f"F{key}",
            file_unique_id=f"U{key}",
            path=path,
        )
    )
    assert row.id is not None
    return row.id


async def test_exports_list_files_and_the_zip_holds_them_but_never_a_withheld_answers(
    db, media_client
):
    """JSON, the files CSV, the XLSX's files sheet and the ZIP list each file with its
    metadata and transcript; the ZIP holds the files. A voice note sent as the answer to a
    personal question (organisation) of an interview without attributable consent is
    withheld like the answer: listed as withheld, never in the ZIP -- except in the admins'
    full export. Behind sign-in and audited."""
    import csv
    import io
    import json
    import zipfile
    from datetime import UTC, datetime

    from openpyxl import load_workbook

    client, root = media_client
    interview_id, ids = await _seed(db, root)
    secret = b"OggS\x00\x02who-I-am"
    personal = await _add_file(db, root, interview_id, "organisation", secret)
    await MediaStore(db).set_machine_transcript(
        ids["voice"], "we halved the waiting time", now=datetime(2026, 5, 1, tzinfo=UTC)
    )
    anonymous = await client.get("/exports/interviews.zip", allow_redirects=False)
    assert anonymous.status == 302
    token = await login(client, "viewer")

    data = await (await client.get("/exports/interviews.json")).json()
    [record] = [r for r in data if r["interview_id"] == interview_id]
    by_id = {f.get("file_id"): f for f in record["files"]}
    voice = by_id[ids["voice"]]
    assert voice == {
        "file_id": ids["voice"],
        "answer_key": "biggest_success",
        "kind": "voice",
        "mime_type": "audio/ogg",
        "file_name": None,
        "size_bytes": len(VOICE),
        "duration_seconds": 42,
        "sha256": voice["sha256"],
        "received_at": voice["received_at"],
        "transcript": "we halved the waiting time",
        "transcript_status": "machine",
        "transcript_by": None,
        "transcript_at": voice["transcript_at"],
        "path": f"files/{interview_id}/{ids['voice']}.ogg",
    }
    assert len(voice["sha256"]) == 64
    assert by_id[ids["document"]]["file_name"] == "report.html"
    assert {"answer_key": "organisation", "withheld": True} in record["files"]
    assert all(f.get("file_id") != personal for f in record["files"])

    files_csv = await (await client.get("/exports/files.csv")).text()
    rows = list(csv.DictReader(io.StringIO(files_csv.lstrip("\ufeff"))))
    assert {r["file_id"] for r in rows if r["withheld"] == "no"} == {str(i) for i in ids.values()}
    [hidden] = [r for r in rows if r["withheld"] == "yes"]
    assert (hidden["answer_key"], hidden["sha256"], hidden["file_id"]) == ("organisation", "", "")
    [voice_row] = [r for r in rows if r["file_id"] == str(ids["voice"])]
    assert voice_row["transcript_status"] == "machine" and voice_row["duration_seconds"] == "42"

    book = load_workbook(io.BytesIO(await (await client.get("/exports/interviews.xlsx")).read()))
    sheet = list(book["files"].values)
    assert sheet[0][:5] == ("interview_id", "answer_key", "withheld", "file_id", "kind")
    assert len(sheet) == 1 + 4

    response = await client.get("/exports/interviews.zip")
    assert response.status == 200 and response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="interviews-')
    archive = zipfile.ZipFile(io.BytesIO(await response.read()))
    names = set(archive.namelist())
    assert {"interviews.json", "files.csv"} <= names
    assert archive.read(f"files/{interview_id}/{ids['voice']}.ogg") == VOICE
    assert archive.read(f"files/{interview_id}/{ids['document']}.html") == HOSTILE
    assert f"files/{interview_id}/{personal}.ogg" not in names
    assert all(secret not in archive.read(n) for n in names)
    inside = json.loads(archive.read("interviews.json"))
    assert {f["path"] for r in inside for f in r["files"] if "path" in f} <= names
    forbidden = await client.get("/exports/interviews-full.zip", allow_redirects=False)
    assert forbidden.status == 403

    await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)
    await login(client, "admin")
    full = zipfile.ZipFile(
        io.BytesIO(await (await client.get("/exports/interviews-full.zip")).read())
    )
    assert full.read(f"files/{interview_id}/{personal}.ogg") == secret
    full_rows = (await (await client.get("/exports/files-full.csv")).text()).count("\n")
    assert full_rows == 1 + 4
    audit = await staff_repo.audit_page(db, before_id=None, limit=50)
    exported = [(a.username, a.target, a.detail["format"]) for a in audit if a.action == "export"]
    assert ("viewer", "interviews", "zip") in exported
    assert ("admin", "interviews_full", "zip") in exported
    assert ("viewer", "interviews", "csv") in exported  # files.csv
