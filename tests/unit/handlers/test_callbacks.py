"""The table of button kinds (handlers/callbacks.py) and its routing (handlers.BUTTONS).

Routing is checked through PTB's own matching: `handlers.register` on a real Application,
then the first group-0 handler whose `check_update` takes a callback query with the data.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import CallbackQuery, Update, User
from telegram.ext import ApplicationBuilder, BaseHandler, CallbackQueryHandler

import handlers
from handlers import callbacks, respondent
from handlers.callbacks import KINDS, Kind

INTERVIEW = "0f8e2b4c-5d1a-4e7b-9c3d-2a6f8b1e4d70"  # an interview id as storage makes them

#: values each kind is packed with below, one per field
SAMPLES: dict[str, tuple[str, ...]] = {
    "language": ("cy", "lead-1234"),
    "agree": ("en", "lead-1234"),
    "decline": ("cy",),
    "notice": ("cy", "lead-1234"),
    "quote": ("anonymised",),
    "resume": (),
    "restart": (),
    "choice": ("unit_size", "11_50"),
    "toggle": ("services", "digital_skills"),
    "done": ("services",),
    "skip": ("why",),
    "back": ("why",),
    "change": ("why",),
    "submit": (),
    "withdraw": (),
    "erase": ("withdraw",),
    "keep": (),
    "credit": (),
    "carry_on": (INTERVIEW,),
    "later": (INTERVIEW,),
    "stop": (),
}

#: callback_data as the bot has always written it (messages on respondents' phones carry
#: these): the kind it must still reach, and the values it must still read as
OLD_DATA: list[tuple[str, str, dict[str, str]]] = [
    ("L|cy", "language", {"lang": "cy"}),
    ("L|en|lead-42", "language", {"lang": "en", "source": "lead-42"}),
    ("C|y|cy", "agree", {"lang": "cy"}),
    ("C|y|en|campaign_2026", "agree", {"lang": "en", "source": "campaign_2026"}),
    ("C|n|en", "decline", {"lang": "en"}),
    ("C|f|cy", "notice", {"lang": "cy"}),
    ("C|f|en|lead-42", "notice", {"lang": "en", "source": "lead-42"}),
    ("Q|a", "quote", {"level": "attributable"}),
    ("Q|n", "quote", {"level": "anonymised"}),
    ("Q|b", "quote", {"level": "background"}),
    ("R|resume", "resume", {}),
    ("R|restart", "restart", {}),
    ("a|unit_size|11_50", "choice", {"key": "unit_size", "choice": "11_50"}),
    ("a|country|GB", "choice", {"key": "country", "choice": "GB"}),
    ("a|team#2.role|lead", "choice", {"key": "team#2.role", "choice": "lead"}),
    ("t|services|digital_skills", "toggle", {"key": "services", "choice": "digital_skills"}),
    ("d|services", "done", {"key": "services"}),
    ("d", "done", {}),
    ("s|why", "skip", {"key": "why"}),
    ("b|why", "back", {"key": "why"}),
    ("e|why", "change", {"key": "why"}),
    ("S", "submit", {}),
    ("P|w", "withdraw", {}),
    ("P|d|d", "erase", {"why": "delete"}),
    ("P|d|w", "erase", {"why": "withdraw"}),
    ("P|k", "keep", {}),
    ("K|c", "credit", {}),
    (f"M|c|{INTERVIEW}", "carry_on", {"interview": INTERVIEW}),
    (f"M|l|{INTERVIEW}", "later", {"interview": INTERVIEW}),
    ("M|s", "stop", {}),
]

#: data no kind packs: the catch-all takes it (it re-asks the current question)
UNKNOWN = ["v", "x|y", "a|only_a_key", "Q|z", "P|d", "P|d|x", "M|c", "R|again", "SS", "d|a|b"]


def _kind(name: str) -> Kind:
    return next(kind for kind in KINDS if kind.name == name)


@pytest.fixture(scope="module")
def routes() -> list[BaseHandler[Update, object, object]]:
    app = ApplicationBuilder().token("123456:TEST").build()
    handlers.register(app)
    return [h for h in app.handlers[0] if isinstance(h, CallbackQueryHandler)]


def _route(routes: list[BaseHandler[Update, object, object]], data: str) -> object:
    query = CallbackQuery(id="1", from_user=User(1, "Ann", False), chat_instance="c", data=data)
    update = Update(update_id=1, callback_query=query)
    matched = next(h for h in routes if h.check_update(update))
    return matched.callback


def test_every_kind_has_a_sample_and_unique_names_and_prefixes() -> None:
    assert sorted(SAMPLES) == sorted(kind.name for kind in KINDS)
    assert len({kind.name for kind in KINDS}) == len(KINDS)
    assert len({kind.prefix for kind in KINDS}) == len(KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_pack_and_parse_round_trip(kind: Kind) -> None:
    values = SAMPLES[kind.name]
    data = kind.pack(*values)
    parsed = callbacks.parse(data)
    assert parsed is not None and parsed.kind is kind
    assert dict(parsed.values) == {f.name: v for f, v in zip(kind.fields, values, strict=False)}
    assert kind.pattern.match(data)
    assert [other.name for other in KINDS if other.pattern.match(data)] == [kind.name]


def test_every_kind_is_routed_once_to_its_handler() -> None:
    routed = [kind for kind, _ in handlers.BUTTONS]
    assert sorted(kind.name for kind in routed) == sorted(kind.name for kind in KINDS)
    assert len(routed) == len(set(routed))


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_ptb_routes_each_kind_to_the_handler_of_the_table(routes, kind: Kind) -> None:
    callback = _route(routes, kind.pack(*SAMPLES[kind.name]))
    assert getattr(callback, "__name__", "") == f"on_tap[{kind.name}]"


@pytest.mark.parametrize(("data", "name", "values"), OLD_DATA, ids=[d for d, _, _ in OLD_DATA])
def test_old_data_still_reaches_the_same_kind(routes, data: str, name: str, values: dict) -> None:
    parsed = callbacks.parse(data)
    assert parsed is not None
    assert parsed.kind.name == name
    assert dict(parsed.values) == values
    assert getattr(_route(routes, data), "__name__", "") == f"on_tap[{name}]"
    # and what the bot packs today for the same values is the same string
    kind = _kind(name)
    assert kind.pack(*(values.get(f.name) for f in kind.fields)) == data


@pytest.mark.parametrize("data", UNKNOWN)
def test_data_no_kind_packs_goes_to_the_catch_all(routes, data: str) -> None:
    assert callbacks.parse(data) is None
    assert _route(routes, data) is respondent.on_unknown_button


def test_pack_refuses_more_than_64_bytes() -> None:
    with pytest.raises(ValueError, match="bytes"):
        callbacks.CHOICE.pack("k" * 40, "c" * 30)
    with pytest.raises(ValueError, match="bytes"):
        callbacks.TOGGLE.pack("ключ" * 8, "c")  # 64 bytes of Cyrillic key, and more
    assert len(callbacks.CHOICE.pack("k" * 40, "c" * 21).encode()) == 64


def test_a_source_that_does_not_fit_is_left_out_and_an_empty_one_never_packed() -> None:
    source = "s" * 64
    assert callbacks.LANGUAGE.pack("cy", source) == "L|cy"
    assert callbacks.AGREE.pack("en", source) == "C|y|en"
    assert callbacks.AGREE.pack("en", "s" * 57) == "C|y|en|" + "s" * 57  # exactly 64
    assert callbacks.LANGUAGE.pack("cy", "") == "L|cy"
    assert callbacks.LANGUAGE.pack("cy", None) == "L|cy"


def test_pack_refuses_what_a_kind_cannot_carry() -> None:
    with pytest.raises(ValueError):
        callbacks.CHOICE.pack("only_a_key")
    with pytest.raises(ValueError):
        callbacks.QUOTE.pack("loud")  # not a level
    with pytest.raises(ValueError):
        callbacks.SUBMIT.pack("extra")


def test_a_reminder_for_any_interview_fits() -> None:
    assert len(callbacks.CARRY_ON.pack(INTERVIEW).encode()) <= callbacks.MAX_BYTES


_part = st.text(st.characters(blacklist_characters="|", blacklist_categories=("Cs",)), max_size=40)


@given(key=_part, choice=_part)
def test_any_choice_packs_within_64_bytes_and_parses_back_or_is_refused(
    key: str, choice: str
) -> None:
    try:
        data = callbacks.CHOICE.pack(key, choice)
    except ValueError:
        assert len(f"a|{key}|{choice}".encode()) > callbacks.MAX_BYTES
        return
    assert 1 <= len(data.encode()) <= callbacks.MAX_BYTES
    parsed = callbacks.parse(data)
    assert parsed is not None and parsed.kind is callbacks.CHOICE
    assert (parsed["key"], parsed["choice"]) == (key, choice)
