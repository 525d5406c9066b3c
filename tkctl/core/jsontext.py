"""One JSON encoder's text, at the speed of its C core: `quick(encoder)`.

`JSONEncoder.encode` builds a new C encoder (`json.encoder.c_make_encoder`) on every call for
a list or dict, with the same arguments each time. A plan encodes tens of thousands of small
values (every field of every object, for its digest; every item of set-like lists, to sort
them), so building it once is a large share of their cost.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any, Callable

# Values whose text a C encoder built here must give exactly as `encoder.encode` does.
_PROBES = ([{"b": [1, 2.5, None, True, False], "a": "\u00e9\"\n\u2028", "c": {}, "d": [[]]}],
           {"x": 1e-05, "y": 10 ** 20, "z": -0.0}, 7, 1e300, None, True, [])


def quick(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """A function giving `encoder.encode(value)`, byte for byte, with the C encoder made once.

    Its one difference from what `encode` builds per call, no `markers` (the check for a
    value that contains itself), changes no output: such a value recurses until
    RecursionError, and `encoder.encode` is then asked, which raises what it always did.
    Strings take `encode`'s own fast path. Where this Python's json has no C encoder, or the
    one made here encodes a probe differently, it is `encoder.encode` itself."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    try:
        c_encode = make(None, encoder.default, encode_basestring_ascii if encoder.ensure_ascii else encode_basestring,
                        encoder.indent, encoder.key_separator, encoder.item_separator, encoder.sort_keys,
                        encoder.skipkeys, encoder.allow_nan)
        if any("".join(c_encode(probe, 0)) != encoder.encode(probe) for probe in _PROBES):
            return encoder.encode
    except Exception:  # noqa: BLE001 (any failure: this Python's json differs; use the public path)
        return encoder.encode
    public = encoder.encode

    def encode(value: Any) -> str:
        if type(value) is str:
            return public(value)
        try:
            return "".join(c_encode(value, 0))
        except RecursionError:
            return public(value)

    return encode
