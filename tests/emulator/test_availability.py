"""Slots of POST /availability (timekit-api.md §11), worked out by hand, and its value parsers."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest

from tkctl.emulator.availability import (
    MODES,
    ResourceInput,
    compute_slots,
    parse_bound,
    parse_duration,
)

from tests.fixtures import REALDATA
UTC = timezone.utc
NOW = datetime(2026, 3, 9, 10, 7, 30, tzinfo=UTC)  # a Monday


def realdata_constraints(name: str) -> list[dict]:
    return json.loads((REALDATA / name).read_text())["availability_constraints"]


OPENING = realdata_constraints("availability-constraints-opening-hours.json")
LUNCH = realdata_constraints("availability-constraints-opening-hours-lunch-break.json")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def quarters(day: str, first: str, last: str) -> list[str]:
    """'2026-03-09', '09:00', '10:00' -> ['2026-03-09T09:00', '...09:15', ..., '...10:00']."""
    moment, stop = datetime.fromisoformat(f"{day}T{first}"), datetime.fromisoformat(f"{day}T{last}")
    result = []
    while moment <= stop:
        result.append(moment.strftime("%Y-%m-%dT%H:%M"))
        moment += timedelta(minutes=15)
    return result


def resource(rid: str, tz: str = "UTC", constraints=(), busy=()) -> ResourceInput:
    return ResourceInput(id=rid, name=f"Dr {rid}", timezone=tz, constraints=list(constraints),
                         busy=[(utc(a), utc(b)) for a, b in busy])


def slots(resources, start, end, length="1 hour", buffer="0 minutes", mode="mutual",
          output_timezone="UTC", project=(), request=(), rng=None):
    return compute_slots(
        resources=resources, project_constraints=list(project), request_constraints=list(request),
        start=utc(start), end=utc(end), length=parse_duration(length),
        buffer=parse_duration(buffer), mode=mode, output_timezone=output_timezone, rng=rng)


def starts(result) -> list[str]:
    """Slot starts in UTC as 'YYYY-MM-DDTHH:MM' (output_timezone must be UTC)."""
    assert all(s["start"].endswith("+00:00") for s in result)
    return [s["start"][:16] for s in result]


def starts_with_ids(result) -> list[tuple[str, list[str]]]:
    return [(s["start"][11:16], [r["id"] for r in s["resources"]]) for s in result]


# --------------------------------------------------------------------------- one resource


@pytest.mark.parametrize("case, res, start, end, length, buffer, expected", [
    # Opening hours (Mon-Fri 9-17), Monday in UTC, 4-hour slots: 09:00 .. 13:00 every quarter.
    ("working hours", resource("a", constraints=OPENING), "2026-03-09 00:00", "2026-03-10 00:00",
     "4 hours", "0 minutes", quarters("2026-03-09", "09:00", "13:00")),
    # Saturday is blocked by block_weekends.
    ("weekend", resource("a", constraints=OPENING), "2026-03-14 00:00", "2026-03-15 00:00",
     "1 hour", "0 minutes", []),
    # Lunch break 12-13: 2-hour slots fit 09:00-10:00 in the morning, 13:00-15:00 after lunch.
    ("lunch break", resource("a", constraints=LUNCH), "2026-03-09 00:00", "2026-03-10 00:00",
     "2 hours", "0 minutes",
     ["2026-03-09T09:00", "2026-03-09T09:15", "2026-03-09T09:30", "2026-03-09T09:45",
      "2026-03-09T10:00"] + quarters("2026-03-09", "13:00", "15:00")),
    # Tuesday blocked with block_day: 8-hour slots only at 09:00 Monday and Wednesday.
    ("blocked day", resource("a", constraints=OPENING + [{"block_day": {"day": "Tuesday"}}]),
     "2026-03-09 00:00", "2026-03-12 00:00", "8 hours", "0 minutes",
     ["2026-03-09T09:00", "2026-03-11T09:00"]),
    # block_period 03-10 .. 03-12 (date end exclusive): Tue and Wed gone, Thu and Fri stay.
    ("blocked period",
     resource("a", constraints=OPENING + [{"block_period": {"start": "2026-03-10", "end": "2026-03-12"}}]),
     "2026-03-09 00:00", "2026-03-14 00:00", "8 hours", "0 minutes",
     ["2026-03-09T09:00", "2026-03-12T09:00", "2026-03-13T09:00"]),
    # allow_period 10:00-12:30 +01:00 = 09:00-11:30 UTC, 1-hour slots: 09:00 .. 10:30.
    ("allowed period", resource("a", constraints=[{"allow_period": {
        "start": "2026-03-09T10:00:00+01:00", "end": "2026-03-09T12:30:00+01:00"}}]),
     "2026-03-09 00:00", "2026-03-10 00:00", "1 hour", "0 minutes",
     quarters("2026-03-09", "09:00", "10:30")),
    # 1-hour slots overlap: free 09:00-10:30 gives 09:00, 09:15, 09:30.
    ("overlapping quarter hours", resource("a", constraints=[{"allow_hours": {"start": "09:00", "end": "10:30"}}]),
     "2026-03-09 00:00", "2026-03-10 00:00", "1 hour", "0 minutes",
     ["2026-03-09T09:00", "2026-03-09T09:15", "2026-03-09T09:30"]),
    # from 09:07 is rounded up to 09:15; to 10:45 cuts: last 1-hour slot starts 09:45.
    ("window rounding", resource("a", constraints=[{"allow_hours": {"start": 9, "end": 11}}]),
     "2026-03-09 09:07", "2026-03-09 10:45", "1 hour", "0 minutes",
     ["2026-03-09T09:15", "2026-03-09T09:30", "2026-03-09T09:45"]),
    # Free time starting off the grid (09:10) waits for the next quarter hour: 09:15 .. 10:00.
    ("off-grid free start", resource("a", constraints=[{"allow_hours": {"start": "09:10", "end": 11}}]),
     "2026-03-09 00:00", "2026-03-10 00:00", "1 hour", "0 minutes",
     ["2026-03-09T09:15", "2026-03-09T09:30", "2026-03-09T09:45", "2026-03-09T10:00"]),
    # A booking ending at 09:50 with a 5-minute buffer frees 09:55: first start 10:00.
    ("off-grid booking end", resource("a", busy=[("2026-03-09 09:00", "2026-03-09 09:50")]),
     "2026-03-09 09:00", "2026-03-09 11:30", "1 hour", "5 minutes",
     ["2026-03-09T10:00", "2026-03-09T10:15", "2026-03-09T10:30"]),
    # No constraints anywhere: the whole window 09:00-11:00 is free.
    ("available until blocked", resource("a"), "2026-03-09 09:00", "2026-03-09 11:00",
     "1 hour", "0 minutes", quarters("2026-03-09", "09:00", "10:00")),
    # A booking 10:00-10:30 inside 9-12: free 09:00-10:00 and 10:30-12:00.
    ("booked slot removed", resource("a", constraints=[{"allow_hours": {"start": 9, "end": 12}}],
                                     busy=[("2026-03-09 10:00", "2026-03-09 10:30")]),
     "2026-03-09 00:00", "2026-03-10 00:00", "1 hour", "0 minutes",
     ["2026-03-09T09:00", "2026-03-09T10:30", "2026-03-09T10:45", "2026-03-09T11:00"]),
    # Same booking, buffer 15 minutes: busy 09:45-10:45, so 09:00-09:45 is too short for an hour.
    ("buffer widens booking", resource("a", constraints=[{"allow_hours": {"start": 9, "end": 12}}],
                                       busy=[("2026-03-09 10:00", "2026-03-09 10:30")]),
     "2026-03-09 00:00", "2026-03-10 00:00", "1 hour", "15 minutes",
     ["2026-03-09T10:45", "2026-03-09T11:00"]),
    # A booking ending exactly where a slot starts does not block it (intervals are [start, end)).
    ("booking touching slot", resource("a", busy=[("2026-03-09 08:00", "2026-03-09 09:00")]),
     "2026-03-09 08:00", "2026-03-09 10:00", "1 hour", "0 minutes",
     ["2026-03-09T09:00"]),
    # US DST starts Sun 2026-03-08: 8-hour slots at 09:00 local are 14:00Z Sat, 13:00Z Sun.
    ("DST New York", resource("a", "America/New_York", [{"allow_hours": {"start": 9, "end": 17}}]),
     "2026-03-07 00:00", "2026-03-09 00:00", "8 hours", "0 minutes",
     ["2026-03-07T14:00", "2026-03-08T13:00"]),
    # EU DST starts Sun 2026-03-29: 09:00 local is 08:00Z Sat, 07:00Z Sun.
    ("DST Copenhagen", resource("a", "Europe/Copenhagen", [{"allow_hours": {"start": 9, "end": 17}}]),
     "2026-03-28 00:00", "2026-03-30 00:00", "8 hours", "0 minutes",
     ["2026-03-28T08:00", "2026-03-29T07:00"]),
])
def test_single_resource_slots(case, res, start, end, length, buffer, expected):
    result = slots([res], start, end, length=length, buffer=buffer)
    assert starts(result) == expected
    # every slot lasts `length` and lists the resource as {"id", "name", "timezone"}
    for s in result:
        assert (datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"])
                == parse_duration(length))
        assert s["resources"] == [{"id": "a", "name": "Dr a", "timezone": res.timezone}]


def test_dst_slots_stay_at_nine_local_in_output_timezone():
    # Same two cases as above, written in the resource's own zone: 09:00 on both days, the
    # offset shifts by an hour across the change.
    ny = resource("a", "America/New_York", [{"allow_hours": {"start": 9, "end": 17}}])
    result = slots([ny], "2026-03-07 00:00", "2026-03-09 00:00", length="8 hours",
                   output_timezone="America/New_York")
    assert [(s["start"], s["end"]) for s in result] == [
        ("2026-03-07T09:00:00-05:00", "2026-03-07T17:00:00-05:00"),
        ("2026-03-08T09:00:00-04:00", "2026-03-08T17:00:00-04:00"),
    ]
    cph = resource("b", "Europe/Copenhagen", [{"allow_hours": {"start": 9, "end": 17}}])
    result = slots([cph], "2026-03-28 00:00", "2026-03-30 00:00", length="8 hours",
                   output_timezone="Europe/Copenhagen")
    assert [(s["start"], s["end"]) for s in result] == [
        ("2026-03-28T09:00:00+01:00", "2026-03-28T17:00:00+01:00"),
        ("2026-03-29T09:00:00+02:00", "2026-03-29T17:00:00+02:00"),
    ]


# --------------------------------------------------------------------------- timezones


NY_DOC = resource("ny", "America/New_York", OPENING)
CPH_DOC = resource("cph", "Europe/Copenhagen", OPENING)


@pytest.mark.parametrize("day, expected_utc", [
    # Mon 03-02, both on winter time: NY 9-17 EST = 14-22Z, CPH 9-17 CET = 08-16Z; overlap
    # 14-16Z, 1-hour slots 14:00 .. 15:00.
    ("2026-03-02", quarters("2026-03-02", "14:00", "15:00")),
    # Mon 03-09, NY on summer time (EDT = 13-21Z), CPH still CET (08-16Z): overlap 13-16Z.
    ("2026-03-09", quarters("2026-03-09", "13:00", "15:00")),
    # Mon 03-30, both on summer time: NY 13-21Z, CPH CEST 07-15Z: overlap 13-15Z.
    ("2026-03-30", quarters("2026-03-30", "13:00", "14:00")),
])
def test_mutual_across_timezones_is_the_overlap(day, expected_utc):
    result = slots([NY_DOC, CPH_DOC], f"{day} 00:00", f"{day} 23:59")
    assert starts(result) == expected_utc
    assert all([r["id"] for r in s["resources"]] == ["ny", "cph"] for s in result)


def test_output_timezone_formats_with_colon_offset():
    # Mon 03-09: overlap 13:00-16:00Z; first slot 13:00Z is 09:00-04:00 in New York and
    # 14:00+01:00 in Copenhagen.
    ny_view = slots([NY_DOC, CPH_DOC], "2026-03-09 00:00", "2026-03-10 00:00",
                    output_timezone="America/New_York")
    assert (ny_view[0]["start"], ny_view[0]["end"]) == ("2026-03-09T09:00:00-04:00",
                                                        "2026-03-09T10:00:00-04:00")
    cph_view = slots([NY_DOC, CPH_DOC], "2026-03-09 00:00", "2026-03-10 00:00",
                     output_timezone="Europe/Copenhagen")
    assert cph_view[-1]["start"] == "2026-03-09T16:00:00+01:00"  # 15:00Z, the last start
    assert slots([NY_DOC, CPH_DOC], "2026-03-09 00:00", "2026-03-10 00:00")[0]["start"] == (
        "2026-03-09T13:00:00+00:00")


def test_project_and_request_constraints_apply_in_each_resource_timezone():
    # Project: Mon-Fri 9-17; request: block 12-13; both read in each resource's own zone.
    # Mon 03-02, 4-hour slots:
    #   NY (EST): 9-12 too short; 13-17 local = 18:00-22:00Z -> one slot at 18:00Z.
    #   CPH (CET): 9-12 too short; 13-17 local = 12:00-16:00Z -> one slot at 12:00Z.
    bare = [resource("ny", "America/New_York"), resource("cph", "Europe/Copenhagen")]
    result = slots(bare, "2026-03-02 00:00", "2026-03-03 00:00", length="4 hours",
                   mode="exclusive", project=OPENING, request=[{"block_hours": {"start": 12, "end": 13}}])
    assert starts_with_ids(result) == [("12:00", ["cph"]), ("18:00", ["ny"])]


# --------------------------------------------------------------------------- modes

# A: free 09:00-11:00 -> 1-hour starts 09:00 .. 10:00.  B: free 10:00-12:00 -> 10:00 .. 11:00.
A = resource("A", constraints=[{"allow_hours": {"start": 9, "end": 11}}])
B = resource("B", constraints=[{"allow_hours": {"start": 10, "end": 12}}])
DAY = ("2026-03-09 00:00", "2026-03-10 00:00")


@pytest.mark.parametrize("mode, order, expected", [
    # mutual: both free only at 10:00.
    ("mutual", [A, B], [("10:00", ["A", "B"])]),
    # exclusive: every free resource per slot.
    ("exclusive", [A, B],
     [("09:00", ["A"]), ("09:15", ["A"]), ("09:30", ["A"]), ("09:45", ["A"]), ("10:00", ["A", "B"]),
      ("10:15", ["B"]), ("10:30", ["B"]), ("10:45", ["B"]), ("11:00", ["B"])]),
    # prioritized: the first free one in the given order.
    ("roundrobin_prioritized", [A, B],
     [("09:00", ["A"]), ("09:15", ["A"]), ("09:30", ["A"]), ("09:45", ["A"]), ("10:00", ["A"]),
      ("10:15", ["B"]), ("10:30", ["B"]), ("10:45", ["B"]), ("11:00", ["B"])]),
    ("roundrobin_prioritized", [B, A],
     [("09:00", ["A"]), ("09:15", ["A"]), ("09:30", ["A"]), ("09:45", ["A"]), ("10:00", ["B"]),
      ("10:15", ["B"]), ("10:30", ["B"]), ("10:45", ["B"]), ("11:00", ["B"])]),
])
def test_modes(mode, order, expected):
    assert starts_with_ids(slots(order, *DAY, mode=mode)) == expected


def test_roundrobin_random_picks_one_free_resource_with_the_given_rng():
    # Only 10:00 has a choice (A or B); every other slot has exactly one free resource.
    seen_at_ten = set()
    for seed in range(20):
        result = starts_with_ids(slots([A, B], *DAY, mode="roundrobin_random", rng=random.Random(seed)))
        assert [start for start, _ in result] == ["09:00", "09:15", "09:30", "09:45", "10:00",
                                                  "10:15", "10:30", "10:45", "11:00"]
        by_start = dict(result)
        assert all(by_start[s] == ["A"] for s in ("09:00", "09:15", "09:30", "09:45"))
        assert all(by_start[s] == ["B"] for s in ("10:15", "10:30", "10:45", "11:00"))
        assert by_start["10:00"] in (["A"], ["B"])
        seen_at_ten.add(by_start["10:00"][0])
        # the same seed gives the same choice
        assert result == starts_with_ids(slots([A, B], *DAY, mode="roundrobin_random",
                                               rng=random.Random(seed)))
    assert seen_at_ten == {"A", "B"}  # the choice really is random: 20 seeds pick both


def test_default_rng_still_lists_one_free_resource():
    result = slots([A, B], *DAY, mode="roundrobin_random")
    assert len(result) == 9 and all(len(s["resources"]) == 1 for s in result)


@pytest.mark.parametrize("mode", MODES)
def test_slot_nobody_can_take_is_omitted(mode):
    # A is booked all day and B blocks Mondays: no slot at all.
    booked = resource("A", busy=[("2026-03-09 00:00", "2026-03-10 00:00")])
    closed = resource("B", constraints=[{"block_day": {"day": "Monday"}}])
    assert slots([booked, closed], *DAY, mode=mode) == []
    assert slots([], *DAY, mode=mode) == []


def test_mutual_needs_every_resource_free():
    # B is booked 10:00-11:00: mutual has no hour where both are free, exclusive still has A's.
    b_busy = resource("B", constraints=B.constraints, busy=[("2026-03-09 10:00", "2026-03-09 11:00")])
    assert slots([A, b_busy], *DAY, mode="mutual") == []
    assert [s for s, _ in starts_with_ids(slots([A, b_busy], *DAY, mode="exclusive"))] == [
        "09:00", "09:15", "09:30", "09:45", "10:00", "11:00"]


def test_slot_resource_objects_are_independent():
    result = slots([A, B], *DAY, mode="mutual")
    result[0]["resources"][0]["name"] = "changed"
    assert slots([A, B], *DAY, mode="mutual")[0]["resources"][0]["name"] == "Dr A"


@pytest.mark.parametrize("changes", [
    {"mode": "roundrobin"},
    {"length": timedelta(0)},
    {"buffer": timedelta(minutes=-5)},
    {"output_timezone": "Mars/Olympus"},
    {"start": datetime(2026, 3, 9)},  # naive
    {"request_constraints": [{"allow_hours": {"start": 9}}]},
    {"resources": [resource("x", tz="Nowhere/Special")]},
])
def test_invalid_arguments_raise_value_error(changes):
    arguments = dict(resources=[A], project_constraints=[], request_constraints=[],
                     start=utc(DAY[0]), end=utc(DAY[1]), length=timedelta(hours=1),
                     buffer=timedelta(0), mode="mutual", output_timezone="UTC")
    arguments.update(changes)
    with pytest.raises(ValueError):
        compute_slots(**arguments)


def test_four_weeks_for_ten_resources_in_every_mode_respects_every_booking():
    # 10 resources with lunch-break hours in two zones, one booking a day each, 4 weeks,
    # 1-hour slots. How fast this runs is measured by benchmarks/emulator.py, not here.
    day0 = utc("2026-03-02 00:00")
    busy = [(day0 + timedelta(days=d, hours=15), day0 + timedelta(days=d, hours=16)) for d in range(28)]
    buffer = timedelta(minutes=15)
    resources = [
        ResourceInput(id=str(i), name=f"r{i}", timezone=("America/New_York", "Europe/Copenhagen")[i % 2],
                      constraints=LUNCH, busy=busy)
        for i in range(10)
    ]
    for mode in MODES:
        result = compute_slots(resources=resources, project_constraints=[], request_constraints=[],
                               start=day0, end=day0 + timedelta(weeks=4), length=timedelta(hours=1),
                               buffer=buffer, mode=mode, output_timezone="UTC", rng=random.Random(0))
        assert result, mode
        for slot in result:
            start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
            assert end - start == timedelta(hours=1)
            assert not any(start < b_end + buffer and b_start - buffer < end for b_start, b_end in busy), (mode, slot)


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("text, expected", [
    ("1 hour", timedelta(hours=1)),
    ("30 minutes", timedelta(minutes=30)),
    ("15 minutes", timedelta(minutes=15)),
    ("2 days", timedelta(days=2)),
    ("3 days 2 weeks", timedelta(days=17)),
    ("90 mins", timedelta(minutes=90)),
    ("1 hour 30 minutes", timedelta(minutes=90)),
    ("4 hours", timedelta(hours=4)),
    ("45 seconds", timedelta(seconds=45)),
    ("10 secs", timedelta(seconds=10)),
    ("1 sec", timedelta(seconds=1)),
    ("1 min", timedelta(minutes=1)),
    ("1 minute", timedelta(minutes=1)),
    ("1 day", timedelta(days=1)),
    ("1 week", timedelta(weeks=1)),
    ("4 weeks", timedelta(weeks=4)),
    ("1 month", timedelta(days=30)),
    ("6 months", timedelta(days=180)),
    ("0 minutes", timedelta(0)),
    ("  2 Hours  ", timedelta(hours=2)),
    ("2hours", timedelta(hours=2)),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", [
    "", "   ", "hour", "1", "1 fortnight", "1.5 hours", "-1 hour", "1 hour and 30 minutes",
    "1 hourss", "30 minutes ago", "PT1H", None, 60,
])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("text, expected", [
    ("now", NOW),
    (" NOW ", NOW),
    ("2 days", NOW + timedelta(days=2)),
    ("4 weeks", NOW + timedelta(weeks=4)),
    ("3 days 2 weeks", NOW + timedelta(days=17)),
    ("30 minutes", NOW + timedelta(minutes=30)),
    ("2026-11-25T00:00:00.000Z", utc("2026-11-25 00:00")),
    ("2026-03-09T09:00:00Z", utc("2026-03-09 09:00")),
    ("2026-03-09T09:00:00+02:00", utc("2026-03-09 07:00")),
    ("2026-03-09T09:00:00+0200", utc("2026-03-09 07:00")),
    ("2026-03-09T09:00:00.5-05:00", utc("2026-03-09 14:00:00.500000")),
    ("2026-03-20", utc("2026-03-20 00:00")),  # bare date: UTC midnight
])
def test_parse_bound(text, expected):
    parsed = parse_bound(text, NOW)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", [
    "future", "tomorrow", "2026-03-09T09:00:00", "2026-02-30", "2026-03-09 09:00", "", None,
])
def test_parse_bound_rejects(text):
    with pytest.raises(ValueError):
        parse_bound(text, NOW)


def test_parse_bound_needs_an_aware_now():
    with pytest.raises(ValueError):
        parse_bound("now", datetime(2026, 3, 9))
