"""The fixtures of whole-process tests: `clock`, `emulator`, `bot` and `chat`.

`bot` is the real process (`create_app`) on a loopback port, talking HTTP to the Bot API
`emulator`, on a `migrated_url` database (tests/conftest.py: a copy of one migrated once per
session; the process's own upgrade at start then finds nothing to do); periodic jobs are off
(tests run them by hand). It reads time from `clock` when the test takes `clock`, else the real
time. Its settings and `running_bot` options come from the test's marker,
`@pytest.mark.bot(webhook=True, privacy_contact="...")`; a module whose settings are made
from other fixtures (a temporary folder, a fake X API's address) overrides `bot_options`.

`chat` is user 1001's chat with it, a `BotChat` (tests/integration/chatkit.py); its Telegram
language is English unless the test asks otherwise with
`@pytest.mark.parametrize("chat", ["cy"], indirect=True)`; other respondents are
`bot.chat(user_id, first_name=..., language_code=...)`. A test that restarts the process uses
`running_bot(emulator, ...)` (chatkit.py) with the `emulator` fixture.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.integration.chatkit import (
    BotApiEmulator,
    BotChat,
    Clock,
    RunningBot,
    running_bot,
    running_emulator,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "bot(**options): settings and running_bot options for the `bot` fixture"
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with running_emulator() as served:
        yield served


@pytest.fixture
def bot_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """`running_bot`'s keyword arguments for `bot`: those of the test's `bot` marker."""
    marker = request.node.get_closest_marker("bot")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
async def bot(
    emulator: BotApiEmulator,
    migrated_url: str,
    bot_options: dict[str, Any],
    request: pytest.FixtureRequest,
) -> AsyncIterator[RunningBot]:
    options = dict(bot_options)
    if "clock" in request.fixturenames:
        options["clock"] = request.getfixturevalue("clock")
    async with running_bot(emulator, migrated_url, **options) as running:
        yield running


@pytest.fixture
def chat(bot: RunningBot, request: pytest.FixtureRequest) -> BotChat:
    return bot.chat(1001, language_code=getattr(request, "param", "en"))
