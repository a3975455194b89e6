"""Fault injection: make the emulator fail the way Telegram and networks fail, on demand.

Reliability tests need 429s, 5xx, timeouts and dropped connections at chosen moments (``inject``) or
at a random share of requests (``rate``, seeded so a failing run can be replayed).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

#: kinds understood by the emulator besides plain HTTP status codes ("429", "500", ...)
TIMEOUT = "timeout"  # hang longer than the client's read timeout; the request has no effect
TIMEOUT_AFTER = "timeout_after"  # perform the request, then hang (a delivered-but-timed-out send)
DROP = "drop"  # close the connection without any response
DROP_AFTER = "drop_after"  # perform the request, then close the connection without answering
GARBLED = "garbled"  # perform the request, then answer 200 with a body that is not JSON


@dataclass
class Fault:
    """What to do instead of (or after) answering one request."""

    kind: str  # an HTTP status as text, or TIMEOUT / TIMEOUT_AFTER / DROP / DROP_AFTER
    retry_after: int | None = None
    description: str | None = None

    @property
    def status(self) -> int | None:
        return int(self.kind) if self.kind.isdigit() else None


@dataclass
class _Rule:
    method: str | None
    fault: Fault
    times: int | None  # None = forever
    chat_id: int | str | None = None  # None = any chat
    share: float = 1.0  # the share of matching calls it fails (drawn from the seeded random)


@dataclass
class FaultInjector:
    """Holds injected faults; the emulator asks ``take(method)`` before handling each request."""

    timeout_seconds: float = 30.0
    rules: list[_Rule] = field(default_factory=list)
    injected: list[tuple[str, str]] = field(default_factory=list)  # (method, kind) actually used
    _rate: float = 0.0
    _kinds: list[str] = field(default_factory=list)
    _methods: set[str] | None = None
    _random: random.Random = field(default_factory=random.Random)

    def inject(
        self,
        method: str | None = None,
        *,
        status: int | None = None,
        kind: str | None = None,
        retry_after: int | None = None,
        description: str | None = None,
        times: int | None = 1,
        chat_id: int | str | None = None,
        share: float = 1.0,
    ) -> None:
        """Fail the next ``times`` calls of ``method`` (None: any), to ``chat_id`` (None: any
        chat), with a status or kind; with ``share`` < 1, only that share of them (at random,
        seeded by ``rate``), before ``rate``'s own faults are considered."""
        chosen = kind or str(status or 500)
        if retry_after is not None and chosen == "500":
            chosen = "429"
        rule = _Rule(method, Fault(chosen, retry_after, description), times, chat_id, share)
        self.rules.append(rule)

    def rate(
        self,
        share: float,
        kinds: list[str] | None = None,
        *,
        seed: int | None = None,
        methods: list[str] | None = None,
    ) -> None:
        """Fail a random ``share`` of calls (optionally only ``methods``) with one of ``kinds``."""
        self._rate = share
        self._kinds = list(kinds or ["429", "500", TIMEOUT, DROP])
        self._methods = set(methods) if methods else None
        self._random = random.Random(seed)

    def clear(self) -> None:
        self.rules.clear()
        self._rate = 0.0

    def take(self, method: str, chat_id: int | str | None = None) -> Fault | None:
        """The fault to apply to this call, consuming one use of a matching rule."""
        for rule in self.rules:
            if rule.method in (None, method) and rule.chat_id in (None, chat_id):
                if rule.share < 1.0 and self._random.random() >= rule.share:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.rules.remove(rule)
                self.injected.append((method, rule.fault.kind))
                return rule.fault
        wanted = self._methods is None or method in self._methods
        if self._rate and wanted and self._random.random() < self._rate:
            kind = self._random.choice(self._kinds)
            self.injected.append((method, kind))
            return Fault(kind, retry_after=1 if kind == "429" else None)
        return None
