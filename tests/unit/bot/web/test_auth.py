"""Staff passwords are hashed at the production cost (tests/conftest.py lowers the cost of
the hasher in the test process; the dummy hash the module made at import shows the real one)."""

from __future__ import annotations

from argon2 import Type, extract_parameters, profiles

from bot.web import auth


def test_the_production_hasher_is_argon2id_at_rfc_9106_cost() -> None:
    made = extract_parameters(auth._DUMMY_HASH)
    floor = profiles.RFC_9106_LOW_MEMORY
    assert made.type is Type.ID
    assert made.time_cost >= floor.time_cost
    assert made.memory_cost >= floor.memory_cost
    assert made.parallelism >= 1
    assert made.salt_len >= 16 and made.hash_len >= 32


def test_the_test_hasher_still_refuses_a_wrong_password() -> None:
    stored = auth.hash_password("correct horse battery")
    assert extract_parameters(stored).type is Type.ID
    assert auth._hasher.verify(stored, "correct horse battery")
    assert not _verifies(stored, "correct horse batterz")


def _verifies(stored: str, password: str) -> bool:
    from argon2.exceptions import VerificationError

    try:
        return auth._hasher.verify(stored, password)
    except VerificationError:
        return False
