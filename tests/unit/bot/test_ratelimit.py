"""FloodPacer: messages get slots per chat and overall; other calls and retries behave."""

from __future__ import annotations

import os

import pytest
from telegram.error import RetryAfter

from bot.ratelimit import FloodPacer, Pace, room, yielding

os.environ.setdefault("PTB_TIMEDELTA", "1")


def test_pace_allows_a_burst_then_one_per_interval():
    pace = Pace(interval=1.0, burst=2)
    assert [pace.reserve(0.0) for _ in range(4)] == [0.0, 0.0, 1.0, 2.0]
    assert pace.reserve(10.0) == 10.0  # idle long enough: the burst is back
    pace.postpone(20.0)
    assert pace.reserve(10.0) >= 20.0


async def _ok() -> bool:
    return True


class VirtualTime:
    """A clock that only moves when the pacer sleeps: the waits are exact, load or not."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 6))
        self.now += seconds


async def test_messages_to_one_chat_are_spaced_but_other_calls_are_not():
    time = VirtualTime()
    pacer = FloodPacer(
        chat_interval=0.05,
        chat_burst=1,
        overall_rate=1000,
        overall_burst=100,
        clock=time,
        sleep=time.sleep,
    )
    for _ in range(3):
        await pacer.process_request(_ok, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert time.waits == [0.05, 0.05]  # the first at once, then one per interval
    time.waits.clear()
    for n in range(20):
        await pacer.process_request(_ok, (), {}, "answerCallbackQuery", {"chat_id": 7}, None)
        await pacer.process_request(_ok, (), {}, "sendMessage", {"chat_id": 1000 + n}, None)
    assert time.waits == []  # different chats, well under the overall rate: nobody waits


async def test_the_overall_rate_spaces_a_burst_across_chats():
    time = VirtualTime()
    pacer = FloodPacer(overall_rate=10, overall_burst=2, clock=time, sleep=time.sleep)
    for n in range(4):
        await pacer.process_request(_ok, (), {}, "sendMessage", {"chat_id": n}, None)
    assert time.waits == [0.1, 0.1]


async def test_a_429_is_retried_then_given_up():
    pacer = FloodPacer(max_retries=1)
    calls = []

    async def flood() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RetryAfter(0)
        return True

    assert await pacer.process_request(flood, (), {}, "sendMessage", {"chat_id": 3}, None)
    assert pacer.retries == 1

    async def always() -> bool:
        raise RetryAfter(0)

    with pytest.raises(RetryAfter):
        await pacer.process_request(always, (), {}, "sendMessage", {"chat_id": 4}, None)


async def test_housekeeping_waits_for_room_and_leaves_it_to_replies():
    """A message sent `yielding()` (a keyboard removal) starts only once the overall budget
    has `yield_spare` slots free, so a reply that follows it still goes at once."""
    time = VirtualTime()
    pacer = FloodPacer(overall_rate=8, overall_burst=4, yield_spare=2, clock=time, sleep=time.sleep)
    for n in range(4):  # four replies take the whole burst
        await pacer.process_request(_ok, (), {}, "sendMessage", {"chat_id": n}, None)
    assert time.waits == []
    with yielding():
        await pacer.process_request(_ok, (), {}, "editMessageReplyMarkup", {"chat_id": 9}, None)
    assert time.waits == [0.25]  # until two slots are free again, then it takes one
    await pacer.process_request(_ok, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert time.waits == [0.25]  # the reply after it did not wait
    with yielding():  # calls that are not messages are never held back
        await pacer.process_request(_ok, (), {}, "answerCallbackQuery", {"chat_id": 9}, None)
    assert time.waits == [0.25]


async def test_housekeeping_yields_for_a_bounded_time():
    """A bot saturated longer than `yield_for`: the housekeeping message takes its turn."""
    time = VirtualTime()
    pacer = FloodPacer(
        overall_rate=1, overall_burst=2, yield_spare=2, yield_for=1.5, clock=time, sleep=time.sleep
    )
    for _ in range(10):  # ten replies queued at once: the budget is taken for 9 s
        pacer._overall.reserve(time.now)
    with yielding():
        await pacer.process_request(_ok, (), {}, "editMessageReplyMarkup", {"chat_id": 9}, None)
    assert time.waits[0] == 1.5  # yielded that long, then queued like any other message
    assert sum(time.waits) == pytest.approx(9.0)


async def test_housekeeping_leaves_a_chat_room_for_its_next_reply():
    """A housekeeping message to a chat waits until that chat's budget has two slots free:
    the reply that follows it there is not held back by it."""
    time = VirtualTime()
    pacer = FloodPacer(chat_interval=1.0, chat_burst=2, clock=time, sleep=time.sleep)
    await pacer.process_request(_ok, (), {}, "sendMessage", {"chat_id": 7}, None)  # the reply
    with yielding():
        await pacer.process_request(_ok, (), {}, "editMessageReplyMarkup", {"chat_id": 7}, None)
    assert time.waits == [1.0]  # until the chat's budget is full again
    await pacer.process_request(_ok, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert time.waits == [1.0]  # the next reply goes at once
    await room(object(), 7)  # a bot without a FloodPacer: nothing to wait for
    assert time.waits == [1.0]
