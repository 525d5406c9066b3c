"""How plan values and names are turned into text that cannot garble a terminal or a table.

Values are shown JSON-encoded, so `9` and `"9"`, `null` and `"null"` stay distinct and a
string with a newline stays on one line. JSON leaves a few characters raw that a terminal or
a browser would act on (DEL, C1 controls such as CSI, line separators, bidi overrides); they
are escaped here too, so a value can never recolour, move the cursor or reorder the text
around it.
"""

from __future__ import annotations

import json
import re
from typing import Any

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe(text: str) -> str:
    """A name or message with every control character written as a `\\uXXXX` escape."""
    # Every character _UNSAFE matches is one `isprintable` refuses: a printable text (nearly
    # all of them) is returned as it is without a regex pass.
    return text if text.isprintable() else _UNSAFE.sub(_escape, text)


def encode(value: Any) -> str:
    """A value as one line of JSON, unicode kept readable, controls escaped."""
    return safe(json.dumps(value, ensure_ascii=False))


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, saying how long the whole was when cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} chars)"
