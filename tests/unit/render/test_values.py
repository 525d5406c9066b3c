"""tkctl/render/values.py: `safe` skips its regex for printable text and still escapes exactly
what it escaped before, whatever the text."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl.render.values import _UNSAFE, _escape, safe


def _before(text: str) -> str:
    return _UNSAFE.sub(_escape, text)


@settings(max_examples=500, derandomize=True, database=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=12)
       | st.text(alphabet=st.sampled_from(list("ab \x00\x1b\x7f\x85\x9f\u00ad\u061c\u200b\u200e\u2028\u202e\u2066é😀")),
                 max_size=12))
def test_safe_escapes_exactly_as_the_regex_alone(text):
    assert safe(text) == _before(text)


def test_every_character_the_regex_escapes_is_one_isprintable_refuses():
    """Why the shortcut holds: a printable text holds none of them."""
    matched = [chr(c) for c in range(0x110000) if _UNSAFE.match(chr(c))]
    assert matched and not any(ch.isprintable() for ch in matched)
    assert safe("\u202eevil") == "\\u202eevil" and unicodedata.category("\u202e") == "Cf"
