"""Bookable slots for `POST /availability` (timekit-api.md §11), and the parameters' values.

Pure computation for the emulator's availability handler: the handler validates the body,
finds resources and bookings in the store, and passes plain values here. Nothing here reads a
clock (`now` is passed in), a store or a global random generator.

Slots are found with interval arithmetic: each resource's free time is one short list of
intervals (constraints ∩ constraints ∩ constraints − bookings), and candidate starts are read
off the quarter-hour grid inside those intervals, so a 4-week search costs a few thousand
integer steps, not a scan of every minute.
"""

from __future__ import annotations

import random
import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tkctl.emulator.constraints import Rule, parse_date, parse_rules, parse_timestamp
from tkctl.emulator.freetime import (
    Interval,
    Segment,
    free_micros,
    from_micros,
    intersect,
    subtract,
    to_micros,
    union,
    zone_segments,
)

MODES = ("roundrobin_random", "roundrobin_prioritized", "exclusive", "mutual")

# Candidate slots start on the quarter hours from `from` rounded up (§11).
# assumed: timekit-api.md §11 (the quarter hours are UTC's; every UTC offset in use today is
# a multiple of 15 minutes, so they are the local quarter hours of every resource too)
GRID = 15 * 60 * 1_000_000  # microseconds

_UNITS = {
    "second": timedelta(seconds=1), "sec": timedelta(seconds=1),
    "minute": timedelta(minutes=1), "min": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    # assumed: timekit-api.md §11 (a month in a duration or relative time is 30 days)
    "month": timedelta(days=30),
}
_DURATION_PART = re.compile(r"\s*(\d+)\s*([a-z]+)\s*")
# A from/to must stay a week inside datetime's range, so the engine's margins never overflow.
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc) + timedelta(days=7)
_LATEST = datetime.max.replace(tzinfo=timezone.utc) - timedelta(days=7)


def parse_duration(text: str) -> timedelta:
    """A human duration ("1 hour", "90 mins", "3 days 2 weeks") as a timedelta.

    Parts are summed; units are second/sec, minute/min, hour, day, week, month (30 days), each
    also plural, any case. ValueError for anything else, including an empty string and a
    duration too large to represent.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{text!r} is not a duration such as '30 minutes'")
    total = timedelta(0)
    position = 0
    lowered = text.lower()
    try:
        while position < len(lowered):
            match = _DURATION_PART.match(lowered, position)
            if match is None:
                raise ValueError(f"{text!r} is not a duration such as '30 minutes'")
            amount, unit = match.groups()
            unit = unit[:-1] if unit.endswith("s") and unit[:-1] in _UNITS else unit
            if unit not in _UNITS:
                raise ValueError(f"{text!r} has an unknown unit {match.group(2)!r}")
            total += int(amount) * _UNITS[unit]
            position = match.end()
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None
    return total


def parse_bound(value: str, now: datetime) -> datetime:
    """A `from`/`to` value (§11) as an aware UTC datetime.

    An RFC3339 timestamp, a bare date YYYY-MM-DD (midnight UTC), "now", or a duration counted
    from `now` ("2 days"; relative values are relative to now, also for `to`). ValueError for
    anything else, and for instants within a week of the year 1 or 9999.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a valid timestamp or relative time")
    text = value.strip()
    try:
        moment = _absolute_bound(text, now)
        if moment is None:
            moment = now + parse_duration(text)
        moment = moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        moment = None
    if moment is None or not _EARLIEST <= moment <= _LATEST:
        raise ValueError(f"{value!r} is not a valid timestamp or relative time")
    return moment


def _absolute_bound(text: str, now: datetime) -> datetime | None:
    if text.lower() == "now":
        return now
    try:
        return parse_timestamp(text)
    except ValueError:
        pass
    try:
        # assumed: timekit-api.md §11 (a bare date in from/to is midnight UTC)
        return datetime.combine(parse_date(text), datetime.min.time(), tzinfo=timezone.utc)
    except ValueError:
        return None


def add_months(moment: datetime, months: int) -> datetime | None:
    """The same day and time `months` later, the day clamped to the month's last (Aug 31 + 6
    months = Feb 28); None beyond the year 9999."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    if year > 9999:
        return None
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


@dataclass(frozen=True)
class ResourceInput:
    """What availability needs to know about one resource, copied out of the store."""

    id: str
    name: str
    timezone: str
    constraints: list[dict] = field(default_factory=list)  # its own availability_constraints
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)  # confirmed bookings


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"{name!r} is not an IANA timezone") from None


class _FreeTime:
    """Each resource's free time for one request. Segments and the shared lists (project,
    request) depend only on the timezone, and most resources share a few zones, so each is
    computed once per zone."""

    def __init__(self, shared: list[list[Rule]], start: int, end: int, buffer: int):
        self.shared, self.start, self.end, self.buffer = shared, start, end, buffer
        self._segments: dict[str, list[Segment]] = {}
        self._shared_free: dict[str, list[Interval]] = {}

    def segments(self, zone_name: str) -> list[Segment]:
        if zone_name not in self._segments:
            self._segments[zone_name] = zone_segments(_zone(zone_name), self.start, self.end)
        return self._segments[zone_name]

    def of(self, resource: ResourceInput) -> list[Interval]:
        """Free when every list leaves it free (§10.3), minus confirmed bookings ± buffer (§11)."""
        segments = self.segments(resource.timezone)
        if resource.timezone not in self._shared_free:
            free = [(self.start, self.end)] if segments else []
            for rules in self.shared:
                free = intersect(free, free_micros(rules, segments))
            self._shared_free[resource.timezone] = free
        free = intersect(self._shared_free[resource.timezone],
                         free_micros(parse_rules(resource.constraints), segments))
        busy = union((to_micros(a) - self.buffer, to_micros(b) + self.buffer) for a, b in resource.busy)
        return subtract(free, busy)


def _starts(free: list[Interval], length: int) -> list[int]:
    """Grid points s with [s, s + length) inside one free interval."""
    # assumed: timekit-api.md §11 (a slot lies wholly inside the window: it may end exactly at
    # `to`, or exactly where a booking's buffer begins; intervals are half-open)
    starts: list[int] = []
    for a, b in free:
        s = a + (-a % GRID)
        if s + length <= b:
            starts.extend(range(s, b - length + 1, GRID))
    return starts


def compute_slots(*, resources: list[ResourceInput], project_constraints: list[dict],
                  request_constraints: list[dict], start: datetime, end: datetime,
                  length: timedelta, buffer: timedelta, mode: str, output_timezone: str,
                  rng: random.Random | None = None) -> list[dict]:
    """Bookable slots, sorted by start, each `{"start", "end", "resources": [...]}` (§11).

    A candidate starts on every quarter hour from `start` (rounded up); it is a slot for a
    resource when [s, s + length) ends by `end`, every constraint list leaves it free, and no
    busy interval widened by `buffer` on both sides overlaps it. `mode` decides who is listed:
    mutual (all must be free, all listed), exclusive (every free one, in `resources` order),
    roundrobin_prioritized (the first free one in `resources` order), roundrobin_random (the
    first free one in an order shuffled once per call with `rng`, as Timekit's docs describe:
    the resource found first keeps precedence for the following slots). A candidate nobody
    can take is omitted. ValueError for a bad mode, timezone, constraint list, naive datetime,
    non-positive length or negative buffer.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if length <= timedelta(0):
        raise ValueError("length must be positive")
    if buffer < timedelta(0):
        raise ValueError("buffer must not be negative")
    out_tz = _zone(output_timezone)
    window_start, window_end = to_micros(start), to_micros(end)
    length_us = -(-length // timedelta(microseconds=1))
    first = window_start + (-window_start % GRID)
    shared = [parse_rules(project_constraints), parse_rules(request_constraints)]
    free_time = _FreeTime(shared, first, window_end, buffer // timedelta(microseconds=1))
    frees = [free_time.of(r) for r in resources]
    listed = [{"id": r.id, "name": r.name, "timezone": r.timezone} for r in resources]

    def slot(s: int, who: list[int]) -> dict:
        return {
            "start": from_micros(s).astimezone(out_tz).isoformat(timespec="seconds"),
            "end": from_micros(s + length_us).astimezone(out_tz).isoformat(timespec="seconds"),
            "resources": [dict(listed[i]) for i in who],
        }

    if mode == "mutual":
        if not resources:
            return []
        common = frees[0]
        for free in frees[1:]:
            common = intersect(common, free)
        everyone = list(range(len(resources)))
        return [slot(s, everyone) for s in _starts(common, length_us)]

    precedence = list(range(len(resources)))
    if mode == "roundrobin_random":
        # assumed: timekit-api.md §11 (one shuffle per request, then the first free resource per
        # slot: Timekit's "Query availability" and "Availability overview" pages say so)
        (rng if rng is not None else random.Random()).shuffle(precedence)
    takers: dict[int, list[int]] = {}
    for index in precedence:
        for s in _starts(frees[index], length_us):
            takers.setdefault(s, []).append(index)
    return [slot(s, sorted(takers[s]) if mode == "exclusive" else takers[s][:1])
            for s in sorted(takers)]
