"""Availability constraint shapes (422 messages) and the rules they parse into.

Their meaning in time (free intervals, DST) is tested in test_availability_freetime.py.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tkctl.emulator.constraints import (
    ALL_DAYS,
    WEEKDAYS,
    WEEKENDS,
    LocalTime,
    Rule,
    parse_rules,
    parse_timestamp,
    validate_constraints,
)

from tests.fixtures import REALDATA
UTC = timezone.utc
F = "availability_constraints"


def realdata_constraints(name: str) -> list[dict]:
    return json.loads((REALDATA / name).read_text())["availability_constraints"]


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
    # an offset-less timestamp (PHP SDK form) on a day that does not exist
    ([{"block_period": {"start": "2022-02-30 10:00:00", "end": "2022-03-01"}}],
     {f"{F}.0.block_period.start": [f"The {F}.0.block_period.start {PERIOD_MESSAGE}"]}),
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


# --------------------------------------------------------------------------- parsed rules


@pytest.mark.parametrize("item, rule", [
    # integer hours are whole hours; 24 is the next midnight (minute 1440)
    ({"allow_hours": {"start": 9, "end": 24}}, Rule(allow=True, days=ALL_DAYS, start_minute=540, end_minute=1440)),
    # "HH:MM" keeps its minutes
    ({"block_hours": {"start": "12:30", "end": "13:45"}},
     Rule(allow=False, days=ALL_DAYS, start_minute=750, end_minute=825)),
    # day names in any case; Monday is 0, Sunday 6
    ({"allow_day_and_time": {"day": "SUNDAY", "start": 0, "end": "08:15"}},
     Rule(allow=True, days=frozenset({6}), start_minute=0, end_minute=495)),
    ({"block_day": {"day": "wednesday"}}, Rule(allow=False, days=frozenset({2}))),
    ({"allow_weekdays": {}}, Rule(allow=True, days=WEEKDAYS)),
    ({"block_weekends": {}}, Rule(allow=False, days=WEEKENDS)),
    # a date is a wall time (local midnight), a timestamp with offset an instant
    ({"block_period": {"start": "2026-03-10", "end": "2026-03-12T09:00:00+01:00"}},
     Rule(allow=False, period=(LocalTime(datetime(2026, 3, 10)),
                               datetime(2026, 3, 12, 9, tzinfo=timezone(timedelta(hours=1)))))),
    # the PHP SDK's offset-less timestamp is a wall time too
    ({"allow_period": {"start": "2026-03-10 08:00:00", "end": "2026-03-10T10:00:00Z"}},
     Rule(allow=True, period=(LocalTime(datetime(2026, 3, 10, 8)), datetime(2026, 3, 10, 10, tzinfo=UTC)))),
])
def test_parse_rules(item, rule):
    assert parse_rules([item]) == [rule]


@pytest.mark.parametrize("value", ["x", [{"allow_hours": {"start": 17, "end": 9}}], [{"nope": {}}]])
def test_parse_rules_rejects_what_validation_rejects(value):
    with pytest.raises(ValueError):
        parse_rules(value)
