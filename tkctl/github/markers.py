"""The hidden first line of every Markdown plan and drift report, and finding a body by it.

The renderer writes `<!-- tkctl:plan dir=<config folder> env=<environment> -->` (`tkctl:drift`
for drift reports) as the first line. A comment or issue is tkctl's own when its body starts
with exactly that line: a person quoting the plan (`> <!-- ...`) or another folder's plan never
matches, so each config folder and environment keeps its own single comment or issue.
"""

from __future__ import annotations

import re
from typing import Any, Iterable
from urllib.parse import unquote

_MARKER = re.compile(r"^<!-- tkctl:(?P<kind>plan|drift) dir=(?P<dir>\S+) env=(?P<env>\S+) -->$")


def first_line(body: str) -> str:
    return body.split("\n", 1)[0].rstrip("\r")


def marker_of(body: str) -> str | None:
    """The tkctl marker the body starts with, or None."""
    line = first_line(body)
    return line if _MARKER.match(line) else None


def describe(marker: str) -> tuple[str, str, str]:
    """(kind, config folder, environment) of a marker, decoded for people to read."""
    match = _MARKER.match(marker)
    if match is None:
        raise ValueError(f"not a tkctl marker: {marker!r}")
    return match["kind"], unquote(match["dir"]), unquote(match["env"])


def find(items: Iterable[dict[str, Any]], marker: str) -> dict[str, Any] | None:
    """The first (oldest) comment or issue whose body starts with `marker`."""
    for item in items:
        body = item.get("body")
        if isinstance(body, str) and first_line(body) == marker:
            return item
    return None
