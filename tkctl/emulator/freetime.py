"""The free time of one constraint list (timekit-api.md §10.3) as exact intervals of instants.

Constraints speak local wall-clock time ("9 to 17 on Mondays", "until 2022-05-06") in the
resource's timezone; bookings and the search window are instants. This module maps the first
onto the second exactly, DST changes included, and does the interval arithmetic.

A window means the set of instants at which the resource's clock shows a time inside it:
on a spring-forward day the skipped hour belongs to no window, on a fall-back day the
repeated hour belongs to every window that contains its wall time, both times. That is
computed per offset segment (a stretch of time with one UTC offset): inside a segment, wall
time = instant + offset, so a wall window [ws, we) is [ws - offset, we - offset) clipped to
the segment.

Everything is integer microseconds since the Unix epoch (instants) or since 1970-01-01
00:00 wall time (naive local times), so the arithmetic is exact and cheap. Pure: no clock,
no I/O, no state.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Iterable

from tkctl.emulator.constraints import LocalTime, Rule, parse_rules

Interval = tuple[int, int]  # [start, end) in microseconds since the epoch, UTC
Segment = tuple[int, int, int]  # [start, end) instants with one UTC offset, and that offset

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
NAIVE_EPOCH = datetime(1970, 1, 1)
MICROSECOND = timedelta(microseconds=1)
MINUTE = 60 * 1_000_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
# Bounds standing for "no bound" on one side of a period; far outside any datetime.
_BEFORE_ALL = -(1 << 62)
_AFTER_ALL = 1 << 62
# 1970-01-01 was a Thursday (weekday 3, Monday being 0).
_EPOCH_WEEKDAY = 3


def to_micros(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} is a naive datetime; an aware one is needed")
    return (moment - EPOCH) // MICROSECOND


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def wall_micros(wall: datetime) -> int:
    """A naive local time as microseconds since 1970-01-01 00:00 on the same wall clock."""
    return (wall - NAIVE_EPOCH) // MICROSECOND


# --------------------------------------------------------------------------- interval sets


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


# --------------------------------------------------------------------------- zones


def _offset(tz: tzinfo, instant: int) -> int:
    return from_micros(instant).astimezone(tz).utcoffset() // MICROSECOND


def zone_segments(tz: tzinfo, start: int, end: int) -> list[Segment]:
    """The stretches of [start, end) with one UTC offset in `tz`, in order.

    zoneinfo does not publish its transitions, so the offset is sampled every hour and each
    change is pinned to the microsecond by bisection. Two changes less than an hour apart that
    cancel out would be missed; no zone has such a pair.
    """
    if start >= end:
        return []
    segments: list[Segment] = []
    seg_start, seg_offset = start, _offset(tz, start)
    previous = start
    while previous < end - 1:
        sample = min(previous + HOUR, end - 1)
        sample_offset = _offset(tz, sample)
        while sample_offset != seg_offset:
            low, high = previous, sample  # offset(low) == seg_offset != offset(high)
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(tz, middle) == seg_offset:
                    low = middle
                else:
                    high = middle
            segments.append((seg_start, high, seg_offset))
            seg_start, seg_offset, previous = high, _offset(tz, high), high
        previous = sample
    segments.append((seg_start, end, seg_offset))
    return segments


def wall_window(wall_start: int, wall_end: int, segments: list[Segment]) -> list[Interval]:
    """The instants within the segments whose wall time lies in [wall_start, wall_end), as
    sorted disjoint intervals (a window across a change in one segment and the next is one)."""
    # assumed: timekit-api.md §10.3 (on DST days a window holds exactly the instants whose
    # local clock reading is inside it: none of a skipped hour, both passes of a repeated one)
    pieces: list[Interval] = []
    for seg_start, seg_end, offset in segments:
        low = max(seg_start, wall_start - offset)
        high = min(seg_end, wall_end - offset)
        if low >= high:
            continue
        if pieces and pieces[-1][1] == low:
            pieces[-1] = (pieces[-1][0], high)
        else:
            pieces.append((low, high))
    return pieces


# --------------------------------------------------------------------------- rules


def _period_window(rule: Rule, segments: list[Segment]) -> list[Interval]:
    """A period is an instant range, a wall-time range, or (bounds of both kinds) both at once."""
    start, end = rule.period  # type: ignore[misc]
    wall = (wall_micros(start.wall) if isinstance(start, LocalTime) else _BEFORE_ALL,
            wall_micros(end.wall) if isinstance(end, LocalTime) else _AFTER_ALL)
    absolute = (_BEFORE_ALL if isinstance(start, LocalTime) else to_micros(start),
                _AFTER_ALL if isinstance(end, LocalTime) else to_micros(end))
    return intersect(wall_window(*wall, segments), [absolute])


def _weekly_windows(rule: Rule, segments: list[Segment]) -> list[Interval]:
    """The rule's window on every local day that can touch the segments."""
    offsets = [offset for _, _, offset in segments]
    first_day = (segments[0][0] + min(offsets)) // DAY
    last_day = (segments[-1][1] + max(offsets)) // DAY
    windows: list[Interval] = []
    start_offset, end_offset = rule.start_minute * MINUTE, rule.end_minute * MINUTE
    for day in range(first_day, last_day + 1):
        if (day + _EPOCH_WEEKDAY) % 7 in rule.days:
            midnight = day * DAY
            windows.extend(wall_window(midnight + start_offset, midnight + end_offset, segments))
    return windows


def free_micros(rules: list[Rule], segments: list[Segment]) -> list[Interval]:
    """Free time of one parsed constraint list within the span the segments cover.

    Free = union of the list's allow windows (all of the span when it has none) minus the
    union of its block windows (§10.3, "available until blocked").
    """
    if not segments:
        return []
    span = [(segments[0][0], segments[-1][1])]
    allows: list[Interval] = []
    blocks: list[Interval] = []
    for rule in rules:
        windows = _period_window(rule, segments) if rule.period else _weekly_windows(rule, segments)
        (allows if rule.allow else blocks).extend(windows)
    free = intersect(span, union(allows)) if any(rule.allow for rule in rules) else span
    return subtract(free, union(blocks))


def free_intervals(constraints: list[dict], tz: tzinfo, start: datetime, end: datetime
                   ) -> list[tuple[datetime, datetime]]:
    """Free time of ONE constraint list inside [start, end), as sorted disjoint UTC intervals,
    every window read in `tz`, the resource's timezone (also for project and request lists)."""
    rules = parse_rules(constraints)
    segments = zone_segments(tz, to_micros(start), to_micros(end))
    return [(from_micros(a), from_micros(b)) for a, b in free_micros(rules, segments)]
