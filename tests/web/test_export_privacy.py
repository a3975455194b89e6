"""Two kinds of interview export, through the real staff routes and the real command line:
the default is publication-safe (identities, role, organisation, contact and credit only with
attributable consent, for version-1 interviews too); the "full" export of the team's own
follow-up data is for admins only and every use is in the audit log; the transcript shows
staff the contact details and audits the view."""

from __future__ import annotations

import csv
import io
import json

import pytest
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook
from sqlalchemy import update

from storage import staff_repo
from storage.models import Interview
from tests.integration.test_cli import run
from tests.web.conftest import login
from tests.web.seed import add_interview, typical

CONTACT = "nia@example.org"
PEOPLE = {  # n: quote consent
    1: "attributable",
    2: "anonymised",
    3: "background",
}


def _answers(n: int) -> dict:
    return {
        "role": f"Head of Digital {n}",
        **typical(n),
        "talk_further": True,
        "contact": f"person{n}-{CONTACT}",
    }


@pytest.fixture
async def seeded(db) -> dict[int, str]:
    ids = {}
    for n, consent in PEOPLE.items():
        # questionnaire version 1 did not mark `role` personal: withheld all the same
        ids[n] = await add_interview(db, n, _answers(n), quote_consent=consent, name=f"Person {n}")
    async with db.transaction() as session:
        await session.execute(
            update(Interview).values(credit="Nia Evans, Head of Digital, Cyngor Gwynedd")
        )
    return ids


def _csv(body: str) -> dict[str, dict[str, str]]:
    return {r["interview_id"]: r for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))}


def _check_default(rows: dict[str, dict], ids: dict[int, str]) -> None:
    shown = rows[ids[1]]
    assert shown["role"] == "Head of Digital 1" and shown["contact"] == f"person1-{CONTACT}"
    assert shown["name"] == "Person 1" and shown["credit"].startswith("Nia Evans")
    for n in (2, 3):
        row = rows[ids[n]]
        assert row["role"] == row["organisation"] == row["contact"] == ""
        assert row["name"] == row["username"] == row["telegram_user_id"] == row["credit"] == ""
        assert row["biggest_success"], "what is not personal is exported"
        assert f"person{n}" not in json.dumps(row) and f"Person {n}" not in json.dumps(row)


async def _audit(db) -> list:
    return list(await staff_repo.audit_page(db, before_id=None, limit=100))


@pytest.mark.parametrize("role", ["viewer", "admin"])
async def test_default_exports_withhold_contact_role_and_credit(
    client: TestClient, db, seeded, role
) -> None:
    await login(client, role)
    body = await (await client.get("/exports/interviews.csv")).text()
    _check_default(_csv(body), seeded)

    data = await (await client.get("/exports/interviews.json")).json()
    by_id = {d["interview_id"]: d for d in data}
    for n in (2, 3):
        answers = {a["question_id"]: a for a in by_id[seeded[n]]["answers"]}
        for qid in ("role", "organisation", "contact"):
            assert answers[qid]["value"] is None and answers[qid]["withheld"] is True
        assert by_id[seeded[n]]["consent"]["credit"] is None
    assert by_id[seeded[1]]["consent"]["credit"].startswith("Nia Evans")

    response = await client.get("/exports/interviews.xlsx")
    sheet = load_workbook(io.BytesIO(await response.read()), read_only=True).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values[0]
    # (read-only openpyxl leaves out empty cells at the end of a row)
    xlsx = {r[0]: dict(zip(header, r, strict=False)) for r in values[1:]}
    assert xlsx[seeded[1]]["contact"] == f"person1-{CONTACT}"
    assert xlsx[seeded[2]].get("contact") is None and xlsx[seeded[2]].get("role") is None
    assert f"person2-{CONTACT}" not in json.dumps(values, default=str)


@pytest.mark.parametrize("role", ["viewer", "editor"])
@pytest.mark.parametrize("path", ["/exports/interviews-full.csv", "/exports/interviews-full.json"])
async def test_full_export_is_refused_below_admin(
    client: TestClient, db, seeded, role, path
) -> None:
    await login(client, role)
    response = await client.get(path)
    body = await response.text()
    assert response.status == 403
    assert CONTACT not in body
    assert not [a for a in await _audit(db) if a.target == "interviews_full"]


async def test_full_export_gives_admins_everything_and_is_audited(
    client: TestClient, db, seeded
) -> None:
    await login(client, "admin")
    body = await (await client.get("/exports/interviews-full.csv")).text()
    rows = _csv(body)
    for n in PEOPLE:
        assert rows[seeded[n]]["contact"] == f"person{n}-{CONTACT}"
        assert rows[seeded[n]]["role"] == f"Head of Digital {n}"
        assert rows[seeded[n]]["name"] == f"Person {n}"
    data = await (await client.get("/exports/interviews-full.json")).json()
    assert all(not any(a.get("withheld") for a in d["answers"]) for d in data)
    audits = [a for a in await _audit(db) if a.target == "interviews_full"]
    assert [(a.username, a.action, a.detail["format"]) for a in audits] == [
        ("admin", "export", "json"),
        ("admin", "export", "csv"),
    ]


async def test_transcript_shows_staff_the_contact_and_audits_it(
    client: TestClient, db, seeded
) -> None:
    await login(client, "viewer")
    page = await (await client.get(f"/interviews/{seeded[2]}")).text()
    assert f"person2-{CONTACT}" in page
    (view,) = [a for a in await _audit(db) if a.action == "view_personal_data"]
    assert view.username == "viewer" and view.target == seeded[2]
    assert view.detail == {"answers": ["contact", "organisation", "role"]}
    assert "Credit quotes to" not in page  # anonymised: nobody is credited
    named = await (await client.get(f"/interviews/{seeded[1]}")).text()
    assert "Credit quotes to" in named and "Nia Evans, Head of Digital, Cyngor Gwynedd" in named


def test_cli_export_is_publication_safe_and_full_is_audited(db, seeded) -> None:
    env = {"DATABASE_URL": str(db.url)}
    default = run("export", "--format", "csv", "--status", "all", env=env)
    assert default.returncode == 0, default.stderr
    _check_default(_csv(default.stdout), seeded)
    assert CONTACT not in default.stdout.replace(f"person1-{CONTACT}", "")

    full = run("export", "--format", "json", "--status", "all", "--full", env=env)
    assert full.returncode == 0, full.stderr
    data = {d["interview_id"]: d for d in json.loads(full.stdout)}
    for n in PEOPLE:
        contact = next(a for a in data[seeded[n]]["answers"] if a["question_id"] == "contact")
        assert contact["value"] == f"person{n}-{CONTACT}"


async def test_cli_full_export_writes_the_audit_log(db, seeded) -> None:
    env = {"DATABASE_URL": str(db.url)}
    assert not [a for a in await _audit(db) if a.target == "interviews_full"]
    result = run("export", "--format", "csv", "--status", "all", "--full", env=env)
    assert result.returncode == 0, result.stderr
    (audit,) = [a for a in await _audit(db) if a.target == "interviews_full"]
    assert audit.username.startswith("cli:") and audit.action == "export"
    assert audit.detail == {"format": "csv", "status": "all", "via": "cli"}


async def test_quotes_export_never_quotes_a_personal_answer_without_attribution(
    client: TestClient, db, seeded
) -> None:
    from datetime import UTC, datetime

    from storage import coding_repo

    now = datetime.now(UTC)
    for n in (1, 2):
        await coding_repo.add_quote(db, seeded[n], "role", 0, 7, "Head of", [], "editor", now)
        await coding_repo.add_quote(
            db, seeded[n], "biggest_success", 0, 9, "We rebuil", [], "e", now
        )
    await login(client, "viewer")
    body = await (await client.get("/exports/quotes.csv")).text()
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    found = {(r["interview_id"], r["question_key"]) for r in rows}
    assert found == {
        (seeded[1], "role"),
        (seeded[1], "biggest_success"),
        (seeded[2], "biggest_success"),
    }
