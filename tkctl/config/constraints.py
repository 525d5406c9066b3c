"""Checks of availability constraints and time zones that a JSON Schema cannot express.

The schema already fixes each constraint's shape (one type key, its parameters, hour and date
formats). What is left is meaning: a window must start before it ends, a date must exist
(`2024-02-30` matches the pattern), and a time zone must be in the tz database, because the
API rejects unknown zones with a 422 long after the plan looked fine.

And one warning about what a valid list means: Timekit opens the union of a list's allow_*
windows (timekit-api.md §10.3), so `[allow_weekdays, allow_hours 9-17]` does not mean
"weekdays from 9 to 17" but "all of every weekday, and 9-17 on weekends too".
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


# Every name this process found to be a time zone: a cached config load (config/cache.py)
# holds only if they all still are, as the machine's tz database decides.
ZONES_SEEN: set[str] = set()


@lru_cache(maxsize=4096)
def is_timezone(name: str) -> bool:
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    ZONES_SEEN.add(name)
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


def parse_instant(value: Any) -> datetime | None | str:
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
                parsed = parse_instant(params.get(name))
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


_DAY_ALLOWS = ("allow_weekdays", "allow_weekends", "allow_day")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_WEEKEND = ("Saturday", "Sunday")


def constraint_warnings(constraints: Any, path: FieldPath) -> list[SchemaIssue]:
    """Day rules next to allow_hours in one list: Timekit adds them up instead of intersecting."""
    if not isinstance(constraints, list):
        return []
    day_rules: list[tuple[int, str, list[str]]] = []
    hours: list[str] = []
    blocks = False
    for index, constraint in enumerate(constraints):
        if not isinstance(constraint, dict) or len(constraint) != 1:
            continue
        ((kind, params),) = constraint.items()
        blocks = blocks or str(kind).startswith("block_")
        if kind == "allow_weekdays":
            day_rules.append((index, kind, list(_WEEKDAYS)))
        elif kind == "allow_weekends":
            day_rules.append((index, kind, list(_WEEKEND)))
        elif kind == "allow_day" and isinstance(params, dict) and isinstance(params.get("day"), str):
            day_rules.append((index, kind, [params["day"].strip().capitalize()]))
        elif kind == "allow_hours" and isinstance(params, dict):
            start, end = _minutes(params.get("start")), _minutes(params.get("end"))
            if start is not None and end is not None and start < end:
                hours.append(f"{_clock(start)}-{_clock(end)}")
    if not day_rules or not hours:
        return []
    rules = sorted({kind for _, kind, _ in day_rules}, key=_DAY_ALLOWS.index)
    days = [day for _, _, names in day_rules for day in names]
    days = sorted(set(days), key=lambda d: (_WEEKDAYS + _WEEKEND).index(d) if d in _WEEKDAYS + _WEEKEND else 7)
    day_text = _days(days)
    window = " and ".join(hours)
    if rules == ["allow_weekdays"]:
        fix = "replace allow_weekdays with block_weekends, or write one allow_day_and_time per day"
    elif rules == ["allow_weekends"]:
        fix = "replace allow_weekends with block_weekdays, or write one allow_day_and_time per day"
    else:
        first = hours[0].split("-")
        fix = (
            f"write one allow_day_and_time per day instead of {' and '.join(rules)} and allow_hours, e.g. "
            f"{{allow_day_and_time: {{day: {days[0]}, start: \"{first[0]}\", end: \"{first[1]}\"}}}}"
        )
    message = (
        f"{' and '.join(rules)} and allow_hours add up: Timekit opens every time that any allow_* rule allows, "
        f"so this list opens {day_text} around the clock and {window} on every other day"
        + (" (before its block_* rules)" if blocks else "")
        + f". To open only {window} on {day_text}, {fix}"
    )
    return [((*path, day_rules[0][0]), message)]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days(days: list[str]) -> str:
    if days == list(_WEEKDAYS):
        return "Monday to Friday"
    if days == list(_WEEKEND):
        return "Saturday and Sunday"
    return ", ".join(days[:-1]) + " and " + days[-1] if len(days) > 1 else days[0]
