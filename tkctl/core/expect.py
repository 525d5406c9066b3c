"""Availability tests (`tests:` in the config): their vocabulary, and the window each one asks about.

A wrong constraint or time zone silently stops customers from booking, and nobody notices until
they complain. A test names a project (or a resource), a window of days and what its bookable
slots must look like; `tkctl test` asks the API for those slots and `core/verdict.py` judges
them. This module reads the vocabulary (docs/testing.md says what each word means) and turns a
test's `from` / `days` / `timezone` into the instants of its window.

Pure: no I/O, no clock (`now` is passed in). Reading the vocabulary reports every mistake of
a test at once, as (path inside the test, message) pairs the loader places in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tkctl.core.durations import DurationError, parse_duration
from tkctl.errors import Location

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
STARTS = ("next_monday", "today")
DEFAULT_START = "next_monday"
DEFAULT_DAYS = 7
# Timekit searches at most 6 months ahead; a longer window could never be asked for.
MAX_DAYS = 180
# Every expectation, in the order docs/testing.md lists them.
EXPECTATIONS = ("min_slots", "max_slots", "only_on", "within_hours", "none_between", "slot_at", "no_slot_at",
                "bookable")
FIELDS = ("project", "resource", "from", "days", "timezone", "length", "expect")

_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Path = tuple[str | int, ...]
Issue = tuple[Path, str]


class ExpectError(ValueError):
    """A test that cannot be run as written (its window is over, its time zone is unknown)."""


@dataclass(frozen=True)
class Hours:
    """A wall-clock window of every day, in minutes after midnight; end may be 24:00."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{clock(self.start)}-{clock(self.end)}"


@dataclass(frozen=True)
class WeeklyTime:
    """A weekday and a wall-clock time: `monday 09:00`."""

    day: int  # 0 = Monday
    minutes: int

    def __str__(self) -> str:
        return f"{DAY_NAMES[self.day]} {clock(self.minutes)}"


@dataclass(frozen=True)
class AvailabilityTest:
    """One entry of `tests:`, read and checked.

    `expect` keeps the expectations in the order they were written, each with its value
    parsed: int (min_slots, max_slots), tuple of weekday numbers (only_on), Hours
    (within_hours, none_between), tuple of WeeklyTime (slot_at, no_slot_at), bool (bookable).
    `timezone` is None until the loader fills in the default from the tested object.
    `field_locations` places its fields (`from`, `expect.bookable`) for later problems."""

    name: str
    kind: str  # "project" or "resource"
    key: str
    start: str  # "YYYY-MM-DD", "next_monday" or "today"
    days: int
    timezone: str | None
    length: str | None
    expect: tuple[tuple[str, Any], ...]
    location: Location | None = None
    field_locations: dict[str, Location] = field(default_factory=dict, compare=False)

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.key}"

    def expected(self, name: str) -> Any:
        return dict(self.expect).get(name)


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def zone_of(name: str) -> tzinfo:
    """The IANA zone `name`; ExpectError when there is none by that name."""
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        raise ExpectError(f"{name!r} is not an IANA time zone (such as Europe/Copenhagen)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ExpectError(f'"{name}" is not an IANA time zone (such as Europe/Copenhagen)') from None


# -- reading the vocabulary ------------------------------------------------------------------


def parse_clock(value: Any) -> int | None:
    """`"09:30"` or an hour `9` -> minutes after midnight (0 to 1440); None otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value * 60 if 0 <= value <= 24 else None
    if isinstance(value, str):
        match = _CLOCK.match(value.strip())
        if match:
            minutes = int(match.group(1)) * 60 + int(match.group(2))
            return minutes if minutes <= 1440 else None
    return None


def parse_day(value: Any) -> int | None:
    return DAY_NAMES.index(value.strip().lower()) if isinstance(value, str) and value.strip().lower() in DAY_NAMES else None


def _hours(value: Any, path: Path, issues: list[Issue]) -> Hours | None:
    if not isinstance(value, dict):
        issues.append((path, 'must be a mapping {start: "HH:MM", end: "HH:MM"}'))
        return None
    bounds = {}
    for name in ("start", "end"):
        if name not in value:
            issues.append(((*path, name), "required field is missing"))
            continue
        minutes = parse_clock(value[name])
        if minutes is None:
            issues.append(((*path, name), f'must be a time "HH:MM" from "00:00" to "24:00" or an hour 0-24 '
                                          f"(got {_shown(value[name])})"))
        bounds[name] = minutes
    start, end = bounds.get("start"), bounds.get("end")
    if start is None or end is None:
        return None
    if start >= end:
        issues.append(((*path, "end"), f"must be later than start ({clock(start)} to {clock(end)}); the window "
                                       "cannot cross midnight"))
        return None
    return Hours(start, end)


def _weekly(value: Any, path: Path, issues: list[Issue]) -> WeeklyTime | None:
    parts = value.split() if isinstance(value, str) else []
    day = parse_day(parts[0]) if len(parts) == 2 else None
    minutes = parse_clock(parts[1]) if len(parts) == 2 else None
    if day is None or minutes is None or minutes >= 1440:
        issues.append((path, f'must be a weekday and a time such as "monday 09:00" (got {_shown(value)})'))
        return None
    return WeeklyTime(day, minutes)


def _weekly_list(value: Any, path: Path, issues: list[Issue]) -> tuple[WeeklyTime, ...] | None:
    if not isinstance(value, list) or not value:
        issues.append((path, 'must be a list of at least one weekday and time, such as ["monday 09:00"]'))
        return None
    parsed = [_weekly(item, (*path, i), issues) for i, item in enumerate(value)]
    return tuple(p for p in parsed if p is not None) if all(p is not None for p in parsed) else None


def _days(value: Any, path: Path, issues: list[Issue]) -> tuple[int, ...] | None:
    if not isinstance(value, list) or not value:
        issues.append((path, "must be a list of weekdays, such as [monday, tuesday]"))
        return None
    days = []
    for i, item in enumerate(value):
        day = parse_day(item)
        if day is None:
            issues.append(((*path, i), f"must be a weekday, monday to sunday (got {_shown(item)})"))
        else:
            days.append(day)
    return tuple(sorted(set(days))) if len(days) == len(value) else None


def _count(value: Any, path: Path, issues: list[Issue]) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    issues.append((path, f"must be a whole number, 0 or more (got {_shown(value)})"))
    return None


def _bookable(value: Any, path: Path, issues: list[Issue]) -> bool | None:
    if isinstance(value, bool):
        return value
    issues.append((path, f"must be true or false (got {_shown(value)})"))
    return None


_PARSERS = {
    "min_slots": _count, "max_slots": _count, "only_on": _days, "within_hours": _hours, "none_between": _hours,
    "slot_at": _weekly_list, "no_slot_at": _weekly_list, "bookable": _bookable,
}


def parse_start(value: Any) -> str | None:
    """A valid `from`: a real date YYYY-MM-DD, next_monday or today; None otherwise."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in STARTS:
        return text
    if _DATE.match(text):
        try:
            date.fromisoformat(text)
        except ValueError:
            return None
        return text
    return None


def parse_test(name: str, data: Any, location: Location | None = None,
               field_locations: dict[str, Location] | None = None) -> tuple[AvailabilityTest | None, list[Issue]]:
    """The test `name` from its YAML mapping, or None and every issue found (paths inside the test).

    Unknown keys are not reported here: the JSON Schema names them, with a "did you mean"; an
    `expect` holding nothing else is reported as holding no expectation."""
    issues: list[Issue] = []
    if not isinstance(data, dict):
        return None, [((), "must be a mapping with project (or resource), from, days, timezone and expect")]
    named = [k for k in ("project", "resource") if k in data]
    if len(named) != 1:
        message = ("names both a project and a resource; a test checks one of them" if named
                   else "required field is missing: name the project (project: KEY) or the resource (resource: KEY) to test")
        issues.append(((named[-1],) if named else (), message))
    kind = named[0] if named else "project"
    key = data.get(kind)
    if named and not (isinstance(key, str) and key):
        issues.append(((kind,), f"must be the key of a {kind} of the config (got {_shown(key)})"))
    start = parse_start(data.get("from", DEFAULT_START))
    if start is None:
        issues.append((("from",), f"must be a date YYYY-MM-DD, next_monday or today (got {_shown(data['from'])})"))
    days = data.get("days", DEFAULT_DAYS)
    if not (isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= MAX_DAYS):
        issues.append((("days",), f"must be a whole number of days from 1 to {MAX_DAYS} (got {_shown(days)})"))
    zone = data.get("timezone")
    if zone is not None:
        try:
            zone_of(zone)
        except ExpectError as exc:
            issues.append((("timezone",), str(exc)))
    length = data.get("length")
    if length is not None:
        try:
            if parse_duration(length).longest_seconds == 0:
                issues.append((("length",), "must be longer than 0"))
        except DurationError as exc:
            hint = f'; did you mean "{exc.suggestion}"?' if exc.suggestion else ""
            issues.append((("length",), f'{_shown(length)} is not a duration such as "30 minutes": {exc.reason}{hint}'))
    expect = _expectations(data.get("expect"), issues)
    if issues:
        return None, issues
    return AvailabilityTest(name, kind, key, start, days, zone, length, expect, location, dict(field_locations or {})), []


def _expectations(value: Any, issues: list[Issue]) -> tuple[tuple[str, Any], ...]:
    if value is None:
        issues.append((("expect",), f"required field is missing: say what must hold ({', '.join(EXPECTATIONS)})"))
        return ()
    if not isinstance(value, dict) or not any(k in _PARSERS for k in value):
        issues.append((("expect",), f"must hold at least one expectation: {', '.join(EXPECTATIONS)}"))
        return ()
    out = []
    for name, raw in value.items():
        if name in _PARSERS:
            parsed = _PARSERS[name](raw, ("expect", name), issues)
            out.append((name, parsed))
    return tuple(out)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return str(value)


# -- the window --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The days a test looks at, from local midnight to local midnight in its time zone.

    The instants are in UTC. `query_start` is where the query begins: the window's start, or
    `now` when that is later (with `from: today`): nobody can book the past."""

    zone_name: str
    first_day: date
    days: int
    start: datetime
    end: datetime
    query_start: datetime

    @property
    def zone(self) -> tzinfo:
        return zone_of(self.zone_name)

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(self.days)]

    def local(self, moment: datetime) -> datetime:
        """`moment` as wall-clock time in the test's zone (naive), for comparing with clock times."""
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def at(self, day: date, minutes: int) -> datetime | None:
        """The instant of a wall-clock time on `day`; None when the clocks skip it (DST)."""
        wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
        moment = wall.replace(tzinfo=self.zone).astimezone(timezone.utc)
        return moment if moment.astimezone(self.zone).replace(tzinfo=None) == wall else None


def first_day(start: str, zone: tzinfo, now: datetime) -> date:
    """The date a `from` names: itself, today in `zone`, or the first Monday after today."""
    if start not in STARTS:
        return date.fromisoformat(start)
    today = now.astimezone(zone).date()
    if start == "today":
        return today
    return today + timedelta(days=7 - today.weekday())


def resolve_window(test: AvailabilityTest, now: datetime) -> Window:
    """The window of `test` as seen at `now`; ExpectError when it is over already."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if test.timezone is None:
        raise ValueError(f"test {test.name} has no time zone yet (the loader fills in the default)")
    zone = zone_of(test.timezone)
    day = first_day(test.start, zone, now)
    # In UTC: Python compares and subtracts two times of one zone by their wall clocks.
    start = datetime.combine(day, time(), tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=test.days), time(), tzinfo=zone).astimezone(timezone.utc)
    if end <= now:
        last = day + timedelta(days=test.days - 1)
        raise ExpectError(f"its window ({day_text(day)} to {day_text(last)}) is over: nobody can book the past. Move `from` "
                          "to a later date, or write next_monday or today")
    return Window(test.timezone, day, test.days, start, end, max(start, now.astimezone(timezone.utc)))


def day_text(day: date) -> str:
    """`Mon 2027-01-04`: the weekday spelled the same whatever the machine's locale."""
    return f"{DAY_NAMES[day.weekday()][:3].capitalize()} {day.isoformat()}"
