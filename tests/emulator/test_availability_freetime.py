"""Free time of one constraint list (tkctl/emulator/freetime.py), worked out by hand.

2026 dates used: DST starts Sun 03-08 in New York (02:00 EST -> 03:00 EDT, at 07:00Z) and Sun
03-29 in Copenhagen (02:00 CET -> 03:00 CEST, at 01:00Z); it ends Sun 10-25 in Copenhagen
(03:00 CEST -> 02:00 CET, at 01:00Z) and Sun 11-01 in New York (02:00 EDT -> 01:00 EST, at
06:00Z). Mon 2026-03-09 is a Monday.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tkctl.emulator.freetime import (
    free_intervals,
    from_micros,
    intersect,
    subtract,
    to_micros,
    union,
    wall_micros,
    wall_window,
    zone_segments,
)

from tests.fixtures import REALDATA
UTC = timezone.utc
NY = ZoneInfo("America/New_York")
CPH = ZoneInfo("Europe/Copenhagen")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # DST moves its clocks by 30 minutes
H = 3600 * 1_000_000


def realdata_constraints(name: str) -> list[dict]:
    return json.loads((REALDATA / name).read_text())["availability_constraints"]


OPENING = realdata_constraints("availability-constraints-opening-hours.json")
LUNCH = realdata_constraints("availability-constraints-opening-hours-lunch-break.json")
MON_TUE = realdata_constraints("resource-update-availability-constraints-request.json")


def utc(text: str) -> datetime:
    """'2026-03-09 09:00' as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def us(text: str) -> int:
    return to_micros(utc(text))


def as_utc_strings(intervals) -> list[tuple[str, str]]:
    for start, end in intervals:
        assert start.utcoffset().total_seconds() == 0 and end.utcoffset().total_seconds() == 0
    return [(s.strftime("%Y-%m-%d %H:%M"), e.strftime("%Y-%m-%d %H:%M")) for s, e in intervals]


# --------------------------------------------------------------------------- interval sets


@pytest.mark.parametrize("intervals, expected", [
    ([], []),
    ([(5, 9), (1, 3)], [(1, 3), (5, 9)]),
    ([(1, 3), (3, 5)], [(1, 5)]),  # touching intervals join
    ([(1, 10), (2, 3)], [(1, 10)]),  # contained
    ([(4, 4), (6, 5)], []),  # empty and reversed ones vanish
])
def test_union(intervals, expected):
    assert union(intervals) == expected


@pytest.mark.parametrize("left, right, expected", [
    ([(0, 10)], [(2, 3), (5, 12)], [(2, 3), (5, 10)]),
    ([(0, 5)], [(5, 9)], []),  # half-open: touching is no overlap
    ([(0, 2), (4, 6)], [(1, 5)], [(1, 2), (4, 5)]),
])
def test_intersect(left, right, expected):
    assert intersect(left, right) == expected


@pytest.mark.parametrize("base, holes, expected", [
    ([(0, 10)], [(2, 3), (5, 6)], [(0, 2), (3, 5), (6, 10)]),
    ([(0, 10)], [(-5, 0), (10, 12)], [(0, 10)]),  # holes touching the edges remove nothing
    ([(0, 4), (6, 10)], [(3, 7)], [(0, 3), (7, 10)]),  # one hole across two intervals
    ([(0, 10)], [(0, 10)], []),
])
def test_subtract(base, holes, expected):
    assert subtract(base, holes) == expected


# --------------------------------------------------------------------------- zones


@pytest.mark.parametrize("tz, start, end, expected", [
    (UTC, "2026-03-08 00:00", "2026-03-09 00:00", [("2026-03-08 00:00", "2026-03-09 00:00", 0)]),
    (NY, "2026-03-08 00:00", "2026-03-09 00:00",
     [("2026-03-08 00:00", "2026-03-08 07:00", -5), ("2026-03-08 07:00", "2026-03-09 00:00", -4)]),
    (NY, "2026-11-01 00:00", "2026-11-02 00:00",
     [("2026-11-01 00:00", "2026-11-01 06:00", -4), ("2026-11-01 06:00", "2026-11-02 00:00", -5)]),
    (CPH, "2026-03-29 00:00", "2026-03-30 00:00",
     [("2026-03-29 00:00", "2026-03-29 01:00", 1), ("2026-03-29 01:00", "2026-03-30 00:00", 2)]),
    (CPH, "2026-10-25 00:00", "2026-10-26 00:00",
     [("2026-10-25 00:00", "2026-10-25 01:00", 2), ("2026-10-25 01:00", "2026-10-26 00:00", 1)]),
    # Both New York changes inside one window.
    (NY, "2026-03-01 00:00", "2026-11-15 00:00",
     [("2026-03-01 00:00", "2026-03-08 07:00", -5), ("2026-03-08 07:00", "2026-11-01 06:00", -4),
      ("2026-11-01 06:00", "2026-11-15 00:00", -5)]),
    # Lord Howe Island goes from +11 to +10:30 at 02:00 local on Sun 2026-04-05 (15:00Z the 4th).
    (LORD_HOWE, "2026-04-04 00:00", "2026-04-06 00:00",
     [("2026-04-04 00:00", "2026-04-04 15:00", 11), ("2026-04-04 15:00", "2026-04-06 00:00", 10.5)]),
    # A change at the very first instant of the window: one segment, already the new offset.
    (NY, "2026-03-08 07:00", "2026-03-08 08:00", [("2026-03-08 07:00", "2026-03-08 08:00", -4)]),
])
def test_zone_segments(tz, start, end, expected):
    segments = zone_segments(tz, us(start), us(end))
    assert [(from_micros(a).strftime("%Y-%m-%d %H:%M"), from_micros(b).strftime("%Y-%m-%d %H:%M"), offset / H)
            for a, b, offset in segments] == expected


def test_zone_segments_of_an_empty_window():
    assert zone_segments(NY, us("2026-03-08 00:00"), us("2026-03-08 00:00")) == []


@pytest.mark.parametrize("tz, day, wall_start, wall_end, expected", [
    # Spring forward in New York: 02:00-03:00 does not exist on 03-08.
    (NY, "2026-03-08", "02:00", "03:00", []),
    # 02:30-03:30 keeps only the half hour that exists: 03:00-03:30 EDT = 07:00-07:30Z.
    (NY, "2026-03-08", "02:30", "03:30", [("2026-03-08 07:00", "2026-03-08 07:30")]),
    # 01:30-02:30 keeps 01:30-02:00 EST = 06:30-07:00Z.
    (NY, "2026-03-08", "01:30", "02:30", [("2026-03-08 06:30", "2026-03-08 07:00")]),
    # 01:00-04:00 is two real hours: 01:00 EST (06:00Z) to 04:00 EDT (08:00Z).
    (NY, "2026-03-08", "01:00", "04:00", [("2026-03-08 06:00", "2026-03-08 08:00")]),
    # Fall back in New York: 01:00-02:00 happens twice on 11-01, EDT (05-06Z) then EST (06-07Z).
    (NY, "2026-11-01", "01:00", "02:00", [("2026-11-01 05:00", "2026-11-01 07:00")]),
    # 01:30-02:30: 01:30-02:00 EDT (05:30-06:00Z), then the clock shows 01:00-01:30 EST
    # (06:00-06:30Z, outside the window), then 01:30-02:30 EST (06:30-07:30Z).
    (NY, "2026-11-01", "01:30", "02:30", [("2026-11-01 05:30", "2026-11-01 06:00"),
                                          ("2026-11-01 06:30", "2026-11-01 07:30")]),
    # Copenhagen: 02:00-03:00 is skipped on 03-29 and repeated on 10-25 (CEST 00-01Z, CET 01-02Z).
    (CPH, "2026-03-29", "02:00", "03:00", []),
    (CPH, "2026-10-25", "02:00", "03:00", [("2026-10-25 00:00", "2026-10-25 02:00")]),
    # Lord Howe skips 02:00-02:30 on 2025-10-05 (+10:30 -> +11 at 15:30Z the 4th):
    # 02:00-03:00 is 02:30-03:00 +11 = 15:30-16:00Z.
    (LORD_HOWE, "2025-10-05", "02:00", "03:00", [("2025-10-04 15:30", "2025-10-04 16:00")]),
])
def test_wall_window_across_dst_changes(tz, day, wall_start, wall_end, expected):
    date = datetime.fromisoformat(day)
    first, last = date - timedelta(days=1), date + timedelta(days=2)
    segments = zone_segments(tz, to_micros(first.replace(tzinfo=UTC)), to_micros(last.replace(tzinfo=UTC)))
    start = wall_micros(datetime.fromisoformat(f"{day}T{wall_start}"))
    end = wall_micros(datetime.fromisoformat(f"{day}T{wall_end}"))
    assert as_utc_strings([(from_micros(a), from_micros(b)) for a, b in wall_window(start, end, segments)]) == expected


# --------------------------------------------------------------------------- one list


@pytest.mark.parametrize("constraints, tz, start, end, expected", [
    # No constraints: available until blocked, the whole window.
    ([], UTC, "2026-03-09 10:07", "2026-03-09 11:00", [("2026-03-09 10:07", "2026-03-09 11:00")]),
    # Opening hours (block_weekends + allow_hours 9-17) in UTC, Fri 2026-03-13 .. Mon 03-16:
    # Fri 9-17, Sat/Sun blocked, Mon 9-17.
    (OPENING, UTC, "2026-03-13 00:00", "2026-03-17 00:00",
     [("2026-03-13 09:00", "2026-03-13 17:00"), ("2026-03-16 09:00", "2026-03-16 17:00")]),
    # Lunch break: 9-12 and 13-17 on Monday 2026-03-09, in Copenhagen (CET, UTC+1): 8-11, 12-16 UTC.
    (LUNCH, CPH, "2026-03-09 00:00", "2026-03-10 00:00",
     [("2026-03-09 08:00", "2026-03-09 11:00"), ("2026-03-09 12:00", "2026-03-09 16:00")]),
    # The realdata request means Mon 9-12 and 14-17, Tue 9-17 (§10.3). Week of Mon 2026-06-01 in
    # Copenhagen (CEST, UTC+2): Mon 7-10 and 12-15 UTC, Tue 7-15 UTC, nothing Wed-Sun.
    (MON_TUE, CPH, "2026-06-01 00:00", "2026-06-08 00:00",
     [("2026-06-01 07:00", "2026-06-01 10:00"), ("2026-06-01 12:00", "2026-06-01 15:00"),
      ("2026-06-02 07:00", "2026-06-02 15:00")]),
    # The window clips: from Mon 13:00 UTC (15:00 CEST) to 14:30 UTC only 15:00-16:30 local
    # of the 14-17 block remains.
    (MON_TUE, CPH, "2026-06-01 13:00", "2026-06-01 14:30",
     [("2026-06-01 13:00", "2026-06-01 14:30")]),
    # block_day Tuesday on top of opening hours, UTC, Mon 03-09 .. Wed 03-11: Mon and Wed.
    (OPENING + [{"block_day": {"day": "tuesday"}}], UTC, "2026-03-09 00:00", "2026-03-12 00:00",
     [("2026-03-09 09:00", "2026-03-09 17:00"), ("2026-03-11 09:00", "2026-03-11 17:00")]),
    # block_period with a date end is exclusive: 03-10 .. 03-12 blocks Tue and Wed, not Thu.
    (OPENING + [{"block_period": {"start": "2026-03-10", "end": "2026-03-12"}}], UTC,
     "2026-03-09 00:00", "2026-03-13 00:00",
     [("2026-03-09 09:00", "2026-03-09 17:00"), ("2026-03-12 09:00", "2026-03-12 17:00")]),
    # A date period in New York starts and ends at New York midnight (05:00 UTC in winter):
    # block 03-03 local -> 03-04 local = 03-03 05:00Z .. 03-04 05:00Z.
    ([{"block_period": {"start": "2026-03-03", "end": "2026-03-04"}}], NY,
     "2026-03-03 00:00", "2026-03-05 00:00",
     [("2026-03-03 00:00", "2026-03-03 05:00"), ("2026-03-04 05:00", "2026-03-05 00:00")]),
    # A date period across the spring change: 03-07 00:00 EST (05:00Z) .. 03-09 00:00 EDT (04:00Z).
    ([{"allow_period": {"start": "2026-03-07", "end": "2026-03-09"}}], NY,
     "2026-03-06 00:00", "2026-03-10 00:00", [("2026-03-07 05:00", "2026-03-09 04:00")]),
    # allow_period with offsets: only 10:00-12:30 +01:00 = 09:00-11:30 UTC is free.
    ([{"allow_period": {"start": "2026-03-09T10:00:00+01:00", "end": "2026-03-09T12:30:00+0100"}}],
     UTC, "2026-03-09 00:00", "2026-03-10 00:00", [("2026-03-09 09:00", "2026-03-09 11:30")]),
    # A period mixing a date (New York midnight, 04:00Z in EDT) and an instant (06:30Z) on the
    # fall-back day: 04:00Z-06:30Z.
    ([{"allow_period": {"start": "2026-11-01", "end": "2026-11-01T06:30:00Z"}}], NY,
     "2026-10-31 00:00", "2026-11-02 00:00", [("2026-11-01 04:00", "2026-11-01 06:30")]),
    # An offset-less period inside the spring gap: 02:30-04:00 wall keeps 03:00-04:00 EDT.
    ([{"allow_period": {"start": "2026-03-08 02:30:00", "end": "2026-03-08 04:00:00"}}], NY,
     "2026-03-08 00:00", "2026-03-09 00:00", [("2026-03-08 07:00", "2026-03-08 08:00")]),
    # allow_day_and_time with "HH:MM" minutes and a lowercase day; block_day_and_time inside it.
    ([{"allow_day_and_time": {"day": "monday", "start": "09:30", "end": "12:45"}},
      {"block_day_and_time": {"day": "Monday", "start": 10, "end": "10:15"}}],
     UTC, "2026-03-09 00:00", "2026-03-11 00:00",
     [("2026-03-09 09:30", "2026-03-09 10:00"), ("2026-03-09 10:15", "2026-03-09 12:45")]),
    # allow_weekends alone: Sat+Sun whole days, joined into one interval.
    ([{"allow_weekends": {}}], UTC, "2026-03-12 00:00", "2026-03-17 00:00",
     [("2026-03-14 00:00", "2026-03-16 00:00")]),
    # block_weekdays alone: only the weekend in between is left.
    ([{"block_weekdays": {}}], UTC, "2026-03-12 00:00", "2026-03-17 00:00",
     [("2026-03-14 00:00", "2026-03-16 00:00")]),
    # allow_weekdays minus block_day Friday: Mon-Thu; window Thu 03-12 .. Tue 03-17.
    ([{"allow_weekdays": {}}, {"block_day": {"day": "Friday"}}], UTC,
     "2026-03-12 00:00", "2026-03-17 00:00",
     [("2026-03-12 00:00", "2026-03-13 00:00"), ("2026-03-16 00:00", "2026-03-17 00:00")]),
    # allow_day + allow_hours union: all of Sunday, 9-17 other days (Sat 03-14 .. Mon 03-16).
    ([{"allow_day": {"day": "Sunday"}}, {"allow_hours": {"start": 9, "end": 17}}], UTC,
     "2026-03-14 00:00", "2026-03-17 00:00",
     [("2026-03-14 09:00", "2026-03-14 17:00"), ("2026-03-15 00:00", "2026-03-16 00:00"),
      ("2026-03-16 09:00", "2026-03-16 17:00")]),
    # allow_day Sunday on the spring-forward Sunday in New York is 23 hours long:
    # 00:00 EST (05:00Z) to 00:00 EDT Monday (04:00Z).
    ([{"allow_day": {"day": "Sunday"}}], NY, "2026-03-07 00:00", "2026-03-10 00:00",
     [("2026-03-08 05:00", "2026-03-09 04:00")]),
    # ... and 25 hours long on the fall-back Sunday: 00:00 EDT (04:00Z) to 00:00 EST (05:00Z).
    ([{"allow_day": {"day": "Sunday"}}], NY, "2026-10-31 00:00", "2026-11-03 00:00",
     [("2026-11-01 04:00", "2026-11-02 05:00")]),
    # allow_hours 9-17 on both sides of every change: the same local hours each day.
    # New York spring: Sat 9-17 EST = 14-22Z, Sun 9-17 EDT = 13-21Z.
    ([{"allow_hours": {"start": 9, "end": 17}}], NY, "2026-03-07 00:00", "2026-03-09 00:00",
     [("2026-03-07 14:00", "2026-03-07 22:00"), ("2026-03-08 13:00", "2026-03-08 21:00")]),
    # New York fall: Sat 9-17 EDT = 13-21Z, Sun 9-17 EST = 14-22Z.
    ([{"allow_hours": {"start": 9, "end": 17}}], NY, "2026-10-31 00:00", "2026-11-02 00:00",
     [("2026-10-31 13:00", "2026-10-31 21:00"), ("2026-11-01 14:00", "2026-11-01 22:00")]),
    # Copenhagen spring: Sat 9-17 CET = 8-16Z, Sun 9-17 CEST = 7-15Z.
    ([{"allow_hours": {"start": 9, "end": 17}}], CPH, "2026-03-28 00:00", "2026-03-30 00:00",
     [("2026-03-28 08:00", "2026-03-28 16:00"), ("2026-03-29 07:00", "2026-03-29 15:00")]),
    # Copenhagen fall: Sat 9-17 CEST = 7-15Z, Sun 9-17 CET = 8-16Z.
    ([{"allow_hours": {"start": 9, "end": 17}}], CPH, "2026-10-24 00:00", "2026-10-26 00:00",
     [("2026-10-24 07:00", "2026-10-24 15:00"), ("2026-10-25 08:00", "2026-10-25 16:00")]),
    # block_hours 1-4 across the NY spring-forward: 01:00 EST = 06:00Z .. 04:00 EDT = 08:00Z,
    # only two real hours are blocked.
    ([{"block_hours": {"start": 1, "end": 4}}], NY, "2026-03-08 05:00", "2026-03-08 10:00",
     [("2026-03-08 05:00", "2026-03-08 06:00"), ("2026-03-08 08:00", "2026-03-08 10:00")]),
    # block_hours 2:00-2:30 on the NY spring-forward blocks nothing: that wall time never shows.
    ([{"block_hours": {"start": 2, "end": "02:30"}}], NY, "2026-03-08 05:00", "2026-03-08 10:00",
     [("2026-03-08 05:00", "2026-03-08 10:00")]),
    # block_hours 0-3 across the NY fall-back (Sun 2026-11-01): 00:00 EDT = 04:00Z ..
    # 03:00 EST = 08:00Z, four real hours.
    ([{"block_hours": {"start": 0, "end": 3}}], NY, "2026-11-01 03:00", "2026-11-01 09:00",
     [("2026-11-01 03:00", "2026-11-01 04:00"), ("2026-11-01 08:00", "2026-11-01 09:00")]),
    # block_hours 1:00-1:30 on the NY fall-back blocks both times the clock shows it:
    # 01:00-01:30 EDT (05:00-05:30Z) and 01:00-01:30 EST (06:00-06:30Z).
    ([{"block_hours": {"start": 1, "end": "01:30"}}], NY, "2026-11-01 04:00", "2026-11-01 08:00",
     [("2026-11-01 04:00", "2026-11-01 05:00"), ("2026-11-01 05:30", "2026-11-01 06:00"),
      ("2026-11-01 06:30", "2026-11-01 08:00")]),
    # A Kathmandu (+05:45) day: 9-17 local = 03:15-11:15Z.
    ([{"allow_hours": {"start": 9, "end": 17}}], ZoneInfo("Asia/Kathmandu"), "2026-03-09 00:00",
     "2026-03-10 00:00", [("2026-03-09 03:15", "2026-03-09 11:15")]),
])
def test_free_intervals(constraints, tz, start, end, expected):
    assert as_utc_strings(free_intervals(constraints, tz, utc(start), utc(end))) == expected


def test_free_intervals_takes_any_aware_bounds():
    # 10:00+01:00 .. 12:00+01:00 is 09:00-11:00 UTC; the answer is in UTC whatever came in.
    start = datetime(2026, 3, 9, 10, tzinfo=CPH)
    end = datetime(2026, 3, 9, 12, tzinfo=CPH)
    assert as_utc_strings(free_intervals([], CPH, start, end)) == [
        ("2026-03-09 09:00", "2026-03-09 11:00")
    ]


def test_period_without_offset_is_wall_time_of_the_zone():
    # PHP SDK form: 08:00-09:30 New York wall time on 2026-03-09 (EDT) = 12:00-13:30 UTC.
    constraints = [{"allow_period": {"start": "2026-03-09 08:00:00", "end": "2026-03-09 09:30:00"}}]
    assert as_utc_strings(free_intervals(constraints, NY, utc("2026-03-09 00:00"),
                                         utc("2026-03-10 00:00"))) == [
        ("2026-03-09 12:00", "2026-03-09 13:30")
    ]


def test_empty_window_is_never_free():
    assert free_intervals([], NY, utc("2026-03-09 10:00"), utc("2026-03-09 10:00")) == []


@pytest.mark.parametrize("constraints, start, end", [
    ([{"allow_hours": {"start": 17, "end": 9}}], utc("2026-03-09 00:00"), utc("2026-03-10 00:00")),
    ("not a list", utc("2026-03-09 00:00"), utc("2026-03-10 00:00")),
    ([], datetime(2026, 3, 9), utc("2026-03-10 00:00")),  # naive start
])
def test_free_intervals_rejects_invalid_input(constraints, start, end):
    with pytest.raises(ValueError):
        free_intervals(constraints, UTC, start, end)
