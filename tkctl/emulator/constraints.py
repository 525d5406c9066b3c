"""Availability constraints (timekit-api.md §10.3): their shape, their 422 messages, and the
parsed `Rule`s that freetime.py turns into free time.

Validation and parsing are one function (`_parse_item`), so a value the validator accepts is
exactly a value the engine can evaluate, and nothing else. Pure: no clock, no I/O, no state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Union

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKENDS = frozenset({5, 6})
MINUTES_PER_DAY = 24 * 60

# Parameters each constraint kind takes (the part after allow_/block_), §10.3.
PARAMETERS: dict[str, tuple[str, ...]] = {
    "day_and_time": ("day", "start", "end"),
    "hours": ("start", "end"),
    "day": ("day",),
    "period": ("start", "end"),
    "weekdays": (),
    "weekends": (),
}
TYPES = tuple(f"{verb}_{kind}" for verb in ("allow", "block") for kind in PARAMETERS)

_HHMM = re.compile(r"(\d{2}):(\d{2})")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# RFC3339 date-time; offsets also without colon, as Timekit's own responses write them (§1).
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))"
)
# The PHP SDK sends periods as 'Y-m-d H:i:s' without an offset (timekit-api.md §0 PHP).
_LOCAL_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})")


# --------------------------------------------------------------------------- value parsing


def parse_timestamp(text: str) -> datetime:
    """An RFC3339 timestamp as an aware datetime; ValueError for anything else.

    Accepts `Z`, fractional seconds (more than six digits are truncated, JavaScript sends
    three) and `+0200` as well as `+02:00`: every form timekit-api.md §1 says clients send.
    """
    match = _TIMESTAMP.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not an RFC3339 timestamp")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    if zulu:
        offset = timedelta(0)
    else:
        if int(off_h) > 23 or int(off_m) > 59:
            raise ValueError(f"{text!r} has an impossible UTC offset")
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        if sign == "-":
            offset = -offset
    # datetime() itself rejects month 13, day 32, hour 24, second 60, ...
    return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro,
                    tzinfo=timezone(offset))


def parse_date(text: str) -> date:
    """A bare `YYYY-MM-DD` date; ValueError for anything else."""
    match = _DATE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a date YYYY-MM-DD")
    return date(*(int(part) for part in match.groups()))


def _parse_day(value: object) -> int | None:
    """Weekday number (Monday 0) of a day name in any case, None when it is not one."""
    if isinstance(value, str) and value.strip().lower() in DAY_NAMES:
        return DAY_NAMES.index(value.strip().lower())
    return None


def _parse_clock(value: object) -> int | None:
    """Minutes after local midnight of an hour value (9, "09:00", 24, "24:00"), or None.

    Integers are whole hours (the docs' form); strings are "HH:MM" (the PHP SDK's form). bool is
    an int subclass in Python but `true` is no hour.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * 60 if 0 <= value <= 24 else None
    if isinstance(value, str):
        match = _HHMM.fullmatch(value)
        if match is None:
            return None
        hours, minutes = int(match.group(1)), int(match.group(2))
        if minutes > 59 or hours > 24 or (hours == 24 and minutes):
            return None
        return hours * 60 + minutes
    return None


# A period bound: an absolute instant, or a local wall time resolved in the resource's zone
# (a date is its local midnight: "end": "2022-05-06" stops at 00:00 on May 6, §10.3).
PeriodBound = Union[datetime, "LocalTime"]


@dataclass(frozen=True)
class LocalTime:
    """A wall-clock time without offset; it becomes an instant only in a given timezone."""

    wall: datetime  # naive


def _parse_period_bound(value: object) -> PeriodBound | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return LocalTime(datetime.combine(parse_date(text), time()))
    except ValueError:
        pass
    try:
        return parse_timestamp(text)
    except ValueError:
        pass
    match = _LOCAL_TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    try:
        # assumed: timekit-api.md §10.3 (a timestamp without offset is wall time in the
        # resource's timezone, like a date; the PHP SDK sends this form)
        return LocalTime(datetime(*(int(part) for part in match.groups())))
    except ValueError:
        return None


def _sort_key(bound: PeriodBound) -> datetime:
    """Comparable form of a bound, so start < end can be checked without the resource's zone."""
    if isinstance(bound, LocalTime):
        # assumed: timekit-api.md §10.3 (a period mixing a date and a timestamp is ordered
        # reading the date as UTC; validation does not know the resource's timezone)
        return bound.wall.replace(tzinfo=timezone.utc)
    return bound


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """One parsed constraint: an allow or block window, weekly-recurring or a single period."""

    allow: bool
    days: frozenset[int] = frozenset()  # weekly rules: the weekdays it applies to
    start_minute: int = 0
    end_minute: int = MINUTES_PER_DAY
    period: tuple[PeriodBound, PeriodBound] | None = None


def _parse_item(item: object, key: str) -> tuple[Rule | None, dict[str, list[str]]]:
    """One list item as a Rule, or the 422 messages that say why it is not one."""
    if not isinstance(item, dict):
        return None, {key: [f"The {key} must be an object with one constraint type as its key."]}
    if len(item) != 1:
        return None, {key: [
            f"The {key} must have exactly one key, the constraint type; it has {len(item)}."
        ]}
    (ctype, params), = item.items()
    if ctype not in TYPES:
        # assumed: timekit-api.md §10.3 (unknown types, incl. the undocumented event based
        # periods, are rejected)
        return None, {key: [f"The {key} type is unknown."]}
    path = f"{key}.{ctype}"
    verb, kind = ctype.split("_", 1)
    allowed = PARAMETERS[kind]
    if not isinstance(params, dict):
        return None, {path: [f"The {path} must be an object."]}
    if not allowed:
        if params:
            return None, {path: [f"The {path} takes no parameters: send {{}}."]}
        days = WEEKDAYS if kind == "weekdays" else WEEKENDS
        return Rule(allow=verb == "allow", days=days), {}

    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(f"{path}.{name}", []).append(message.format(f"{path}.{name}"))

    for name in params:
        if name not in allowed:
            # assumed: timekit-api.md §10.3 (parameters other than the type's are rejected,
            # so that a misplaced "day" does not silently widen a window)
            fail(name, "The {} field is not allowed; " + f"{ctype} takes {', '.join(allowed)}.")
    for name in allowed:
        if name not in params or params[name] is None:
            fail(name, "The {} field is required.")

    day = None
    if "day" in allowed and params.get("day") is not None:
        day = _parse_day(params["day"])
        if day is None:
            fail("day", "The {} must be a day of the week, Monday to Sunday.")

    if kind == "period":
        bounds = {}
        for name in ("start", "end"):
            if params.get(name) is not None:
                bounds[name] = _parse_period_bound(params[name])
                if bounds[name] is None:
                    fail(name, "The {} must be a date YYYY-MM-DD or an RFC3339 timestamp.")
        if bounds.get("start") and bounds.get("end"):
            if _sort_key(bounds["end"]) <= _sort_key(bounds["start"]):
                fail("end", "The {} must be after the start.")
        if errors:
            return None, errors
        return Rule(allow=verb == "allow", period=(bounds["start"], bounds["end"])), {}

    clock = {}
    for name in ("start", "end"):
        if params.get(name) is not None:
            clock[name] = _parse_clock(params[name])
            if clock[name] is None:
                fail(name, 'The {} must be an hour 0 to 24 or a time "HH:MM" from 00:00 to 24:00.')
    if clock.get("start") is not None and clock.get("end") is not None:
        if clock["end"] <= clock["start"]:
            fail("end", "The {} must be after the start.")
    if errors:
        return None, errors
    days = ALL_DAYS if kind == "hours" else frozenset({day})
    start_minute, end_minute = (clock["start"], clock["end"]) if "start" in allowed else (
        0, MINUTES_PER_DAY)
    return Rule(allow=verb == "allow", days=days, start_minute=start_minute,
                end_minute=end_minute), {}


def validate_constraints(value: object, field: str = "availability_constraints"
                         ) -> dict[str, list[str]]:
    """Laravel-style 422 messages keyed by dotted field path, {} when the list is valid.

    Every problem of every item is reported, not only the first, so one 422 tells the client
    all it must fix. `None` is valid: JSON `null` clears a list (timekit-api.md §3).
    """
    if value is None:
        return {}
    if not isinstance(value, list):
        return {field: [f"The {field} must be an array."]}
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(value):
        errors.update(_parse_item(item, f"{field}.{index}")[1])
    return errors


def parse_rules(constraints: Iterable[dict] | None) -> list[Rule]:
    """A constraint list as Rules; ValueError (with the first message) when it is invalid."""
    if constraints is not None and not isinstance(constraints, list):
        raise ValueError("constraints must be a list")
    rules = []
    for index, item in enumerate(constraints or ()):
        rule, errors = _parse_item(item, f"constraints.{index}")
        if rule is None:
            raise ValueError(next(iter(errors.values()))[0])
        rules.append(rule)
    return rules
