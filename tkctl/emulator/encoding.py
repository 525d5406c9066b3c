"""The JSON of every /v2 answer, and values serialised once and embedded as they are.

A list page is large (a page of 1,000 projects with their member resources embedded is
10-30 MB), and the stdlib encoder made the emulator a bottleneck of `tkctl plan` at scale.
orjson encodes the same values, in the same key order, many times faster. It refuses what the
stdlib accepts (integers beyond 64 bits, strings holding a lone surrogate, non-string keys): those
answers take the stdlib path. Neither path writes NaN or Infinity, which are not JSON (orjson
writes null; the stdlib path is given null for them), and non-ASCII text is UTF-8 on the orjson
path, \\u escapes on the other: the same values either way.

`Encoded` holds an object's JSON made once, so an object that appears many times (a resource
in every project it belongs to, on every page read until it changes) is encoded once.
"""

from __future__ import annotations

import json
import math

import orjson


class Encoded:
    """A value already serialised by `dumps`: `dumps` copies its bytes in, never re-encodes it."""

    __slots__ = ("raw", "fragment")

    def __init__(self, value: object):
        self.raw = dumps(value)
        self.fragment = orjson.Fragment(self.raw)


def _embed(value: object) -> orjson.Fragment:
    if isinstance(value, Encoded):
        return value.fragment
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def _plain(value: object) -> object:
    """`value` for the stdlib encoder: Encoded values decoded, non-finite floats null."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Encoded):
        return json.loads(value.raw)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(value: object) -> bytes:
    """Compact JSON of `value` (the stdlib's `separators=(",", ":")` form, keys in dict order)."""
    try:
        return orjson.dumps(value, default=_embed)
    except orjson.JSONEncodeError:
        return json.dumps(_plain(value), separators=(",", ":")).encode("ascii")
