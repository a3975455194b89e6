"""The CSV export reads answer values as their stored JSON text and decodes most of them
without a parser (bot.exports.json_value): it must give exactly what json.loads gives."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bot.exports import json_value

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(VALUES, st.booleans())
def test_decodes_like_json_loads(value: object, ascii_only: bool) -> None:
    stored = json.dumps(value, ensure_ascii=ascii_only)
    decoded = json_value(stored)
    assert decoded == json.loads(stored)
    assert type(decoded) is type(json.loads(stored))


def test_the_awkward_ones() -> None:
    for stored in ['"a\\"b"', '"\\u0175yr"', '"ŵyr"', '"="', '""', '"\\\\"', "12", "-3", "1.5",
                   "1e3", "true", "false", "null", '["x", "y"]', "[]"]:  # fmt: skip
        assert json_value(stored) == json.loads(stored), stored
    assert json_value(None) is None
