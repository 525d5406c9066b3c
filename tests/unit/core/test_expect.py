"""The vocabulary of availability tests (core/expect.py): reading a test, and its window."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tkctl.core.expect import (
    AvailabilityTest,
    ExpectError,
    Hours,
    WeeklyTime,
    day_text,
    first_day,
    parse_clock,
    parse_test,
    resolve_window,
)

CPH = ZoneInfo("Europe/Copenhagen")
FULL = {
    "project": "consult",
    "from": "2027-01-04",
    "days": 7,
    "timezone": "Europe/Copenhagen",
    "length": "30 minutes",
    "expect": {
        "min_slots": 10,
        "max_slots": 500,
        "only_on": ["Monday", "tuesday", "wednesday", "thursday", "friday", "monday"],
        "within_hours": {"start": "09:00", "end": 17},
        "none_between": {"start": "12:00", "end": "13:00"},
        "slot_at": ["monday 09:00", "Friday 9:30"],
        "no_slot_at": ["saturday 10:00"],
        "bookable": True,
    },
}


def test_a_full_test_is_read_with_every_value_parsed_in_the_order_written():
    test, issues = parse_test("consult-hours", FULL)
    assert issues == []
    assert (test.name, test.kind, test.key, test.start, test.days, test.timezone, test.length) == (
        "consult-hours", "project", "consult", "2027-01-04", 7, "Europe/Copenhagen", "30 minutes")
    assert test.address == "project.consult"
    assert test.expect == (
        ("min_slots", 10),
        ("max_slots", 500),
        ("only_on", (0, 1, 2, 3, 4)),
        ("within_hours", Hours(540, 1020)),
        ("none_between", Hours(720, 780)),
        ("slot_at", (WeeklyTime(0, 540), WeeklyTime(4, 570))),
        ("no_slot_at", (WeeklyTime(5, 600),)),
        ("bookable", True),
    )
    assert str(Hours(540, 1440)) == "09:00-24:00" and str(WeeklyTime(4, 570)) == "friday 09:30"


def test_defaults_next_monday_seven_days_and_the_objects_timezone():
    test, issues = parse_test("r", {"resource": "dr-jones", "expect": {"min_slots": 1}})
    assert issues == []
    assert (test.kind, test.key, test.start, test.days, test.timezone, test.length) == (
        "resource", "dr-jones", "next_monday", 7, None, None)


@pytest.mark.parametrize("data, issues", [
    ({"expect": {"min_slots": 1}},
     [((), "required field is missing: name the project (project: KEY) or the resource (resource: KEY) to test")]),
    ({"project": "a", "resource": "b", "expect": {"min_slots": 1}},
     [(("resource",), "names both a project and a resource; a test checks one of them")]),
    ({"project": 7, "expect": {"min_slots": 1}}, [(("project",), "must be the key of a project of the config (got 7)")]),
    ({"project": "a", "from": "2027-02-30", "expect": {"min_slots": 1}},
     [(("from",), 'must be a date YYYY-MM-DD, next_monday or today (got "2027-02-30")')]),
    ({"project": "a", "from": "tomorrow", "expect": {"min_slots": 1}},
     [(("from",), 'must be a date YYYY-MM-DD, next_monday or today (got "tomorrow")')]),
    ({"project": "a", "days": 0, "expect": {"min_slots": 1}},
     [(("days",), "must be a whole number of days from 1 to 180 (got 0)")]),
    ({"project": "a", "days": True, "expect": {"min_slots": 1}},
     [(("days",), "must be a whole number of days from 1 to 180 (got true)")]),
    ({"project": "a", "timezone": "Europe/Copenhagn", "expect": {"min_slots": 1}},
     [(("timezone",), '"Europe/Copenhagn" is not an IANA time zone (such as Europe/Copenhagen)')]),
    ({"project": "a", "length": "30 minutez", "expect": {"min_slots": 1}},
     [(("length",), '"30 minutez" is not a duration such as "30 minutes": unknown unit "minutez"; did you mean '
                    '"30 minutes"?')]),
    ({"project": "a", "length": "0 minutes", "expect": {"min_slots": 1}}, [(("length",), "must be longer than 0")]),
    ({"project": "a"},
     [(("expect",), "required field is missing: say what must hold (min_slots, max_slots, only_on, within_hours, "
                    "none_between, slot_at, no_slot_at, bookable)")]),
    ({"project": "a", "expect": {}},
     [(("expect",), "must hold at least one expectation: min_slots, max_slots, only_on, within_hours, none_between, "
                    "slot_at, no_slot_at, bookable")]),
    ({"project": "a", "expect": {"min_slots": -1, "max_slots": "3"}},
     [(("expect", "min_slots"), "must be a whole number, 0 or more (got -1)"),
      (("expect", "max_slots"), 'must be a whole number, 0 or more (got "3")')]),
    ({"project": "a", "expect": {"only_on": ["monday", "funday"]}},
     [(("expect", "only_on", 1), 'must be a weekday, monday to sunday (got "funday")')]),
    ({"project": "a", "expect": {"only_on": []}},
     [(("expect", "only_on"), "must be a list of weekdays, such as [monday, tuesday]")]),
    ({"project": "a", "expect": {"within_hours": {"start": "18:00", "end": "09:00"}}},
     [(("expect", "within_hours", "end"), "must be later than start (18:00 to 09:00); the window cannot cross midnight")]),
    ({"project": "a", "expect": {"none_between": {"start": "25:00"}}},
     [(("expect", "none_between", "end"), "required field is missing"),
      (("expect", "none_between", "start"), 'must be a time "HH:MM" from "00:00" to "24:00" or an hour 0-24 (got "25:00")')]),
    ({"project": "a", "expect": {"within_hours": "9-17"}},
     [(("expect", "within_hours"), 'must be a mapping {start: "HH:MM", end: "HH:MM"}')]),
    ({"project": "a", "expect": {"slot_at": ["monday 9", "someday 10:00", "sunday 24:00"]}},
     [(("expect", "slot_at", 0), 'must be a weekday and a time such as "monday 09:00" (got "monday 9")'),
      (("expect", "slot_at", 1), 'must be a weekday and a time such as "monday 09:00" (got "someday 10:00")'),
      (("expect", "slot_at", 2), 'must be a weekday and a time such as "monday 09:00" (got "sunday 24:00")')]),
    ({"project": "a", "expect": {"no_slot_at": "saturday 10:00"}},
     [(("expect", "no_slot_at"), 'must be a list of at least one weekday and time, such as ["monday 09:00"]')]),
    ({"project": "a", "expect": {"bookable": "yes"}}, [(("expect", "bookable"), 'must be true or false (got "yes")')]),
])
def test_every_mistake_is_named_at_its_place(data, issues):
    test, found = parse_test("t", data)
    assert test is None
    assert sorted(found) == sorted(issues)


def test_unknown_expectations_are_left_to_the_schema():
    """The schema names unknown keys with a "did you mean"; reading only says none is known."""
    test, issues = parse_test("t", {"project": "a", "expect": {"min_slots": 2, "min_slot": 3}})
    assert issues == [] and test.expect == (("min_slots", 2),)
    assert parse_test("t", {"project": "a", "expect": {"min_slot": 3}}) == (None, [
        (("expect",), "must hold at least one expectation: min_slots, max_slots, only_on, within_hours, none_between, "
                      "slot_at, no_slot_at, bookable")])
    assert parse_test("t", "a string") == (None, [((), "must be a mapping with project (or resource), from, days, "
                                                        "timezone and expect")])


@pytest.mark.parametrize("value, minutes", [
    (9, 540), (0, 0), (24, 1440), ("09:30", 570), ("9:30", 570), ("24:00", 1440), ("00:00", 0),
    ("24:30", None), ("9", None), (25, None), (-1, None), (True, None), ("09:60", None), (None, None),
])
def test_clock_values(value, minutes):
    assert parse_clock(value) == minutes


def _test(start="2027-01-04", days=7, zone="Europe/Copenhagen") -> AvailabilityTest:
    return AvailabilityTest("t", "project", "p", start, days, zone, None, (("min_slots", 1),))


@pytest.mark.parametrize("now, expected", [
    (datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc), date(2026, 12, 7)),    # a Tuesday
    (datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc), date(2026, 12, 14)),   # a Monday: the next one
    (datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc), date(2026, 12, 14)),  # Sunday in UTC, Monday in Copenhagen
    (datetime(2026, 12, 13, 22, 59, tzinfo=timezone.utc), date(2026, 12, 14)),  # Sunday 23:59 in Copenhagen
])
def test_next_monday_is_the_first_monday_after_today_in_the_tests_zone(now, expected):
    assert first_day("next_monday", CPH, now) == expected


def test_the_window_runs_from_local_midnight_to_local_midnight():
    window = resolve_window(_test(), datetime(2026, 12, 1, 8, tzinfo=timezone.utc))
    assert window.start == datetime(2027, 1, 3, 23, tzinfo=timezone.utc)  # midnight in Copenhagen
    assert window.end == datetime(2027, 1, 10, 23, tzinfo=timezone.utc)
    assert window.query_start == window.start
    assert (window.first_day, window.last_day, len(window.dates())) == (date(2027, 1, 4), date(2027, 1, 10), 7)


def test_a_window_across_the_spring_change_lasts_a_day_less_one_hour():
    window = resolve_window(_test("2027-03-28", days=1), datetime(2027, 3, 1, tzinfo=timezone.utc))
    assert window.end - window.start == timedelta(hours=23)
    assert window.at(date(2027, 3, 28), 2 * 60 + 30) is None  # 02:30 does not exist that day
    assert window.at(date(2027, 3, 28), 3 * 60) == datetime(2027, 3, 28, 1, tzinfo=timezone.utc)


def test_today_starts_now_because_nobody_can_book_the_past():
    now = datetime(2026, 12, 1, 10, 7, 30, tzinfo=timezone.utc)
    window = resolve_window(_test("today", days=2), now)
    assert window.first_day == date(2026, 12, 1)
    assert window.start == datetime(2026, 11, 30, 23, tzinfo=timezone.utc)
    assert window.query_start == now and window.end == datetime(2026, 12, 2, 23, tzinfo=timezone.utc)


def test_a_window_that_is_over_cannot_run():
    with pytest.raises(ExpectError) as caught:
        resolve_window(_test("2026-11-02"), datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert str(caught.value) == ("its window (Mon 2026-11-02 to Sun 2026-11-08) is over: nobody can book the past. "
                                 "Move `from` to a later date, or write next_monday or today")


def test_a_window_needs_an_aware_now_and_a_timezone():
    with pytest.raises(ValueError):
        resolve_window(_test(), datetime(2026, 12, 1))
    with pytest.raises(ValueError):
        resolve_window(_test(zone=None), datetime(2026, 12, 1, tzinfo=timezone.utc))


def test_day_text_does_not_depend_on_the_locale():
    assert [day_text(date(2027, 1, 4) + timedelta(days=i))[:3] for i in range(7)] == [
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
