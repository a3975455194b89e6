"""The `dgu-bot` command line as a user runs it: one clear line on bad input, real exports."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "X_", "DATABASE_"))
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bad_configuration_exits_with_one_line(tmp_path):
    result = run("migrate", env={"DATABASE_URL": "oracle://nope"})
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "unknown scheme" in result.stderr
    assert "Traceback" not in result.stderr


def test_questionnaire_check_passes_on_shipped_files_and_fails_on_missing_welsh(tmp_path):
    ok = run("questionnaire", "check", "prompts/dgu_landscape.yaml")
    assert ok.returncode == 0, ok.stderr
    for name in ("dgu_landscape.yaml", "dgu_landscape.cy.yaml", "ui.en.yaml", "ui.cy.yaml"):
        (tmp_path / name).write_text(
            (ROOT / "prompts" / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    from ruamel.yaml import YAML

    yaml = YAML()
    welsh_path = tmp_path / "ui.cy.yaml"
    welsh = yaml.load(welsh_path.read_text(encoding="utf-8"))
    del welsh["strings"]["button.skip"]
    with welsh_path.open("w", encoding="utf-8") as handle:
        yaml.dump(welsh, handle)
    bad = run("questionnaire", "check", str(tmp_path / "dgu_landscape.yaml"))
    assert bad.returncode == 1
    assert "button.skip" in bad.stderr
    assert "ui.cy.yaml" in bad.stderr


def test_export_of_an_empty_database_and_staff_add(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3"}
    assert run("migrate", env=env).returncode == 0
    out = run("export", "--format", "json", "--status", "all", env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
    csv_out = run("export", "--format", "csv", env=env)
    assert next(csv.reader(io.StringIO(csv_out.stdout)))[0] == "interview_id"
    added = run(
        "staff",
        "add",
        "ceri",
        "--role",
        "editor",
        "--password-stdin",
        env=env,
        stdin="a long enough secret\n",
    )
    assert added.returncode == 0, added.stderr
    short = run("staff", "add", "ceri", "--password-stdin", env=env, stdin="short\n")
    assert short.returncode != 0 and "password" in short.stderr and "Traceback" not in short.stderr
    xlsx = run("export", "--format", "xlsx", env=env)
    assert xlsx.returncode != 0 and "--out" in xlsx.stderr


def test_serve_refuses_a_transcription_model_directory_that_is_not_there(tmp_path):
    result = run(
        "serve",
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "TRANSCRIPTION_MODEL_DIR": str(tmp_path / "no-model"),
            "PORT": "0",
        },
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "TRANSCRIPTION_MODEL_DIR:" in result.stderr and "is not a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_transcription_model_that_is_not_a_whisper_model(tmp_path):
    """A folder with the right file names but no Whisper model in model.bin (a download cut
    short, another kind of model): refused at the start, in one line, not at the first
    voice note."""
    broken = tmp_path / "whisper-cy"
    broken.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (broken / name).write_text("{}")
    (broken / "model.bin").write_bytes(b"<html>404 Not Found</html>")
    result = run(
        "serve",
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "TRANSCRIPTION_MODEL_DIR_CY": str(broken),
            "PORT": "0",
        },
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        f"dgu-bot: TRANSCRIPTION_MODEL_DIR_CY: {broken}/model.bin is not a CTranslate2 Whisper "
        "model (not a model)"
    )


def test_export_lists_files_and_zips_them(tmp_path):
    """`dgu-bot export --format files-csv` lists each file with its metadata and transcript;
    `--format zip` holds the JSON, that list and the files (not a withheld answer's)."""
    import asyncio
    import zipfile

    from storage.database import Database
    from storage.media_repo import MediaStore, write_file
    from storage.migrate import upgrade_async
    from storage.models import Media
    from tests.web.seed import add_interview, typical

    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    root = tmp_path / "media"

    async def seed() -> dict[str, int]:
        await upgrade_async(url)
        db = Database(url)
        try:
            interview_id = await add_interview(db, 1, typical(1))
            ids = {}
            for key, data in (("biggest_success", b"OggS spoken"), ("organisation", b"OggS me")):
                path, digest = write_file(root, interview_id, data, ".ogg")
                row = await MediaStore(db).add(
                    Media(interview_id=interview_id, answer_key=key, kind="voice",
                          mime_type="audio/ogg", size=len(data), duration=3, sha256=digest,
                          file_id=f"F{key}", file_unique_id=f"U{key}", path=path)
                )  # fmt: skip
                assert row.id is not None
                ids[key] = row.id
            return ids
        finally:
            await db.dispose()

    ids = asyncio.run(seed())
    env = {"DATABASE_URL": url, "MEDIA_DIR": str(root)}
    listed = run("export", "--format", "files-csv", env=env)
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert [(r["answer_key"], r["withheld"], r["kind"]) for r in rows] == [
        ("biggest_success", "no", "voice"),
        ("organisation", "yes", ""),
    ]
    assert rows[0]["size_bytes"] == str(len(b"OggS spoken"))
    assert rows[0]["path"] == f"files/iv00001/{ids['biggest_success']}.ogg"
    out = tmp_path / "export.zip"
    zipped = run("export", "--format", "zip", "--out", str(out), env=env)
    assert zipped.returncode == 0, zipped.stderr
    names = zipfile.ZipFile(out).namelist()
    assert f"files/iv00001/{ids['biggest_success']}.ogg" in names
    assert f"files/iv00001/{ids['organisation']}.ogg" not in names
    assert {"interviews.json", "files.csv"} <= set(names)
    no_out = run("export", "--format", "zip", env=env)
    assert no_out.returncode == 2 and "--out" in no_out.stderr
