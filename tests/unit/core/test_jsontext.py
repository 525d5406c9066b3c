"""core/jsontext.py: `quick(encoder)` gives `encoder.encode`'s text, or its exception, for
any value (the digests in every state file depend on that text)."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl.core import digest, normalize
from tkctl.core.jsontext import quick

ENCODERS = [digest._ENCODER, normalize._SORT_ENCODER, json.JSONEncoder()]


class Tag(str):
    """A str subclass: encoded as a string by both paths."""


scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2 ** 63, max_value=2 ** 70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text() | st.text().map(Tag)
           | st.dates() | st.just(1e-05) | st.just(-0.0))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4)
                      | st.dictionaries(st.integers(), inner, max_size=2)  # keys that are not strings
                      | st.dictionaries(st.text(max_size=2) | st.integers(), inner, max_size=3),  # mixed: unsortable
                      max_leaves=12)


def outcome(encode, value):
    try:
        return "text", encode(value)
    except Exception as exc:  # noqa: BLE001 - the same exception is part of the same behaviour
        return "raised", type(exc)


@settings(max_examples=400, deadline=None)
@given(values)
def test_quick_encodes_as_the_encoder_does(value):
    for encoder in ENCODERS:
        assert outcome(quick(encoder), value) == outcome(encoder.encode, value)


def test_a_value_that_contains_itself_is_refused_as_before():
    loop: list = []
    loop.append(loop)
    for encoder in ENCODERS:
        assert outcome(quick(encoder), loop) == outcome(encoder.encode, loop) == ("raised", ValueError)


def test_the_module_encoders_are_the_quick_ones():
    # The C path is taken on this Python (else both fall back to `encode`, correct but slow).
    assert digest.canonical_json is not digest._ENCODER.encode
    assert normalize._encode is not normalize._SORT_ENCODER.encode
    assert digest.canonical_json({"b": date(2026, 1, 2), "a": [1.5, None]}) == '{"a":[1.5,null],"b":"2026-01-02"}'
