"""Checks of a project's `availability` settings that a JSON Schema cannot express.

`length` and `buffer` are durations, `from` and `to` durations from now or absolute dates
(timekit-api.md §11). The schema's pattern tells an editor which strings are durations; here
a string that is not one gets the reason and the spelling that was probably meant
("20 minutez" -> "20 minutes"), and the values are checked against each other: Timekit
searches at most 6 months ahead, and a window whose start is not before its end finds nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tkctl.config.constraints import parse_instant, timezone_issues
from tkctl.config.fieldpath import FieldPath
from tkctl.config.schema import SchemaIssue, describe_value
from tkctl.core.durations import Duration, DurationError, parse_duration

# Timekit's limit for `to` (timekit-api.md §11). Six calendar months last at most 184 days
# (July to December); only a span longer than that in every case is refused.
MAX_SEARCH_DAYS = 184
_DATE_LIKE = re.compile(r"^\s*\d{4}-")
_WINDOW_FORMS = {"from": '"now", a duration from now or a date', "to": "a duration from now or a date"}


def availability_issues(availability: Any, path: FieldPath) -> tuple[list[SchemaIssue], list[SchemaIssue]]:
    """(errors, warnings) for a project's `availability` object found at `path`."""
    errors: list[SchemaIssue] = []
    warnings: list[SchemaIssue] = []
    if not isinstance(availability, dict):
        return errors, warnings
    errors += timezone_issues(availability.get("output_timezone"), (*path, "output_timezone"))
    for name in ("length", "buffer"):
        value = availability.get(name)
        if isinstance(value, str):
            duration = _duration(value, (*path, name), errors)
            if name == "length" and duration is not None and duration.longest_seconds == 0:
                errors.append(((*path, name), f"{describe_value(value)} is no time at all; a slot must last longer than 0"))
    window: dict[str, Duration | datetime | None] = {}
    for name in ("from", "to"):
        value = availability.get(name)
        if not isinstance(value, str) or (name == "from" and value.strip() == "now"):
            continue
        if _DATE_LIKE.match(value):
            instant = parse_instant(value.strip())
            if isinstance(instant, str):
                errors.append(((*path, name), f"{describe_value(value)} {instant}"))
            window[name] = instant if isinstance(instant, datetime) else None
            continue
        window[name] = _duration(value, (*path, name), errors, _WINDOW_FORMS[name])
    to = window.get("to")
    if isinstance(to, Duration) and to.shortest_seconds > MAX_SEARCH_DAYS * 86400:
        errors.append(
            ((*path, "to"), f"{describe_value(availability['to'])} is longer than 6 months: Timekit searches for free times "
                            "at most 6 months ahead")
        )
    start = window.get("from")
    if _not_before(start, to):
        warnings.append(
            (
                (*path, "from"),
                f"{describe_value(availability['from'])} is not before to ({describe_value(availability['to'])}): the search "
                "window is empty, so the widget offers no times",
            )
        )
    return errors, warnings


def _duration(value: str, path: FieldPath, errors: list[SchemaIssue], forms: str = "a duration") -> Duration | None:
    try:
        return parse_duration(value)
    except DurationError as exc:
        hint = f'; did you mean "{exc.suggestion}"?' if exc.suggestion else ""
        errors.append((path, f"{describe_value(value)} is not {forms}: {exc.reason}{hint}"))
        return None


def _not_before(start: Any, end: Any) -> bool:
    """True when `start` is certainly not earlier than `end` (both relative, or both absolute)."""
    if isinstance(start, Duration) and isinstance(end, Duration):
        return start.shortest_seconds >= end.longest_seconds
    if isinstance(start, datetime) and isinstance(end, datetime):
        return start >= end
    return False
