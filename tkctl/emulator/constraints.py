"""Availability constraints (timekit-api.md §10.3): their validation and their free time.

One module owns both the shape rules (the emulator's 422 messages) and the meaning of a
constraint list (which instants it leaves free), because the two must agree on every value
format: a value the validator accepts is one `free_intervals` can evaluate, and nothing else.

Everything here is pure: no clock, no I/O, no state. Time is handled as integer microseconds
since the Unix epoch inside the module, so interval arithmetic is exact and cheap; aware
datetimes go in and come out at the edges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Iterable, Union

Interval = tuple[int, int]  # [start, end) in microseconds since the epoch, UTC

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)

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


# --------------------------------------------------------------------------- intervals


def to_micros(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} is a naive datetime; an aware one is needed")
    return (moment - EPOCH) // MICROSECOND


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def _wall_to_micros(wall: datetime, tz: tzinfo) -> int:
    """The instant of a local wall time. A time skipped by a DST change is read with the
    offset before the change (zoneinfo's fold=0), a repeated one as its first occurrence."""
    return (wall.replace(tzinfo=tz) - EPOCH) // MICROSECOND


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint cover of the given intervals; touching ones are joined."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(left: list[Interval], right: list[Interval]) -> list[Interval]:
    """Intersection of two sorted disjoint interval lists."""
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            result.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return result


def subtract(base: list[Interval], holes: list[Interval]) -> list[Interval]:
    """`base` minus `holes`, both sorted and disjoint."""
    result: list[Interval] = []
    j = 0
    for start, end in base:
        while j < len(holes) and holes[j][1] <= start:
            j += 1
        k = j
        while k < len(holes) and holes[k][0] < end:
            if holes[k][0] > start:
                result.append((start, holes[k][0]))
            start = max(start, holes[k][1])
            k += 1
        if start < end:
            result.append((start, end))
    return result


def _rule_windows(rule: Rule, tz: tzinfo, first_day: date, last_day: date) -> list[Interval]:
    """The instants one rule covers on the local days first_day..last_day (inclusive)."""
    if rule.period is not None:
        return [tuple(  # type: ignore[misc]
            _wall_to_micros(bound.wall, tz) if isinstance(bound, LocalTime) else to_micros(bound)
            for bound in rule.period
        )]
    windows = []
    day = first_day
    start_offset = timedelta(minutes=rule.start_minute)
    end_offset = timedelta(minutes=rule.end_minute)
    while day <= last_day:
        if day.weekday() in rule.days:
            midnight = datetime.combine(day, time())
            # Wall-clock arithmetic on naive datetimes, then one conversion each: 9-17 stays
            # 9-17 local on the day of a DST change.
            windows.append((_wall_to_micros(midnight + start_offset, tz),
                            _wall_to_micros(midnight + end_offset, tz)))
        day += timedelta(days=1)
    return windows


def free_micros(rules: list[Rule], tz: tzinfo, start: int, end: int) -> list[Interval]:
    """`free_intervals` on parsed rules and microsecond bounds (the fast path for slots)."""
    if start >= end:
        return []
    # One local day of margin each side, so that no window touching [start, end) is missed
    # whatever the zone's offset; windows outside are clipped away below.
    first_day = from_micros(start).astimezone(tz).date() - timedelta(days=1)
    last_day = from_micros(end).astimezone(tz).date() + timedelta(days=1)
    allows = [w for r in rules if r.allow for w in _rule_windows(r, tz, first_day, last_day)]
    blocks = [w for r in rules if not r.allow for w in _rule_windows(r, tz, first_day, last_day)]
    window = [(start, end)]
    has_allow = any(r.allow for r in rules)
    free = intersect(window, union(allows)) if has_allow else window
    return subtract(free, union(blocks))


def free_intervals(constraints: list[dict], tz: tzinfo, start: datetime, end: datetime
                   ) -> list[tuple[datetime, datetime]]:
    """Free time of ONE constraint list inside [start, end), as sorted disjoint UTC intervals.

    Free = union of the list's allow_* windows (the whole window when it has none) minus the
    union of its block_* windows (timekit-api.md §10.3, "available until blocked"), every
    window read in `tz`, the resource's timezone, also for project and request lists.
    """
    rules = parse_rules(constraints)
    return [(from_micros(a), from_micros(b))
            for a, b in free_micros(rules, tz, to_micros(start), to_micros(end))]
