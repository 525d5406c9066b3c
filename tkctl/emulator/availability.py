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
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tkctl.emulator.constraints import (
    Interval,
    free_micros,
    from_micros,
    intersect,
    parse_date,
    parse_rules,
    parse_timestamp,
    subtract,
    to_micros,
    union,
)

MODES = ("roundrobin_random", "roundrobin_prioritized", "exclusive", "mutual")

# Candidate slots start on the quarter hours (§11); aligned to the epoch, which is aligned to
# local quarter hours in every timezone (all UTC offsets in use are multiples of 15 minutes).
GRID = 15 * 60 * 1_000_000  # microseconds

_UNITS = {
    "second": timedelta(seconds=1), "sec": timedelta(seconds=1),
    "minute": timedelta(minutes=1), "min": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    # assumed: timekit-api.md §11 (a month in a relative time is 30 days)
    "month": timedelta(days=30),
}
_DURATION_PART = re.compile(r"\s*(\d+)\s*([a-z]+)\s*")


def parse_duration(text: str) -> timedelta:
    """A human duration ("1 hour", "90 mins", "3 days 2 weeks") as a timedelta.

    Parts are summed; units are second/sec, minute/min, hour, day, week, month (30 days), each
    also plural, any case. ValueError for anything else, including an empty string.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{text!r} is not a duration such as '30 minutes'")
    total = timedelta(0)
    position = 0
    lowered = text.lower()
    while position < len(lowered):
        match = _DURATION_PART.match(lowered, position)
        if match is None:
            raise ValueError(f"{text!r} is not a duration such as '30 minutes'")
        amount, unit = match.groups()
        unit = unit[:-1] if unit.endswith("s") and unit[:-1] in _UNITS else unit
        if unit not in _UNITS:
            raise ValueError(f"{text!r} has an unknown unit {match.group(2)!r}")
        try:
            total += int(amount) * _UNITS[unit]
        except OverflowError:  # "99999999999 hours" is past timedelta's range: still bad input
            raise ValueError(f"{text!r} is too long a duration") from None
        position = match.end()
    return total


def parse_bound(value: str, now: datetime) -> datetime:
    """A `from`/`to` value (§11) as an aware UTC datetime.

    An RFC3339 timestamp, a bare date YYYY-MM-DD (midnight UTC), "now", or a duration counted
    from `now` ("2 days"). ValueError for anything else.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a valid timestamp or relative time")
    text = value.strip()
    if text.lower() == "now":
        return now.astimezone(timezone.utc)
    for parse in (parse_timestamp, _parse_utc_date):
        try:
            return parse(text).astimezone(timezone.utc)
        except ValueError:
            pass
    try:
        return (now + parse_duration(text)).astimezone(timezone.utc)
    except (ValueError, OverflowError):  # OverflowError: past the year 9999
        raise ValueError(f"{value!r} is not a valid timestamp or relative time") from None


def _parse_utc_date(text: str) -> datetime:
    # assumed: timekit-api.md §11 (a bare date in from/to is midnight UTC)
    return datetime.combine(parse_date(text), datetime.min.time(), tzinfo=timezone.utc)


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


def _free_for(resource: ResourceInput, shared: list[list], start: int, end: int,
              buffer: int, cache: dict) -> list[Interval]:
    """Where one resource is free in [start, end): every constraint list, minus its bookings."""
    tz = _zone(resource.timezone)
    free = free_micros(parse_rules(resource.constraints), tz, start, end)
    for index, rules in enumerate(shared):
        # Project and request lists are evaluated in each resource's timezone (§10.3); most
        # resources share a few zones, so each (list, zone) is computed once.
        key = (index, resource.timezone)
        if key not in cache:
            cache[key] = free_micros(rules, tz, start, end)
        free = intersect(free, cache[key])
    busy = union((to_micros(a) - buffer, to_micros(b) + buffer) for a, b in resource.busy)
    return subtract(free, busy)


def _starts(free: list[Interval], first: int, length: int) -> list[int]:
    """Grid points s >= first with [s, s + length) inside one free interval."""
    starts: list[int] = []
    for a, b in free:
        s = max(a, first)
        s += -s % GRID
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
    mutual (all must be free, all listed), roundrobin_random (one free resource picked with
    `rng`), roundrobin_prioritized (the first free one in `resources` order), exclusive (every
    free one). A candidate nobody can take is omitted. ValueError for a bad mode, timezone,
    constraint list, naive datetime, non-positive length or negative buffer.
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
    buffer_us = buffer // timedelta(microseconds=1)
    first = window_start + (-window_start % GRID)
    shared = [parse_rules(project_constraints), parse_rules(request_constraints)]
    cache: dict = {}
    frees = [_free_for(r, shared, first, window_end, buffer_us, cache) for r in resources]
    listed = [{"id": r.id, "name": r.name, "timezone": r.timezone} for r in resources]

    def slot(s: int, who: list[dict]) -> dict:
        return {
            "start": from_micros(s).astimezone(out_tz).isoformat(timespec="seconds"),
            "end": from_micros(s + length_us).astimezone(out_tz).isoformat(timespec="seconds"),
            "resources": [dict(r) for r in who],
        }

    if mode == "mutual":
        if not resources:
            return []
        common = frees[0]
        for free in frees[1:]:
            common = intersect(common, free)
        return [slot(s, listed) for s in _starts(common, first, length_us)]

    takers: dict[int, list[int]] = {}
    for index, free in enumerate(frees):
        for s in _starts(free, first, length_us):
            takers.setdefault(s, []).append(index)
    chooser = rng if rng is not None else random.Random()
    slots = []
    for s in sorted(takers):
        free_here = takers[s]  # in `resources` order
        if mode == "exclusive":
            chosen = free_here
        elif mode == "roundrobin_prioritized":
            chosen = free_here[:1]
        else:
            chosen = [chooser.choice(free_here)]
        slots.append(slot(s, [listed[i] for i in chosen]))
    return slots
