"""Naming a place inside a config file the way users read it: `project "consult"` + `resources[1]`.

Every problem tkctl reports about the config goes through `describe`, so the object and field
are always spelled the same way whichever check found the problem.
"""

from __future__ import annotations

import json
import re

from tkctl.core.model import KIND_OF_SECTION

FieldPath = tuple[str | int, ...]

_PLAIN = re.compile(r"^[A-Za-z0-9_-]+$")


def format_path(path: FieldPath) -> str:
    """`("availability_constraints", 0, "allow_hours", "start")` -> `availability_constraints[0].allow_hours.start`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def object_name(kind: str, key: str) -> str:
    return f'{kind} "{key}"'


def describe(path: FieldPath) -> tuple[str | None, str | None]:
    """(object, field) for a path from the root of an object file."""
    if len(path) >= 2 and path[0] in KIND_OF_SECTION and isinstance(path[1], str):
        return object_name(KIND_OF_SECTION[path[0]], path[1]), format_path(path[2:]) or None
    if len(path) >= 2 and path[0] == "tests" and isinstance(path[1], str):
        return object_name("test", path[1]), format_path(path[2:]) or None
    return None, format_path(path) or None
