"""The check every reliability test rests on must itself fail: an answer dropped, stored
twice, changed, or stored although never given is reported; only an exact match passes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, update

from storage.models import Answer
from tests.integration.chatkit import running_bot, running_emulator
from tests.reliability.respondents import (
    NUDGE,
    Respondent,
    check_respondents,
    compare,
    interview_of,
    stored_answers,
)

MEANT: dict[str, Any] = {
    "role": "Head of delivery",
    "level": "national",
    "attempted": ["redesign", "uptake"],
    "trait_agile": 3,
}


def rows(**changes: Any) -> list[tuple[str, Any]]:
    return [(k, changes.get(k, v)) for k, v in MEANT.items()] + [("optional_q", None)]


def test_an_exact_match_passes_and_counts_every_answer() -> None:
    result = compare(rows(), MEANT)
    assert result.problems == []
    assert result.exact == result.intended == 4


def test_a_dropped_answer_is_missing() -> None:
    result = compare([r for r in rows() if r[0] != "level"], MEANT)
    assert result.missing == ["level"] and result.exact == 3
    assert result.problems == ["level: meant but not stored"]


def test_a_skipped_value_where_an_answer_was_meant_is_different() -> None:
    result = compare(rows(level=None), MEANT)
    assert result.different == ["level: stored None, meant 'national'"]


def test_doubled_answers_are_found_as_rows_and_as_values() -> None:
    twice = compare([*rows(), ("role", "Head of delivery")], MEANT)
    assert twice.doubled == ["role: stored 2 times: ['Head of delivery', 'Head of delivery']"]
    text = compare(rows(role="Head of delivery\nHead of delivery"), MEANT)
    assert len(text.doubled) == 1 and text.exact == 3
    picks = compare(rows(attempted=["redesign", "uptake", "redesign"]), MEANT)
    assert len(picks.doubled) == 1 and picks.exact == 3


def test_a_changed_answer_is_different() -> None:
    result = compare(rows(trait_agile=4, attempted=["uptake"]), MEANT)
    assert result.different == [
        "attempted: stored ['uptake'], meant ['redesign', 'uptake']",
        "trait_agile: stored 4, meant 3",
    ]
    assert result.exact == 2


def test_an_answer_never_given_or_a_nudge_is_unexpected() -> None:
    result = compare([*rows(), ("advice", "made up"), ("missing", f"x {NUDGE}")], MEANT)
    assert result.unexpected == [
        "advice: stored 'made up' but never answered",
        "missing: a nudge was stored as an answer",
    ]
    assert result.exact == 4 and result.problems == result.unexpected


async def test_the_check_catches_a_real_interview_tampered_with(migrated_url: str) -> None:
    """A real interview, stored by the real bot; then one answer deleted, one doubled, one
    changed in the database: each is reported, with the right count."""
    async with (
        running_emulator() as emulator,
        running_bot(emulator, migrated_url, webhook=True) as running,
    ):
        person = Respondent(emulator.chat(7601), running.services)
        await person.ensure_started()
        await person.finish()
        services = running.services
        intact = await check_respondents(services, [person])
        intact_rows = await stored_answers(services, person.user_id)
        assert intact.problems == [] and intact.exact == len(person.intended) >= 10
        interview = await interview_of(services, person.user_id)
        assert interview is not None
        texts = [k for k, v in person.intended.items() if isinstance(v, str) and len(v) > 40]
        numbers = [k for k, v in person.intended.items() if type(v) is int]
        dropped, doubled, changed = texts[0], texts[1], numbers[0]
        async with services.db.transaction() as session:
            mine = Answer.interview_id == interview.id  # type: ignore[arg-type]
            await session.execute(delete(Answer).where(mine, Answer.key == dropped))  # type: ignore[arg-type]
            await session.execute(
                update(Answer)
                .where(mine, Answer.key == doubled)  # type: ignore[arg-type]
                .values(value=person.intended[doubled] + "\n" + person.intended[doubled])
            )
            await session.execute(
                update(Answer)
                .where(mine, Answer.key == changed)  # type: ignore[arg-type]
                .values(value=person.intended[changed] + 1)
            )
        assert len(await stored_answers(services, person.user_id)) == len(intact_rows) - 1
        found = await check_respondents(services, [person])
    assert found.missing == [f"7601 {dropped}"]
    assert [p.split(":")[0] for p in found.doubled] == [f"7601 {doubled}"]
    assert [p.split(":")[0] for p in found.different] == [f"7601 {changed}"]
    assert found.unexpected == []
    assert found.exact == intact.exact - 3
