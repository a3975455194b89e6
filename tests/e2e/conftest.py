"""Browser tests: share the staff app fixtures; mark failures so a screenshot is kept."""

from __future__ import annotations

import pytest

from tests.web.conftest import accounts, db, questionnaire  # noqa: F401


@pytest.fixture
def backend() -> str:
    """Browser tests check pages, not queries (tests/web runs those on both backends)."""
    return "sqlite"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    if outcome.get_result().failed:
        item.failed = True  # type: ignore[attr-defined]
