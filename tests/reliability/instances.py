"""Helpers for tests that run several instances of the bot on one database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.interview import load_questionnaire
from bot.services import Services
from bot.settings import Settings
from storage.database import Database

ROOT = Path(__file__).resolve().parents[2]
_QUESTIONNAIRE: list[Any] = []


def questionnaire() -> Any:
    if not _QUESTIONNAIRE:
        _QUESTIONNAIRE.append(load_questionnaire(ROOT / "prompts" / "dgu_landscape.yaml"))
    return _QUESTIONNAIRE[0]


def services_for(database_url: str, holder: str) -> Services:
    """What one instance holds: its own engine (connection pool) on the shared database."""
    settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    return Services(
        settings=settings,
        db=Database(database_url),
        questionnaire=questionnaire(),
        instance=holder,
    )
