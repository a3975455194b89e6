"""The loop survives everything, can be cancelled, and never logs credentials."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from bot.mentions.client import RetryPolicy
from bot.mentions.monitor import MentionMonitor, poll_once
from bot.services import Services
from tests.fakes.x_api import FakeXApi
from tests.mentions.conftest import USER_KEYS


async def test_run_keeps_going_and_is_cancellable(
    x: FakeXApi, make_services: Callable[..., Services], policy: RetryPolicy
) -> None:
    x.mention("one about service design", author=x.add_user("osian"))
    x.fail("by_username", "503", "503", "503", "503", "503", "503", "503", "503")
    monitor = MentionMonitor(make_services(x_poll_seconds=0.01), policy=policy)
    task = asyncio.create_task(monitor.run())
    for _ in range(3000):  # waits for the call; the cap (30 s and more) is not a timing
        if x.calls("mentions"):
            break
        await asyncio.sleep(0.01)
    assert x.calls("mentions"), "the loop stopped after errors"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_missing_reset_and_usage_cap_do_not_loop(
    x: FakeXApi, make_services: Callable[..., Services], sleeps: Any
) -> None:
    x.mention("hello about digital services", author=x.add_user("pat"))
    x.fail("mentions", "429-noreset", "usage-capped")
    policy = RetryPolicy(attempts=3, sleep=sleeps, rate_limit_default_wait=0.01)
    monitor = MentionMonitor(make_services(), policy=policy)
    result = await monitor.poll_once()
    await monitor.close()
    assert not result.ok and "usage cap" in (result.error or "")
    assert sleeps.waits == [0.01] and len(x.calls("mentions")) == 2


async def test_no_credentials_in_logs(
    x: FakeXApi,
    make_services: Callable[..., Services],
    policy: RetryPolicy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    x.mention("hello about digital services", author=x.add_user("rhys"))
    x.fail("mentions", "503")
    result = await poll_once(make_services(x_bearer_token="sekrit-bearer"))
    assert result.ok, result.summary()
    keys = {**USER_KEYS, "x_bearer_token": "sekrit-bearer"}
    result = await poll_once(make_services(**{k: f"sekrit-{v}" for k, v in keys.items()}))
    assert "sekrit" not in caplog.text
    assert "posts read" in result.summary()
