"""The fixtures of whole-process tests: `clock`, `emulator`, `bot` and `chat`.

`bot` is the real process (`create_app`) on a loopback port, talking HTTP to the Bot API
`emulator`, on the `database_url` backend (tests/conftest.py), reading time from `clock`;
periodic jobs are off (tests run them by hand). `chat` is user 1001's chat with it, a
`BotChat` (tests/integration/chatkit.py); its Telegram language is English unless the test
asks otherwise with `@pytest.mark.parametrize("chat", ["cy"], indirect=True)`. A test that
restarts the process or needs other settings uses `running_bot` (botkit.py) itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.botkit import RunningBot, running_bot
from tests.integration.chatkit import BotApiEmulator, BotChat, Clock, running_emulator


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with running_emulator() as served:
        yield served


@pytest.fixture
async def bot(
    emulator: BotApiEmulator, database_url: str, clock: Clock
) -> AsyncIterator[RunningBot]:
    async with running_bot(emulator, database_url, clock=clock) as running:
        yield running


@pytest.fixture
def chat(bot: RunningBot, request: pytest.FixtureRequest) -> BotChat:
    return bot.chat(1001, language_code=getattr(request, "param", "en"))
