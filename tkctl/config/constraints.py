"""Checks of availability constraints and time zones that a JSON Schema cannot express.

The schema already fixes each constraint's shape (one type key, its parameters, hour and date
formats). What is left is meaning: a window must start before it ends, a date must exist
(`2024-02-30` matches the pattern), and a time zone must be in the tz database, because the
API rejects unknown zones with a 422 long after the plan looked fine.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from tkctl.config.fieldpath import FieldPath
from tkctl.config.schema import SchemaIssue, did_you_mean

_HHMM = re.compile(r"^(\d{2}):(\d{2})$")


@lru_cache(maxsize=4096)
def is_timezone(name: str) -> bool:
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@lru_cache(maxsize=1)
def _all_timezones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def timezone_issues(value: Any, path: FieldPath) -> list[SchemaIssue]:
    """A problem if `value` is a string that is not an IANA zone (other types: the schema's job)."""
    if not isinstance(value, str) or is_timezone(value):
        return []
    message = f'"{value}" is not an IANA time zone (such as Europe/Copenhagen)'
    guess = did_you_mean(value, _all_timezones())
    if guess:
        message += f'; did you mean "{guess}"?'
    return [(path, message)]


def _minutes(hour: Any) -> int | None:
    if isinstance(hour, int) and not isinstance(hour, bool) and 0 <= hour <= 24:
        return hour * 60
    if isinstance(hour, str):
        match = _HHMM.match(hour)
        if match:
            return int(match.group(1)) * 60 + int(match.group(2))
    return None


def _instant(value: Any) -> datetime | None | str:
    """A comparable datetime, None for a shape the schema rejects, or an error string."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return "is not a real date or time" if re.match(r"^\d{4}-\d{2}-\d{2}", value) else None
    if len(value) == 10:  # a date means midnight at the start of that day (timekit-api.md §10.3)
        return parsed.replace(tzinfo=timezone.utc)
    return parsed if parsed.tzinfo else None


def constraint_issues(constraints: Any, path: FieldPath) -> list[SchemaIssue]:
    """start < end for every hours / day-and-time / period window; real calendar dates."""
    if not isinstance(constraints, list):
        return []
    out: list[SchemaIssue] = []
    for index, constraint in enumerate(constraints):
        if not isinstance(constraint, dict) or len(constraint) != 1:
            continue
        ((kind, params),) = constraint.items()
        if not isinstance(params, dict) or not isinstance(kind, str):
            continue
        where = (*path, index, kind)
        if kind.endswith(("_hours", "_day_and_time")):
            start, end = _minutes(params.get("start")), _minutes(params.get("end"))
            if start is not None and end is not None and start >= end:
                out.append(
                    (
                        (*where, "end"),
                        f"must be later than start ({_show(params['start'])} to {_show(params['end'])}); "
                        "a window cannot cross midnight, split it in two",
                    )
                )
        elif kind.endswith("_period"):
            bounds = {}
            for name in ("start", "end"):
                parsed = _instant(params.get(name))
                if isinstance(parsed, str):
                    out.append(((*where, name), f'{_show(params[name])} {parsed}'))
                else:
                    bounds[name] = parsed
            start, end = bounds.get("start"), bounds.get("end")
            if start is not None and end is not None and start >= end:
                out.append(
                    (
                        (*where, "end"),
                        f"must be later than start ({_show(params['start'])} to {_show(params['end'])}); "
                        "a date as end means midnight at the start of that day",
                    )
                )
    return out


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)
