"""Export headers in the reader's language, with the keys of the outside contract kept.

`dgu-bot export` and the English staff app write the machine keys as headers (INTERFACE.md:
scripts read them). A Welsh-speaking staff member's XLSX download, and `dgu-bot export
--format xlsx --lang cy`, say every column in Welsh (an answer's column by its question as
asked in Welsh), name the sheets in Welsh and add a sheet mapping each label to its key; the
rows are the same. CSV keeps the keys for everyone. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from openpyxl import load_workbook

from bot.exports import BASE_COLUMNS, FILE_COLUMNS
from bot.interview import staff_catalogue
from tests.web.conftest import ROOT, login
from tests.web.seed import add_interview, typical
from tests.web.test_versions import V2

WORDS = staff_catalogue(ROOT / "prompts" / "dgu_landscape.yaml")


def _sheets(data: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    sheets = {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book}
    book.close()
    return sheets


async def _seed(db) -> None:
    await add_interview(db, 1, typical(1), version="2026.1")  # level, trait_centre: v1 only
    await add_interview(db, 2, V2, version="2026.2")


def _welsh(key: str) -> str:
    return WORDS.text("cy", f"export.col.{key}")


def _check_welsh_workbook(sheets: dict[str, list[list[Any]]], english: dict, questionnaire) -> None:
    assert list(sheets) == ["cyfweliadau", "ffeiliau", "colofnau"]
    keys = english["interviews"][0]
    header, *rows = sheets["cyfweliadau"]
    assert rows == english["interviews"][1:]  # the same rows, in the same order
    assert header[: len(BASE_COLUMNS)] == [_welsh(k) for k in BASE_COLUMNS]
    by_key = dict(zip(keys, header, strict=True))
    # an answer's column is its question as asked in Welsh (a repeat: with the item's label)
    assert by_key["country"] == questionnaire.question_text("country", "cy")
    assert by_key["relationship"] == questionnaire.question_text("relationship", "cy")
    outcome = questionnaire.question_text("outcome@platforms", "cy")
    assert by_key["outcome@platforms"] == outcome
    assert questionnaire.choice_label("attempted", "platforms", "cy") in outcome
    level = questionnaire.for_version("2026.1").question_text("level", "cy")
    assert by_key["level"] == level  # asked by version 1 only: its Welsh
    assert len(set(header)) == len(header)  # each header says one column
    assert sheets["ffeiliau"][0] == [_welsh(k) for k in FILE_COLUMNS]
    mapping = sheets["colofnau"]
    assert mapping[0] == [
        WORDS.text("cy", f"export.columns.{k}") for k in ("sheet", "label", "key")
    ]
    assert mapping[1:] == [
        *(["cyfweliadau", label, key] for label, key in zip(header, keys, strict=True)),
        *(["ffeiliau", _welsh(k), k] for k in FILE_COLUMNS),
    ]
    untranslated = {
        k
        for k in (*BASE_COLUMNS, *FILE_COLUMNS)
        if _welsh(k) == WORDS.text("en", f"export.col.{k}")
    }
    assert untranslated == {"sha256"}  # "SHA-256" in both languages


async def test_xlsx_headers_follow_the_readers_language(
    client: TestClient, db, questionnaire
) -> None:
    await _seed(db)
    csrf = await login(client, "viewer")
    english = _sheets(await (await client.get("/exports/interviews.xlsx")).read())
    assert list(english) == ["interviews", "files"]  # as `dgu-bot export` writes it
    assert english["interviews"][0][: len(BASE_COLUMNS)] == BASE_COLUMNS
    assert {"country", "relationship", "outcome@platforms", "level"} <= set(
        english["interviews"][0]
    )
    assert english["files"][0] == FILE_COLUMNS
    english_csv = await (await client.get("/exports/interviews.csv")).text()

    await client.post("/account/language", data={"csrf_token": csrf, "language": "cy"})
    welsh = await client.get("/exports/interviews.xlsx")
    assert welsh.status == 200
    _check_welsh_workbook(_sheets(await welsh.read()), english, questionnaire)
    # CSV is for scripts: the same header row of keys whoever downloads it
    welsh_csv = await (await client.get("/exports/interviews.csv")).text()
    assert welsh_csv == english_csv
    assert next(csv.reader(io.StringIO(welsh_csv.lstrip("\ufeff"))))[:2] == list(BASE_COLUMNS[:2])


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "X_", "DATABASE_"))
    }
    env["DATABASE_URL"] = url
    return subprocess.run(  # as an operator runs it
        [sys.executable, "-m", "bot", "export", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_cli_lang_option_labels_xlsx_only(
    db, questionnaire, tmp_path: Path, client: TestClient
) -> None:
    await _seed(db)
    await login(client, "viewer")
    english = _sheets(await (await client.get("/exports/interviews.xlsx")).read())
    plain, welsh = tmp_path / "plain.xlsx", tmp_path / "welsh.xlsx"
    done = _cli(str(db.url), "--format", "xlsx", "--status", "all", "--out", str(plain))
    assert done.returncode == 0, done.stderr
    assert _sheets(plain.read_bytes()) == english  # without --lang: the contract's keys
    done = _cli(
        str(db.url), "--format", "xlsx", "--status", "all", "--lang", "cy", "--out", str(welsh)
    )
    assert done.returncode == 0, done.stderr
    _check_welsh_workbook(_sheets(welsh.read_bytes()), english, questionnaire)
    refused = _cli(str(db.url), "--format", "csv", "--lang", "cy")
    assert refused.returncode != 0 and refused.stdout == ""
    assert refused.stderr.strip().count("\n") == 0 and "--lang" in refused.stderr
    assert "Traceback" not in refused.stderr
