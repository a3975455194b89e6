"""Exports show exactly what each respondent's quote consent allows (issue 4 §2)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot import exports
from tests.integration.chatkit import RunningBot

ATTRIBUTABLE, ANONYMISED, BACKGROUND = 0, 1, 2


@pytest.mark.parametrize(
    ("quote", "shown"), [(ATTRIBUTABLE, True), (ANONYMISED, False), (BACKGROUND, False)]
)
async def test_identity_and_personal_answers_follow_quote_consent(
    bot: RunningBot, quote: int, shown: bool
) -> None:
    chat = bot.chat(3001, first_name="Siân", username="sian_dgu")
    await chat.consent("English", quote=quote)
    await chat.complete(
        {
            "organisation": "Llywodraeth Cymru digital team",
            "contact": "sian@example.org",
        }
    )
    personal = exports.personal_ids(bot.services.questionnaire)
    assert {"role", "organisation", "contact"} <= personal  # role: version 1's
    selection = exports.ExportFilter("all", personal=personal)
    data = json.loads("".join([c async for c in exports.json_chunks(bot.services.db, selection)]))
    rows = list(
        csv.DictReader(
            io.StringIO("".join([c async for c in exports.csv_chunks(bot.services.db, selection)]))
        )
    )
    record = data[0]
    answers = {a["question_id"]: a for a in record["answers"]}
    row = rows[0]
    if shown:
        assert record["respondent"] == {
            "telegram_user_id": 3001,
            "username": "sian_dgu",
            "name": "Siân",
        }
        assert answers["organisation"]["value"] == "Llywodraeth Cymru digital team"
        assert (
            row["organisation"] == "Llywodraeth Cymru digital team"
            and row["username"] == "sian_dgu"
        )
    else:
        assert record["respondent"] == {"telegram_user_id": None, "username": None, "name": None}
        assert (
            answers["organisation"]["value"] is None and answers["organisation"]["withheld"] is True
        )
        assert answers.get("contact", {"value": None})["value"] is None
        # version 2 asks no `role` (version 1's role is withheld: test_questionnaire_versions)
        assert "role" not in answers and row.get("role", "") == ""
        text = json.dumps(data) + json.dumps(rows)
        assert "sian" not in text.lower() and "Llywodraeth Cymru digital" not in text
    assert answers["relationship"]["value"], "non-identifying answers are always exported"
