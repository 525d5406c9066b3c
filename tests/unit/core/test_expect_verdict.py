"""Judging slots against expectations (core/verdict.py), with slots and verdicts worked out by hand.

The window is Mon 2027-01-04 to Sun 2027-01-10 in Copenhagen (UTC+1) unless a test says otherwise;
slots are written as local wall-clock times there.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tkctl.core.expect import AvailabilityTest, Hours, WeeklyTime, resolve_window
from tkctl.core.verdict import FAIL, MAX_SHOWN, PASS, SKIP, Outcome, Slot, describe, evaluate, slot_text, time_text

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 12, 1, 8, tzinfo=timezone.utc)


def local(text: str, zone=CPH) -> datetime:
    """'2027-01-04 09:00' in `zone`, as the API would answer it (an aware time, its own offset)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def slot(start: str, minutes: int = 60, who: str = "Dr. Jones", zone=CPH) -> Slot:
    begin = local(start, zone)
    end = (begin.astimezone(timezone.utc) + timedelta(minutes=minutes)).astimezone(zone)
    return Slot(begin, end, (who,), ("id-" + who,))


def judge(name: str, value, slots: list[Slot], start="2027-01-04", days=7, zone="Europe/Copenhagen") -> Outcome:
    test = AvailabilityTest("t", "project", "p", start, days, zone, None, ((name, value),))
    window = resolve_window(test, NOW)
    (outcome,) = evaluate(test, window, slots)
    return outcome


WEEKDAYS = (0, 1, 2, 3, 4)


@pytest.mark.parametrize("name, value, slots, status, message, shown, count", [
    # min_slots / max_slots count slots as returned
    ("min_slots", 2, [slot("2027-01-04 09:00"), slot("2027-01-04 09:15")], PASS, "2 slots", 0, 0),
    ("min_slots", 3, [slot("2027-01-04 09:00")], FAIL, "1 slot, fewer than 3", 0, 0),
    ("min_slots", 0, [], PASS, "0 slots", 0, 0),
    ("max_slots", 0, [], PASS, "0 slots", 0, 0),
    ("max_slots", 1, [slot("2027-01-04 09:00"), slot("2027-01-05 09:00")], FAIL, "2 slots, more than 1", 2, 2),
    # only_on: every day a slot touches must be listed; an end at midnight stays on its day
    ("only_on", WEEKDAYS, [slot("2027-01-08 23:00")], PASS, "all 1 slot are on these days", 0, 0),
    ("only_on", WEEKDAYS, [slot("2027-01-08 23:30")], FAIL, "1 of 1 slot are on other days", 1, 1),
    ("only_on", WEEKDAYS, [slot("2027-01-04 09:00"), slot("2027-01-09 10:00"), slot("2027-01-10 10:00")],
     FAIL, "2 of 3 slots are on other days", 2, 2),
    ("only_on", (5,), [slot("2027-01-09 00:00"), slot("2027-01-09 23:00")], PASS, "all 2 slots are on these days", 0, 0),
    # within_hours: starts and ends inside the hours of the day it starts on
    ("within_hours", Hours(540, 1020), [slot("2027-01-04 09:00"), slot("2027-01-04 16:00")], PASS,
     "all 2 slots are inside", 0, 0),
    ("within_hours", Hours(540, 1020), [slot("2027-01-04 08:45"), slot("2027-01-04 16:15"), slot("2027-01-04 12:00")],
     FAIL, "2 of 3 slots are outside 09:00-17:00", 2, 2),
    ("within_hours", Hours(1320, 1440), [slot("2027-01-04 23:00")], PASS, "all 1 slot are inside", 0, 0),
    ("within_hours", Hours(1320, 1440), [slot("2027-01-04 23:30")], FAIL, "1 of 1 slot are outside 22:00-24:00", 1, 1),
    # none_between: no overlap with the hours on any day; touching the edge is no overlap
    ("none_between", Hours(720, 780), [slot("2027-01-04 11:00"), slot("2027-01-04 13:00")], PASS,
     "none of 2 slots overlaps it", 0, 0),
    ("none_between", Hours(720, 780), [slot("2027-01-04 11:15"), slot("2027-01-05 12:45", 15)], FAIL,
     "2 of 2 slots overlap 12:00-13:00", 2, 2),
    ("none_between", Hours(0, 60), [slot("2027-01-04 23:30")], FAIL, "1 of 1 slot overlap 00:00-01:00", 1, 1),
    # slot_at: a slot starts at the time on every such weekday of the window
    ("slot_at", (WeeklyTime(0, 540),), [slot("2027-01-04 09:00")], PASS, "offered (1 start)", 0, 0),
    ("slot_at", (WeeklyTime(0, 540), WeeklyTime(1, 600)), [slot("2027-01-04 09:15"), slot("2027-01-05 10:00")],
     FAIL, "1 of 2 starts not offered", 1, 1),
    # no_slot_at: no slot starts then
    ("no_slot_at", (WeeklyTime(5, 600),), [slot("2027-01-09 09:45"), slot("2027-01-09 10:15")], PASS,
     "none offered (1 start)", 0, 0),
    ("no_slot_at", (WeeklyTime(5, 600),), [slot("2027-01-09 10:00", who="A"), slot("2027-01-09 10:00", who="B")], FAIL,
     "2 slots offered at these times", 2, 2),
])
def test_each_rule(name, value, slots, status, message, shown, count):
    outcome = judge(name, value, slots)
    assert (outcome.name, outcome.status, outcome.message) == (name, status, message)
    assert len(outcome.slots) + len(outcome.missing) == shown
    assert outcome.count == count


def test_a_failure_keeps_a_few_examples_in_order_and_counts_all():
    slots = [slot(f"2027-01-09 {h:02d}:00") for h in range(10, 18)][::-1]  # unsorted, as an API may answer
    outcome = judge("only_on", WEEKDAYS, slots)
    assert outcome.count == 8 and len(outcome.slots) == MAX_SHOWN == 3
    assert [s.start.hour for s in outcome.slots] == [10, 11, 12]


def test_slot_at_is_checked_on_every_such_weekday_and_names_the_missing_one():
    outcome = judge("slot_at", (WeeklyTime(0, 540),), [slot("2027-01-04 09:00")], days=14)
    assert (outcome.status, outcome.message, outcome.count) == (FAIL, "1 of 2 starts not offered", 1)
    assert outcome.missing == (datetime(2027, 1, 11, 8, tzinfo=timezone.utc),)


def test_a_slot_at_compares_instants_whatever_offset_the_api_writes():
    utc = Slot(datetime(2027, 1, 4, 8, tzinfo=timezone.utc), datetime(2027, 1, 4, 9, tzinfo=timezone.utc))
    assert judge("slot_at", (WeeklyTime(0, 540),), [utc]).status == PASS


def test_a_window_without_that_weekday_fails_with_the_reason():
    outcome = judge("no_slot_at", (WeeklyTime(5, 600),), [], days=3)
    assert (outcome.status, outcome.message) == (
        FAIL, "the window (Mon 2027-01-04 to Wed 2027-01-06) holds none of these times: lengthen it (days) or move it (from)")
    assert judge("slot_at", (WeeklyTime(5, 600),), [], days=3).status == FAIL


def test_times_read_in_the_tests_zone_not_the_answers():
    """A New York test of slots the API writes in UTC: 10:00 in New York is 15:00 UTC in January."""
    ny = ZoneInfo("America/New_York")
    slots = [slot("2027-01-04 15:00", zone=timezone.utc)]
    assert judge("within_hours", Hours(600, 660), slots, zone="America/New_York").status == PASS
    assert judge("within_hours", Hours(900, 960), slots, zone="Europe/Copenhagen").status == FAIL
    assert judge("slot_at", (WeeklyTime(0, 600),), [slot("2027-01-04 10:00", zone=ny)], zone="America/New_York").status == PASS


def test_autumn_change_wall_clock_hours_and_the_repeated_hour():
    """On Sun 2027-10-31 Copenhagen goes from 03:00 CEST back to 02:00 CET. A slot from 01:30 CEST
    to 02:30 CET lasts two hours and is inside 01:00-03:00 by the wall clock."""
    start = datetime(2027, 10, 30, 23, 30, tzinfo=timezone.utc)  # 01:30 CEST
    two_hours = Slot(start, start + timedelta(hours=2))  # ends 02:30 CET
    assert judge("within_hours", Hours(60, 180), [two_hours], start="2027-10-31", days=1).status == PASS
    assert judge("none_between", Hours(150, 170), [two_hours], start="2027-10-31", days=1).status == PASS


def test_spring_change_a_time_that_does_not_exist_is_not_asked_for():
    """Sun 2027-03-28 02:30 does not exist in Copenhagen: the other Sunday of the window is asked."""
    outcome = judge("slot_at", (WeeklyTime(6, 150),), [], start="2027-03-22", days=14)
    assert outcome.missing == (datetime(2027, 4, 4, 0, 30, tzinfo=timezone.utc),)
    assert outcome.message == "1 of 1 start not offered"


def test_from_today_skips_the_times_already_past():
    test = AvailabilityTest("t", "resource", "r", "today", 8, "Europe/Copenhagen", None,
                            (("slot_at", (WeeklyTime(1, 540),)),))
    now = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)  # Tuesday 10:00 in Copenhagen: today's 09:00 is past
    window = resolve_window(test, now)
    (outcome,) = evaluate(test, window, [])
    assert outcome.missing == (datetime(2026, 12, 8, 8, tzinfo=timezone.utc),)


def test_bookable_takes_the_outcome_given_in_the_order_written():
    test = AvailabilityTest("t", "project", "p", "2027-01-04", 7, "Europe/Copenhagen", None,
                            (("bookable", True), ("min_slots", 1)))
    window = resolve_window(test, NOW)
    booked = Outcome("bookable", "true", PASS, "booked")
    assert [o.name for o in evaluate(test, window, [slot("2027-01-04 09:00")], booked)] == ["bookable", "min_slots"]
    assert evaluate(test, window, [], booked)[0] is booked
    assert evaluate(test, window, [])[0].status == SKIP
    off = AvailabilityTest("t", "project", "p", "2027-01-04", 7, "Europe/Copenhagen", None, (("bookable", False),))
    assert evaluate(off, window, [])[0] == Outcome("bookable", "false", PASS, "not checked (bookable: false)")


def test_texts():
    test = AvailabilityTest("t", "project", "p", "2027-01-04", 7, "Europe/Copenhagen", None, (("min_slots", 1),))
    window = resolve_window(test, NOW)
    assert slot_text(slot("2027-01-04 09:00", 30), window) == "Mon 2027-01-04 09:00-09:30 Dr. Jones"
    assert slot_text(slot("2027-01-08 23:45", 30), window) == "Fri 2027-01-08 23:45-Sat 2027-01-09 00:15 Dr. Jones"
    assert slot_text(Slot(local("2027-01-04 09:00"), local("2027-01-04 10:00"), ("A", "B")), window) == \
        "Mon 2027-01-04 09:00-10:00 A, B"
    assert time_text(datetime(2027, 1, 4, 8, tzinfo=timezone.utc), window) == "Mon 2027-01-04 09:00"
    assert describe("only_on", (0, 6)) == "monday, sunday"
    assert describe("slot_at", (WeeklyTime(0, 540), WeeklyTime(5, 600))) == "monday 09:00, saturday 10:00"
    assert describe("within_hours", Hours(540, 1020)) == "09:00-17:00"
    assert describe("bookable", True) == "true" and describe("min_slots", 3) == "3"
