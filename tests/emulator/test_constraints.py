"""Availability constraint shapes (422 messages) and the free time of one constraint list."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tkctl.emulator.constraints import free_intervals, parse_timestamp, validate_constraints

from tests.fixtures import REALDATA
UTC = timezone.utc
NY = ZoneInfo("America/New_York")
CPH = ZoneInfo("Europe/Copenhagen")
F = "availability_constraints"


def realdata_constraints(name: str) -> list[dict]:
    return json.loads((REALDATA / name).read_text())["availability_constraints"]


def utc(text: str) -> datetime:
    """'2026-03-09 09:00' as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", [
    "availability-constraints-opening-hours.json",
    "availability-constraints-opening-hours-lunch-break.json",
    "resource-update-availability-constraints-request.json",
])
def test_realdata_constraint_lists_are_valid(name):
    assert validate_constraints(realdata_constraints(name)) == {}


@pytest.mark.parametrize("item", [
    {"allow_hours": {"start": 9, "end": 17}},
    {"block_hours": {"start": 12, "end": 13}},
    {"allow_hours": {"start": "09:00", "end": "17:30"}},
    {"block_hours": {"start": 0, "end": 24}},
    {"allow_hours": {"start": "00:00", "end": "24:00"}},
    {"allow_hours": {"start": 9, "end": "09:15"}},  # mixed formats in one item
    {"allow_day_and_time": {"day": "Monday", "start": 9, "end": 17}},
    {"block_day_and_time": {"day": "monday", "start": "12:00", "end": "13:00"}},
    {"allow_day_and_time": {"day": "SUNDAY", "start": 0, "end": 24}},
    {"allow_day": {"day": "Monday"}},
    {"block_day": {"day": "saturday"}},
    {"allow_period": {"start": "2022-05-01", "end": "2022-05-06"}},
    {"block_period": {"start": "2022-05-01T08:00:00Z", "end": "2022-05-01T09:00:00.000Z"}},
    {"block_period": {"start": "2022-05-01T08:00:00+02:00", "end": "2022-05-01T09:00:00+0200"}},
    {"block_period": {"start": "2022-05-01 08:00:00", "end": "2022-05-01 09:30:00"}},  # PHP SDK
    {"allow_period": {"start": "2022-05-01", "end": "2022-05-01T12:00:00Z"}},
    {"allow_weekdays": {}},
    {"block_weekdays": {}},
    {"allow_weekends": {}},
    {"block_weekends": {}},
])
def test_every_type_and_value_format_is_accepted(item):
    assert validate_constraints([item]) == {}


@pytest.mark.parametrize("value", [[], None])
def test_empty_and_null_lists_are_valid(value):
    # null clears the list (timekit-api.md §3), so it is not a shape error
    assert validate_constraints(value) == {}


HOUR_MESSAGE = 'must be an hour 0 to 24 or a time "HH:MM" from 00:00 to 24:00.'
PERIOD_MESSAGE = "must be a date YYYY-MM-DD or an RFC3339 timestamp."


@pytest.mark.parametrize("value, expected", [
    # not an array at all
    ({"allow_hours": {"start": 9, "end": 17}},
     {F: [f"The {F} must be an array."]}),
    ("allow_weekdays", {F: [f"The {F} must be an array."]}),
    # an item that is no object
    ([5], {f"{F}.0": [f"The {F}.0 must be an object with one constraint type as its key."]}),
    # two keys in one item; the error sits on the item (index 1)
    ([{"block_weekends": {}}, {"allow_hours": {"start": 9, "end": 17}, "block_weekends": {}}],
     {f"{F}.1": [f"The {F}.1 must have exactly one key, the constraint type; it has 2."]}),
    ([{}], {f"{F}.0": [f"The {F}.0 must have exactly one key, the constraint type; it has 0."]}),
    # unknown type at index 2
    ([{"block_weekends": {}}, {"allow_weekdays": {}}, {"allow_month": {"month": 5}}],
     {f"{F}.2": [f"The {F}.2 type is unknown."]}),
    # parameters not an object
    ([{"allow_hours": [9, 17]}],
     {f"{F}.0.allow_hours": [f"The {F}.0.allow_hours must be an object."]}),
    # missing day
    ([{"allow_day_and_time": {"start": 9, "end": 17}}],
     {f"{F}.0.allow_day_and_time.day": [f"The {F}.0.allow_day_and_time.day field is required."]}),
    ([{"block_day": {}}],
     {f"{F}.0.block_day.day": [f"The {F}.0.block_day.day field is required."]}),
    # null counts as missing
    ([{"block_day": {"day": None}}],
     {f"{F}.0.block_day.day": [f"The {F}.0.block_day.day field is required."]}),
    # bad day names
    ([{"allow_day": {"day": "Mon"}}],
     {f"{F}.0.allow_day.day": [f"The {F}.0.allow_day.day must be a day of the week, Monday to Sunday."]}),
    ([{"allow_day": {"day": 1}}],
     {f"{F}.0.allow_day.day": [f"The {F}.0.allow_day.day must be a day of the week, Monday to Sunday."]}),
    # start >= end (equal and reversed); the error sits on end
    ([{"allow_hours": {"start": 17, "end": 9}}],
     {f"{F}.0.allow_hours.end": [f"The {F}.0.allow_hours.end must be after the start."]}),
    ([{"block_hours": {"start": "12:00", "end": 12}}],
     {f"{F}.0.block_hours.end": [f"The {F}.0.block_hours.end must be after the start."]}),
    ([{"allow_day_and_time": {"day": "Friday", "start": 24, "end": "24:00"}}],
     {f"{F}.0.allow_day_and_time.end": [f"The {F}.0.allow_day_and_time.end must be after the start."]}),
    # hour values out of range or in another format
    ([{"allow_hours": {"start": 9, "end": 25}}],
     {f"{F}.0.allow_hours.end": [f"The {F}.0.allow_hours.end {HOUR_MESSAGE}"]}),
    ([{"allow_hours": {"start": "9am", "end": 17}}],
     {f"{F}.0.allow_hours.start": [f"The {F}.0.allow_hours.start {HOUR_MESSAGE}"]}),
    ([{"allow_hours": {"start": -1, "end": 17}}],
     {f"{F}.0.allow_hours.start": [f"The {F}.0.allow_hours.start {HOUR_MESSAGE}"]}),
    ([{"allow_hours": {"start": "9:00", "end": "17:60"}}],
     {f"{F}.0.allow_hours.start": [f"The {F}.0.allow_hours.start {HOUR_MESSAGE}"],
      f"{F}.0.allow_hours.end": [f"The {F}.0.allow_hours.end {HOUR_MESSAGE}"]}),
    ([{"allow_hours": {"start": 9.5, "end": "24:30"}}],
     {f"{F}.0.allow_hours.start": [f"The {F}.0.allow_hours.start {HOUR_MESSAGE}"],
      f"{F}.0.allow_hours.end": [f"The {F}.0.allow_hours.end {HOUR_MESSAGE}"]}),
    ([{"allow_hours": {"start": True, "end": "17"}}],
     {f"{F}.0.allow_hours.start": [f"The {F}.0.allow_hours.start {HOUR_MESSAGE}"],
      f"{F}.0.allow_hours.end": [f"The {F}.0.allow_hours.end {HOUR_MESSAGE}"]}),
    # both bounds missing
    ([{"block_hours": {}}],
     {f"{F}.0.block_hours.start": [f"The {F}.0.block_hours.start field is required."],
      f"{F}.0.block_hours.end": [f"The {F}.0.block_hours.end field is required."]}),
    # parameters of another type
    ([{"allow_hours": {"day": "Monday", "start": 9, "end": 17}}],
     {f"{F}.0.allow_hours.day": [
         f"The {F}.0.allow_hours.day field is not allowed; allow_hours takes start, end."]}),
    # period end before start, equal, bad values
    ([{"block_period": {"start": "2022-05-06", "end": "2022-05-01"}}],
     {f"{F}.0.block_period.end": [f"The {F}.0.block_period.end must be after the start."]}),
    ([{"block_period": {"start": "2022-05-01T10:00:00+02:00", "end": "2022-05-01T08:00:00Z"}}],
     {f"{F}.0.block_period.end": [f"The {F}.0.block_period.end must be after the start."]}),
    ([{"allow_period": {"start": "2022-05-01", "end": "2022-05-01"}}],
     {f"{F}.0.allow_period.end": [f"The {F}.0.allow_period.end must be after the start."]}),
    ([{"allow_period": {"start": "May 1st", "end": "2022-02-30"}}],
     {f"{F}.0.allow_period.start": [f"The {F}.0.allow_period.start {PERIOD_MESSAGE}"],
      f"{F}.0.allow_period.end": [f"The {F}.0.allow_period.end {PERIOD_MESSAGE}"]}),
    ([{"allow_period": {"start": "2022-05-01T10:00:00+25:00", "end": 20220502}}],
     {f"{F}.0.allow_period.start": [f"The {F}.0.allow_period.start {PERIOD_MESSAGE}"],
      f"{F}.0.allow_period.end": [f"The {F}.0.allow_period.end {PERIOD_MESSAGE}"]}),
    ([{"allow_period": {"start": "2022-05-01"}}],
     {f"{F}.0.allow_period.end": [f"The {F}.0.allow_period.end field is required."]}),
    # weekdays/weekends take no parameters
    ([{"block_weekdays": {"day": "Monday"}}],
     {f"{F}.0.block_weekdays": [f"The {F}.0.block_weekdays takes no parameters: send {{}}."]}),
    ([{"allow_weekends": None}],
     {f"{F}.0.allow_weekends": [f"The {F}.0.allow_weekends must be an object."]}),
    # every bad item is reported, the good ones are not
    ([{"allow_weekdays": {}}, {"nope": {}}, {"allow_hours": {"start": 9, "end": 17}}, "x"],
     {f"{F}.1": [f"The {F}.1 type is unknown."],
      f"{F}.3": [f"The {F}.3 must be an object with one constraint type as its key."]}),
])
def test_invalid_shapes_are_rejected_with_their_field(value, expected):
    assert validate_constraints(value) == expected


def test_field_name_prefixes_every_key():
    # POST /availability calls the request list `constraints` (§11)
    assert validate_constraints([{"allow_day": {"day": "Funday"}}], field="constraints") == {
        "constraints.0.allow_day.day": [
            "The constraints.0.allow_day.day must be a day of the week, Monday to Sunday."
        ]
    }
    assert validate_constraints("x", field="constraints") == {
        "constraints": ["The constraints must be an array."]
    }


@pytest.mark.parametrize("text, expected", [
    ("2026-03-09T09:00:00Z", datetime(2026, 3, 9, 9, tzinfo=UTC)),
    ("2026-11-25T00:00:00.000Z", datetime(2026, 11, 25, tzinfo=UTC)),
    ("2017-11-24T08:46:01+02:00", datetime(2017, 11, 24, 6, 46, 1, tzinfo=UTC)),
    ("2017-12-19T09:37:36+0200", datetime(2017, 12, 19, 7, 37, 36, tzinfo=UTC)),
    ("2026-03-09T09:00:00.1234567-05:00", datetime(2026, 3, 9, 14, 0, 0, 123456, tzinfo=UTC)),
])
def test_parse_timestamp_accepts_rfc3339_forms(text, expected):
    parsed = parse_timestamp(text)
    assert parsed == expected and parsed.utcoffset() is not None


@pytest.mark.parametrize("text", [
    "2026-03-09", "2026-03-09T09:00:00", "2026-03-09T09:00Z", "2026-13-01T00:00:00Z",
    "2026-03-09T24:00:00Z", "2026-03-09T09:00:00+24:00", "yesterday", "",
])
def test_parse_timestamp_rejects_other_text(text):
    with pytest.raises(ValueError):
        parse_timestamp(text)


# --------------------------------------------------------------------------- free time


def as_utc_strings(intervals) -> list[tuple[str, str]]:
    for start, end in intervals:
        assert start.utcoffset().total_seconds() == 0 and end.utcoffset().total_seconds() == 0
    return [(s.strftime("%Y-%m-%d %H:%M"), e.strftime("%Y-%m-%d %H:%M")) for s, e in intervals]


OPENING = realdata_constraints("availability-constraints-opening-hours.json")
LUNCH = realdata_constraints("availability-constraints-opening-hours-lunch-break.json")
MON_TUE = realdata_constraints("resource-update-availability-constraints-request.json")


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
    # allow_period with offsets: only 10:00-12:30 +01:00 = 09:00-11:30 UTC is free.
    ([{"allow_period": {"start": "2026-03-09T10:00:00+01:00", "end": "2026-03-09T12:30:00+0100"}}],
     UTC, "2026-03-09 00:00", "2026-03-10 00:00", [("2026-03-09 09:00", "2026-03-09 11:30")]),
    # allow_day_and_time with "HH:MM" minutes and a lowercase day; block_day_and_time inside it.
    ([{"allow_day_and_time": {"day": "monday", "start": "09:30", "end": "12:45"}},
      {"block_day_and_time": {"day": "Monday", "start": 10, "end": "10:15"}}],
     UTC, "2026-03-09 00:00", "2026-03-11 00:00",
     [("2026-03-09 09:30", "2026-03-09 10:00"), ("2026-03-09 10:15", "2026-03-09 12:45")]),
    # allow_weekends alone: Sat+Sun whole days, joined into one interval.
    ([{"allow_weekends": {}}], UTC, "2026-03-12 00:00", "2026-03-17 00:00",
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
    # US DST starts Sun 2026-03-08: 9-17 local is 14-22 UTC on Sat (EST), 13-21 UTC on Sun (EDT).
    ([{"allow_hours": {"start": 9, "end": 17}}], NY, "2026-03-07 00:00", "2026-03-09 00:00",
     [("2026-03-07 14:00", "2026-03-07 22:00"), ("2026-03-08 13:00", "2026-03-08 21:00")]),
    # EU DST starts Sun 2026-03-29: 9-17 local is 8-16 UTC on Sat (CET), 7-15 UTC on Sun (CEST).
    ([{"allow_hours": {"start": 9, "end": 17}}], CPH, "2026-03-28 00:00", "2026-03-30 00:00",
     [("2026-03-28 08:00", "2026-03-28 16:00"), ("2026-03-29 07:00", "2026-03-29 15:00")]),
    # block_hours 1-4 across the NY spring-forward: 01:00 EST = 06:00Z .. 04:00 EDT = 08:00Z,
    # only two real hours are blocked.
    ([{"block_hours": {"start": 1, "end": 4}}], NY, "2026-03-08 05:00", "2026-03-08 10:00",
     [("2026-03-08 05:00", "2026-03-08 06:00"), ("2026-03-08 08:00", "2026-03-08 10:00")]),
    # block_hours 0-3 across the NY fall-back (Sun 2026-11-01): 00:00 EDT = 04:00Z ..
    # 03:00 EST = 08:00Z, four real hours.
    ([{"block_hours": {"start": 0, "end": 3}}], NY, "2026-11-01 03:00", "2026-11-01 09:00",
     [("2026-11-01 03:00", "2026-11-01 04:00"), ("2026-11-01 08:00", "2026-11-01 09:00")]),
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


@pytest.mark.parametrize("constraints, start, end", [
    ([{"allow_hours": {"start": 17, "end": 9}}], utc("2026-03-09 00:00"), utc("2026-03-10 00:00")),
    ("not a list", utc("2026-03-09 00:00"), utc("2026-03-10 00:00")),
    ([], datetime(2026, 3, 9), utc("2026-03-10 00:00")),  # naive start
])
def test_free_intervals_rejects_invalid_input(constraints, start, end):
    with pytest.raises(ValueError):
        free_intervals(constraints, UTC, start, end)
