"""A scripted respondent for reliability tests: answers only what it can see, remembers what
it meant to answer, and nudges ("hello?") when the bot left it without a question.

Unlike `BotChat.answer` (tests/integration/chatkit.py), it assumes nothing arrives: when the
question it should be on is not the bot's last message, it says so, exactly like a person would;
the checks then compare what it meant with what the database holds (`intended`), and that a
nudge is never stored as an answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import interview as engine
from bot.interview import State, split_key
from bot.sandbox.users import Chat
from storage.interviews import InterviewStore
from storage.models import Answer, Interview

NUDGE = "hello? nudge"


async def interview_of(services: Any, user_id: int) -> Interview | None:
    store = InterviewStore(services.db)
    respondent = await store.respondent(user_id)
    if respondent is None or respondent.id is None:
        return None
    return await store.current_interview(respondent.id)


async def answers_of(services: Any, user_id: int) -> dict[str, Any]:
    interview = await interview_of(services, user_id)
    if interview is None:
        return {}
    return {a.key: a.value for a in await InterviewStore(services.db).answers(interview.id)}


def free_text(user_id: int, key: str) -> str:
    """Long enough not to be probed; HTML specials that must be stored and shown as typed."""
    return (
        f"Respondent {user_id} on {key}: we shipped <b>bold</b> & <i>fast</i> changes "
        "(5 > 3), every fortnight, with the policy team in the room 🎉 — and it stuck."
    )


@dataclass
class Respondent:
    chat: Chat
    services: Any  # anything with .db and .questionnaire (one instance's Services)
    send_timeout: float = 60.0
    max_nudges: int = 12
    #: how an update reaches the bot and how to wait for it (default: the emulator queues it
    #: for the bot and waits by its settle rule)
    deliver: Callable[[Respondent, dict[str, Any]], Awaitable[None]] | None = None
    #: toggle a multiple choice's options at the same moment (two updates in flight at once)
    concurrent_taps: bool = False
    intended: dict[str, Any] = field(default_factory=dict)
    nudges: int = 0
    steps: int = 0
    taps: int = 0

    @property
    def q(self) -> Any:
        return self.services.questionnaire

    @property
    def user_id(self) -> int:
        return self.chat.user_id

    async def _deliver(self, content: dict[str, Any]) -> None:
        if self.deliver is not None:
            await self.deliver(self, content)
            return
        update_id = self.chat.emulator.push_update(content, self.user_id)
        await self.chat.emulator.settle(
            update_id, self.user_id, require_reaction=False, timeout=self.send_timeout
        )

    async def send(self, text: str) -> None:
        message = self.chat.emulator.new_user_message(self.chat, _text_content(text))
        await self._deliver({"message": message})

    def tap_content(self, data: str) -> dict[str, Any]:
        """A callback query for the newest button carrying `data` (as Chat.tap does)."""
        emulator = self.chat.emulator
        stored, button = self.chat._find_button(data, None)
        self.taps += 1
        query_id = f"r{self.user_id}-{self.taps}"
        emulator.register_callback(query_id, self.user_id)
        query = {
            "id": query_id,
            "from": self.chat.user,
            "message": stored.message,
            "chat_instance": str(-self.user_id * 7919),
            "data": button.callback_data,
        }
        return {"callback_query": query}

    async def tap(self, data: str) -> None:
        await self._deliver(self.tap_content(data))

    async def consent(self, language: str = "en") -> None:
        await self.send("/start")
        await self.tap(self._find(f"L|{language}") or self._need(f"L|{language}"))
        await self.tap(self._find(f"C|y|{language}") or self._need("C|y"))
        # "without my name": "by name" would ask for a name to credit before question one
        await self.tap(self._find("Q|n") or self._need("Q|n"))

    def _find(self, prefix: str) -> str | None:
        for message in reversed(self.chat.messages):
            for row in message.buttons:
                for button in row:
                    if (button.callback_data or "").startswith(prefix):
                        return button.callback_data
        return None

    def _need(self, prefix: str) -> str:
        raise AssertionError(f"chat {self.user_id}: no button {prefix!r}; {self.chat.transcript}")

    async def ensure_started(self, language: str = "en") -> None:
        """Consent, nudging through whatever Telegram (or a crash) lost on the way."""
        for _ in range(self.max_nudges):
            interview = await interview_of(self.services, self.user_id)
            if interview is not None and interview.quote_consent:
                return
            if interview is not None:
                steps = ("Q|n", "R|resume")
            else:
                steps = (f"C|y|{language}", f"L|{language}")
            data = next((d for d in map(self._find_since_text, steps) if d), None)
            if data is not None:
                await self.tap(data)
                continue
            self.nudges += interview is not None or bool(self.chat.messages)
            await self.send("/start")
        raise AssertionError(f"chat {self.user_id} could not start: {self.chat.transcript}")

    def _find_since_text(self, prefix: str) -> str | None:
        """A button the bot showed since the respondent last wrote (not one from long ago)."""
        stored = self.chat.emulator.stored_messages(self.user_id)
        last_user = max((n for n, m in enumerate(stored) if not m.from_bot), default=-1)
        for message in reversed(stored[last_user + 1 :]):
            for row in message.view().buttons:
                for button in row:
                    if (button.callback_data or "").startswith(prefix):
                        return button.callback_data
        return None

    async def finish(self, limit: int = 200) -> None:
        """Answer until completed; every answer goes to a question the respondent can see."""
        for _ in range(limit):
            interview = await interview_of(self.services, self.user_id)
            assert interview is not None
            state = State.from_json(interview.state)
            if state.status == "completed":
                return
            if not self.sees_current(state):
                self.nudges += 1
                assert self.nudges <= self.max_nudges, (state, self.chat.transcript[-12:])
                await self.send(NUDGE)
                continue
            await self.answer(state)
            self.steps += 1
        raise AssertionError(f"chat {self.user_id} did not finish")

    def sees_current(self, state: State) -> bool:
        """Has the bot shown what the database says they are on, since they last wrote?

        (Taps leave no message, so after a tap the window reaches back to the last text; a
        question answered since is no longer current, so it cannot be mistaken for it.)
        """
        stored = self.chat.emulator.stored_messages(self.user_id)
        last_user = max((n for n, m in enumerate(stored) if not m.from_bot), default=-1)
        shown = [m.view() for m in stored[last_user + 1 :] if m.from_bot]
        return any(self._shows(state, message) for message in shown)

    def _shows(self, state: State, message: Any) -> bool:
        data = [b.callback_data or "" for row in message.buttons for b in row]
        if state.status == "reviewing":
            return any(d in ("S", "d") for d in data)
        if state.probing is not None:
            return f"s|{state.probing}" in data
        if state.fragments and f"d|{state.cursor}" in data:  # "Collecting...", with Done
            return True
        for event in engine.current(self.q, state).events:
            view = getattr(event, "view", None)
            if view is None:
                continue
            if any(f"|{view.key}|" in d or d.endswith(f"|{view.key}") for d in data):
                return True
            return view.text in message.text
        return False

    async def answer(self, state: State) -> None:
        key = state.cursor
        if state.status == "reviewing":
            await self.tap("S" if self._find("S") == "S" else "d")
            return
        if state.probing is not None:
            await self.tap(f"s|{state.probing}")
            return
        assert key is not None
        qid, _item = split_key(key)
        question = self.q.question(qid)
        kind = question.kind
        if kind == "single":
            choice = question.choice_ids[0]
            self.intended[key] = choice
            await self.tap(f"a|{key}|{choice}")
        elif kind == "yesno":
            self.intended[key] = True
            await self.tap(f"a|{key}|yes")
        elif kind == "scale":
            self.intended[key] = 3
            await self.tap(f"a|{key}|3")
        elif kind == "multi":
            picks = list(question.choice_ids[:2])
            taps = [self.tap_content(f"t|{key}|{p}") for p in picks if p not in state.pending]
            if self.concurrent_taps:  # two quick taps, each handled by whichever instance
                await asyncio.gather(*(self._deliver(t) for t in taps))
            else:
                for content in taps:
                    await self._deliver(content)
            self.intended[key] = picks
            await self.tap(f"d|{key}")
        elif kind == "country":
            await self.send("Estonia")  # an exact name is the answer: no confirmation to tap
            self.intended[key] = "EE"  # (lost on the way, the next round asks and sends again)
        elif kind == "number":
            low = question.minimum if question.minimum is not None else 0
            high = question.maximum if question.maximum is not None else low + 10
            value = (low + high) // 2
            self.intended[key] = value
            await self.send(str(value))
        elif question.collect and state.fragments:
            await self.send("/done")  # the text is in; finish it (as the question says)
        else:
            text = free_text(self.user_id, key)
            self.intended[key] = text
            await self.send(text)


def _text_content(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return content


@dataclass
class Comparison:
    """Each intended (question, value) against the stored rows: the checks of every
    reliability test. `exact` counts answers stored once, as meant."""

    intended: int = 0
    exact: int = 0
    missing: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    different: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [
            *(f"{key}: meant but not stored" for key in self.missing),
            *self.doubled,
            *self.different,
            *self.unexpected,
        ]

    def __add__(self, other: Comparison) -> Comparison:
        return Comparison(
            self.intended + other.intended,
            self.exact + other.exact,
            self.missing + other.missing,
            self.doubled + other.doubled,
            self.different + other.different,
            self.unexpected + other.unexpected,
        )


def _doubles(stored: Any, meant: Any) -> bool:
    """A value that holds the meant one twice (a text or a pick applied twice)."""
    if isinstance(meant, str) and isinstance(stored, str) and meant:
        return stored.count(meant) >= 2
    if isinstance(meant, list) and isinstance(stored, list):
        return len(stored) > len(set(map(repr, stored))) or stored == meant + meant
    return False


def compare(
    stored: Iterable[tuple[str, Any]] | Mapping[str, Any], intended: Mapping[str, Any]
) -> Comparison:
    """Compare every intended (question, value) with the stored (question, value) rows:
    missing, stored twice (two rows, or the value doubled), different; and anything stored
    that was never answered (a nudge above all). A skipped question is stored as None."""
    rows = list(stored.items()) if isinstance(stored, Mapping) else list(stored)
    by_key: dict[str, list[Any]] = {}
    for key, value in rows:
        by_key.setdefault(key, []).append(value)
    result = Comparison(intended=len(intended))
    for key, meant in intended.items():
        values = by_key.get(key, [])
        if not values:
            result.missing.append(key)
        elif len(values) > 1:
            result.doubled.append(f"{key}: stored {len(values)} times: {values!r}")
        elif _doubles(values[0], meant):
            result.doubled.append(f"{key}: stored doubled {values[0]!r}, meant {meant!r}")
        elif values[0] != meant:
            result.different.append(f"{key}: stored {values[0]!r}, meant {meant!r}")
        else:
            result.exact += 1
    for key, value in rows:
        if value == NUDGE or (isinstance(value, str) and NUDGE in value):
            result.unexpected.append(f"{key}: a nudge was stored as an answer")
        elif key not in intended and value is not None:
            result.unexpected.append(f"{key}: stored {value!r} but never answered")
    return result


async def stored_answers(services: Any, user_id: int) -> list[tuple[str, Any]]:
    """Every stored answer row of the respondent's interview, as (question key, value)."""
    interview = await interview_of(services, user_id)
    if interview is None:
        return []
    return [(a.key, a.value) for a in await InterviewStore(services.db).answers(interview.id)]


async def check_respondents(services: Any, people: Iterable[Respondent]) -> Comparison:
    """Compare every respondent's intended answers with the database; the summed result."""
    total = Comparison()
    for person in people:
        found = compare(await stored_answers(services, person.user_id), person.intended)
        found.missing[:] = [f"{person.user_id} {k}" for k in found.missing]
        for name in ("doubled", "different", "unexpected"):
            items = getattr(found, name)
            items[:] = [f"{person.user_id} {p}" for p in items]
        total = total + found
    return total


def check_stored(
    stored: Iterable[tuple[str, Any]] | Mapping[str, Any], respondent: Respondent
) -> list[str]:
    """Every answer the respondent meant is stored once as meant; nothing else was stored."""
    return compare(stored, respondent.intended).problems


__all__ = [
    "NUDGE",
    "Answer",
    "Comparison",
    "Respondent",
    "answers_of",
    "check_respondents",
    "check_stored",
    "compare",
    "interview_of",
    "stored_answers",
]
