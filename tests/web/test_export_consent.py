"""Consent is honoured where data leaves: the staff app's downloads (interviews as CSV, XLSX
and JSON; quotes as CSV) and `dgu-bot export` (a subprocess), on real interviews taken through
the real bot, on SQLite and PostgreSQL.

Three respondents, one per quote-consent level. Only the attributable one's name, username,
Telegram id and `personal` answers (organisation, contact) may appear anywhere; the others'
never do, in any format. A background-only interview is never quoted, even when a researcher
marked a passage of it; an anonymised one is quoted without a name or an organisation.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from bot.web.accounts import add_staff
from storage.database import Database
from storage.interviews import InterviewStore
from tests.integration.chatkit import running_bot, running_emulator
from tests.web.conftest import PASSWORD, ROOT, build_app, csrf_of, login

ATTRIBUTABLE, ANONYMISED, BACKGROUND = 0, 1, 2


@dataclass
class Person:
    consent: int
    level: str
    user_id: int
    first_name: str
    last_name: str
    username: str
    organisation: str
    contact: str
    success: str
    interview_id: str = ""

    @property
    def identifying(self) -> list[str]:
        """Every string that says who they are: none may leave without attributable consent."""
        return [
            str(self.user_id),
            self.first_name,
            self.last_name,
            self.username,
            self.organisation,
            self.contact,
        ]


#: each success is over 120 characters, so the bot asks no follow-up probe
PEOPLE = [
    Person(
        ATTRIBUTABLE,
        "attributable",
        987650000101,
        "Gwenllian",
        "Attribwtadwy",
        "gwen_named_ok",
        "Cyngor Gwynedd Gwasanaethau Digidol",
        "gwenllian@example.org",
        "Attributable success: we moved the licensing service online in six weeks."
        " It worked because the policy, operations and digital people sat together every week.",
    ),
    Person(
        ANONYMISED,
        "anonymised",
        987650000202,
        "Rhiannon",
        "Dienwmanylion",
        "rhi_anon_secret",
        "Awdurdod Anhysbys Digital Office",
        "rhiannon.secret@example.org",
        "Anonymised success: a shared payments platform that every council now uses."
        " It worked because the policy, operations and digital people sat together every week.",
    ),
    Person(
        BACKGROUND,
        "background",
        987650000303,
        "Bethan",
        "Cefndirgudd",
        "beth_background_secret",
        "Swyddfa Gefndir Gyfrinachol",
        "bethan.secret@example.org",
        "Background success: nobody may ever read this sentence in a quote export."
        " It worked because the policy, operations and digital people sat together every week.",
    ),
]


async def _interviews(migrated_url: str) -> list[Person]:
    """The three interviews, each taken through the real bot from /start to submission."""
    people = [Person(**p.__dict__) for p in PEOPLE]
    async with running_emulator() as emulator, running_bot(emulator, migrated_url) as bot:

        async def take_part(person: Person) -> None:
            chat = bot.chat(
                person.user_id,
                first_name=person.first_name,
                last_name=person.last_name,
                username=person.username,
            )
            credit = f"{person.first_name} {person.last_name}, {person.organisation}"
            await chat.consent("English", quote=person.consent, credit=credit)
            await chat.complete(
                {
                    "organisation": person.organisation,
                    "contact": person.contact,
                    "mattered_most": person.success,
                },
            )
            store = InterviewStore(bot.services.db)
            respondent = await store.respondent(person.user_id)
            assert respondent is not None and respondent.id is not None
            interview = await store.current_interview(respondent.id)
            assert interview is not None and interview.status == "completed"
            assert interview.quote_consent == person.level
            answers = {a.key: a.value for a in await store.answers(interview.id)}
            assert answers["organisation"] == person.organisation  # stored, in full
            assert answers["contact"] == person.contact
            person.interview_id = interview.id

        await asyncio.gather(*(take_part(p) for p in people))  # three people at once
        personal = bot.services.questionnaire.personal_ids
    assert {"organisation", "contact"} <= personal
    return people


def _check_interviews(people: list[Person], records: list[dict[str, Any]], text: str) -> None:
    """JSON records (or CSV rows turned into records) and the whole file's text."""
    by_id = {r["interview_id"]: r for r in records}
    assert set(by_id) == {p.interview_id for p in people}
    named = people[0]
    assert all(s in text for s in named.identifying), "attributable: who they are is exported"
    for person in people[1:]:
        leaked = [s for s in person.identifying if s in text]
        assert leaked == [], f"{person.level}: {leaked} left without attributable consent"
        assert person.success in text, "non-identifying answers are always exported"


def _cell(value: str) -> str:
    """A cell as written, without the quote that keeps a spreadsheet from reading a formula
    (an interview id may begin with "-")."""
    return value[1:] if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@") else value


def _csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [{k: _cell(v) for k, v in row.items()} for row in reader]


def _records_from_csv(text: str) -> list[dict[str, Any]]:
    rows = _csv(text)
    assert rows and {"telegram_user_id", "username", "name", "organisation"} <= set(rows[0])
    return rows


def _check_csv_rows(people: list[Person], rows: list[dict[str, Any]]) -> None:
    by_id = {r["interview_id"]: r for r in rows}
    named = by_id[people[0].interview_id]
    assert named["telegram_user_id"] == str(people[0].user_id)
    assert named["username"] == people[0].username
    assert named["organisation"] == people[0].organisation
    for person in people[1:]:
        row = by_id[person.interview_id]
        assert row["telegram_user_id"] == row["username"] == row["name"] == ""
        assert row["organisation"] == "" and row.get("contact", "") == ""


def _check_json(people: list[Person], text: str) -> None:
    records = json.loads(text)
    _check_interviews(people, records, text)
    by_id = {r["interview_id"]: r for r in records}
    named = by_id[people[0].interview_id]
    assert named["respondent"]["telegram_user_id"] == people[0].user_id
    assert named["respondent"]["username"] == people[0].username
    for person in people[1:]:
        record = by_id[person.interview_id]
        assert record["respondent"] == {"telegram_user_id": None, "username": None, "name": None}
        answers = {a["question_id"]: a for a in record["answers"]}
        for qid in ("organisation", "contact"):
            assert answers[qid]["value"] is None and answers[qid]["withheld"] is True


def _xlsx_text(data: bytes) -> tuple[list[dict[str, Any]], str]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    sheet = book.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    every_sheet = " ".join(
        str(v)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    )
    book.close()
    header, *body = rows
    records = [{k: _cell(v) for k, v in zip(header, row, strict=False)} for row in body]
    return records, every_sheet


async def _quote_every_interview(client: TestClient, people: list[Person]) -> None:
    """A researcher marks a passage of each interview's answer on what mattered most."""
    for person in people:
        page = await client.get(f"/interviews/{person.interview_id}")
        assert page.status == 200
        saved = await client.post(
            f"/interviews/{person.interview_id}/quotes",
            data={
                "answer_key": "mattered_most",
                "passage": person.success.split(":")[1].strip(),
                "csrf_token": csrf_of(await page.text()),
            },
            allow_redirects=False,
        )
        assert saved.status == 303, await saved.text()


def _check_quotes(people: list[Person], text: str) -> None:
    rows = _csv(text)
    by_id = {r["interview_id"]: r for r in rows}
    named, anonymised, background = people
    assert set(by_id) == {named.interview_id, anonymised.interview_id}, "background: never"
    assert by_id[named.interview_id]["attribution"] == (
        f"{named.first_name} {named.last_name}, {named.organisation}"
    )
    assert by_id[anonymised.interview_id]["attribution"].startswith("A ")
    assert background.success.split(":")[1].strip() not in text
    for person in (anonymised, background):
        leaked = [s for s in person.identifying if s in text]
        assert leaked == [], f"{person.level}: {leaked} in the quotes export"


def _cli(migrated_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "X_", "DATABASE_"))
    }
    env["DATABASE_URL"] = migrated_url
    return subprocess.run(  # the installed command, as an operator runs it
        [sys.executable, "-m", "bot", "export", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_consent_is_withheld_wherever_interviews_leave(
    migrated_url: str, questionnaire, tmp_path: Path
) -> None:
    people = await _interviews(migrated_url)
    db = Database(migrated_url)
    try:
        await add_staff(db, "editor", PASSWORD, "editor")
        async with TestClient(TestServer(build_app(db, questionnaire))) as client:
            await login(client, "editor")
            await _quote_every_interview(client, people)

            got = await client.get("/exports/interviews.json")
            assert got.status == 200
            _check_json(people, await got.text())

            got = await client.get("/exports/interviews.csv")
            assert got.status == 200
            text = await got.text()
            rows = _records_from_csv(text)
            _check_interviews(people, rows, text)
            _check_csv_rows(people, rows)

            got = await client.get("/exports/interviews.xlsx")
            assert got.status == 200
            rows, text = _xlsx_text(await got.read())
            _check_interviews(people, rows, text)
            _check_csv_rows(people, rows)

            got = await client.get("/exports/quotes.csv")
            assert got.status == 200
            _check_quotes(people, await got.text())
    finally:
        await db.dispose()

    out = _cli(migrated_url, "--format", "json", "--status", "all")
    assert out.returncode == 0, out.stderr
    _check_json(people, out.stdout)
    out = _cli(migrated_url, "--format", "csv", "--status", "all")
    assert out.returncode == 0, out.stderr
    rows = _records_from_csv(out.stdout)
    _check_interviews(people, rows, out.stdout)
    _check_csv_rows(people, rows)
    target = tmp_path / "interviews.xlsx"
    out = _cli(migrated_url, "--format", "xlsx", "--status", "all", "--out", str(target))
    assert out.returncode == 0, out.stderr
    rows, text = _xlsx_text(target.read_bytes())
    _check_interviews(people, rows, text)
    _check_csv_rows(people, rows)
