"""Every kind of inline button the bot sends: its name, and how its callback_data is packed,
matched and parsed. `handlers.BUTTONS` (handlers/__init__.py) says which handler each kind
goes to; `handlers.register` gives PTB one `CallbackQueryHandler(pattern=kind.pattern)` each.

The wire format is a contract with the phones: a message sent months ago still carries its
buttons' data, so a kind's `prefix`, its fields' order and their codes never change (a new
meaning is a new kind). Data is "|"-joined: the prefix, then one part per field; a field with
`codes` (a closed set) travels as a short code. At most 64 bytes (Telegram's limit): `pack`
refuses more, and drops a `droppable` field (the deep-link source) rather than fail.

A kind's `pattern` matches only well-formed data of that kind; anything else (a malformed or
unknown tap) goes to the catch-all, `handlers.respondent.on_unknown_button`.

    language     L|<lang>[|<source>]      a language prompt's button (before consent)
    agree        C|y|<lang>[|<source>]    the privacy notice's "I agree"
    decline      C|n|<lang>               ... and its "No thanks"
    notice       C|f|<lang>[|<source>]    ... and "Read the full privacy notice"
    quote        Q|<a|n|b>                how their words may be used
    resume       R|resume                 /start with an interview in progress
    restart      R|restart                ... or after one: start again
    choice       a|<key>|<choice>         a single, yes/no, scale or country answer
    toggle       t|<key>|<choice>         a multi-select's tick
    done         d[|<key>]                Done, Keep (with a key); review's "carry on" (without)
    skip         s|<key>                  Skip
    back         b|<key>                  Back
    change       e|<key>                  review's "Change n"
    submit       S                        review's Submit
    withdraw     P|w                      /consent's "withdraw" (asks first)
    erase        P|d|<d|w>                confirmed: erase (for /delete, or withdrawing)
    keep         P|k                      ... or keep everything
    credit       K|c                      /consent's "change the name to credit"
    carry_on     M|c|<interview>          a reminder's "carry on"
    later        M|l|<interview>          ... "remind me later"
    stop         M|s                      ... "no more reminders"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

SEP = "|"
MAX_BYTES = 64  # Telegram's limit on callback_data, in UTF-8 bytes


@dataclass(frozen=True)
class Field:
    """One value a button carries. `codes` maps a closed set of values to their wire codes;
    an `optional` field may be absent (the last fields only); a `droppable` one is also left
    out when the data would not fit in 64 bytes."""

    name: str
    codes: Mapping[str, str] | None = None
    optional: bool = False
    droppable: bool = False

    def encode(self, value: str) -> str:
        if self.codes is None:
            return value
        if value not in self.codes:
            raise ValueError(f"{self.name}: {value!r} has no code")
        return self.codes[value]

    def decode(self, part: str) -> str | None:
        if self.codes is None:
            return part
        return next((value for value, code in self.codes.items() if code == part), None)

    @property
    def regex(self) -> str:
        if self.codes is None:
            return r"[^|]*"
        return "(?:" + "|".join(re.escape(code) for code in self.codes.values()) + ")"


@dataclass(frozen=True, eq=False)  # each kind is one object: compared and hashed by identity
class Kind:
    """One kind of button: its name, the prefix its data starts with, the values it carries."""

    name: str
    prefix: str
    fields: tuple[Field, ...] = ()
    pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        regex = re.escape(self.prefix)
        for part in self.fields:
            piece = re.escape(SEP) + part.regex
            regex += f"(?:{piece})?" if part.optional else piece
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    def pack(self, *values: str | None) -> str:
        """callback_data carrying `values` (one per field, in order; None or left out for an
        optional field). An optional field that does not fit in 64 bytes is left out; anything
        else Telegram would refuse raises ValueError."""
        if len(values) > len(self.fields):
            raise ValueError(f"{self.name}: {len(values)} values for {len(self.fields)} fields")
        parts = [self.prefix]
        droppable: list[str] = []
        for part, value in zip(self.fields, (*values, *[None] * len(self.fields)), strict=False):
            if value is None or (part.droppable and not value):
                if not part.optional:
                    raise ValueError(f"{self.name}: {part.name} is required")
                break
            (droppable if part.droppable else parts).append(part.encode(value))
        while droppable and not _fits(SEP.join([*parts, *droppable])):
            droppable.pop()  # the deep-link source, say: the button matters more
        data = SEP.join([*parts, *droppable])
        if not _fits(data):
            raise ValueError(f"callback_data of {len(data.encode())} bytes: {data[:20]}…")
        return data

    def parse(self, data: str | None) -> Data | None:
        """The values of data of this kind; None when it is not (well-formed) of this kind."""
        if data is None or not self.pattern.match(data):
            return None
        rest = data[len(self.prefix) + 1 :].split(SEP) if len(data) > len(self.prefix) else []
        values: dict[str, str] = {}
        for part, raw in zip(self.fields, rest, strict=False):
            value = part.decode(raw)
            if value is None:
                return None
            values[part.name] = value
        return Data(self, values)


@dataclass(frozen=True)
class Data:
    """A tapped button: its kind and the values it carried (by field name)."""

    kind: Kind
    values: Mapping[str, str]

    def __getitem__(self, name: str) -> str:
        """A value the button carries ("" when an optional field was left out)."""
        return self.values.get(name, "")

    def get(self, name: str) -> str | None:
        return self.values.get(name)


def _fits(data: str) -> bool:
    return 1 <= len(data.encode("utf-8")) <= MAX_BYTES


_LEVELS = {"attributable": "a", "anonymised": "n", "background": "b"}

LANGUAGE = Kind("language", "L", (Field("lang"), Field("source", optional=True, droppable=True)))
AGREE = Kind("agree", "C|y", (Field("lang"), Field("source", optional=True, droppable=True)))
DECLINE = Kind("decline", "C|n", (Field("lang"),))
NOTICE = Kind("notice", "C|f", (Field("lang"), Field("source", optional=True, droppable=True)))
QUOTE = Kind("quote", "Q", (Field("level", codes=_LEVELS),))
RESUME = Kind("resume", "R|resume")
RESTART = Kind("restart", "R|restart")
CHOICE = Kind("choice", "a", (Field("key"), Field("choice")))
TOGGLE = Kind("toggle", "t", (Field("key"), Field("choice")))
DONE = Kind("done", "d", (Field("key", optional=True),))
SKIP = Kind("skip", "s", (Field("key"),))
BACK = Kind("back", "b", (Field("key"),))
CHANGE = Kind("change", "e", (Field("key"),))
SUBMIT = Kind("submit", "S")
WITHDRAW = Kind("withdraw", "P|w")
ERASE = Kind("erase", "P|d", (Field("why", codes={"delete": "d", "withdraw": "w"}),))
KEEP = Kind("keep", "P|k")
CREDIT = Kind("credit", "K|c")
CARRY_ON = Kind("carry_on", "M|c", (Field("interview"),))
LATER = Kind("later", "M|l", (Field("interview"),))
STOP = Kind("stop", "M|s")

KINDS: tuple[Kind, ...] = (
    LANGUAGE,
    AGREE,
    DECLINE,
    NOTICE,
    QUOTE,
    RESUME,
    RESTART,
    CHOICE,
    TOGGLE,
    DONE,
    SKIP,
    BACK,
    CHANGE,
    SUBMIT,
    WITHDRAW,
    ERASE,
    KEEP,
    CREDIT,
    CARRY_ON,
    LATER,
    STOP,
)

#: the buttons of one question (they name it): what a tap on an older question's copy is
#: checked against (handlers.keyboards.stale)
QUESTION = (CHOICE, TOGGLE, DONE, SKIP, BACK)
#: the buttons of the review summary: Change and Submit (and DONE without a key, carry on)
REVIEW = (CHANGE, SUBMIT)


def parse(data: str | None) -> Data | None:
    """A tapped button's kind and values; None for data no kind of ours packs."""
    for kind in KINDS:
        parsed = kind.parse(data)
        if parsed is not None:
            return parsed
    return None
