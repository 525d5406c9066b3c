"""Slots of POST /availability (timekit-api.md §11), worked out by hand, and its value parsers."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest

from tkctl.emulator.availability import (
    MODES,
    ResourceInput,
    add_months,
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
        start=utc(start) if isinstance(start, str) else start, end=utc(end) if isinstance(end, str) else end,
        length=parse_duration(length), buffer=parse_duration(buffer), mode=mode,
        output_timezone=output_timezone, rng=rng)


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
    # US DST ends Sun 2026-11-01: 09:00 local is 13:00Z Sat (EDT), 14:00Z Sun (EST).
    ("DST end New York", resource("a", "America/New_York", [{"allow_hours": {"start": 9, "end": 17}}]),
     "2026-10-31 00:00", "2026-11-02 00:00", "8 hours", "0 minutes",
     ["2026-10-31T13:00", "2026-11-01T14:00"]),
    # EU DST ends Sun 2026-10-25: 09:00 local is 07:00Z Sat (CEST), 08:00Z Sun (CET).
    ("DST end Copenhagen", resource("a", "Europe/Copenhagen", [{"allow_hours": {"start": 9, "end": 17}}]),
     "2026-10-24 00:00", "2026-10-26 00:00", "8 hours", "0 minutes",
     ["2026-10-24T07:00", "2026-10-25T08:00"]),
    # allow_day_and_time windows of one list are unioned: Mon 9-11 and Tue 14-16, 2-hour slots.
    ("day and time", resource("a", constraints=[
        {"allow_day_and_time": {"day": "Monday", "start": 9, "end": 11}},
        {"allow_day_and_time": {"day": "tuesday", "start": "14:00", "end": "16:00"}}]),
     "2026-03-09 00:00", "2026-03-11 00:00", "2 hours", "0 minutes",
     ["2026-03-09T09:00", "2026-03-10T14:00"]),
    # block_day_and_time Mon 10-11 alone: free 08:00-10:00 and 11:00-13:00 of the window.
    ("blocked day and time", resource("a", constraints=[
        {"block_day_and_time": {"day": "Monday", "start": 10, "end": 11}}]),
     "2026-03-09 08:00", "2026-03-09 13:00", "1 hour", "0 minutes",
     quarters("2026-03-09", "08:00", "09:00") + quarters("2026-03-09", "11:00", "12:00")),
    # allow_weekdays, window Fri 03-13 .. Tue 03-17, 1-day slots: Fri 00:00 and Mon 00:00 (a
    # Friday slot starting 00:15 would end in Saturday).
    ("weekdays", resource("a", constraints=[{"allow_weekdays": {}}]),
     "2026-03-13 00:00", "2026-03-17 00:00", "1 day", "0 minutes",
     ["2026-03-13T00:00", "2026-03-16T00:00"]),
    # block_weekdays leaves Sat 00:00 - Mon 00:00: one 2-day slot.
    ("blocked weekdays", resource("a", constraints=[{"block_weekdays": {}}]),
     "2026-03-13 00:00", "2026-03-17 00:00", "2 days", "0 minutes", ["2026-03-14T00:00"]),
    # allow_weekends: the same 48 hours.
    ("weekends", resource("a", constraints=[{"allow_weekends": {}}]),
     "2026-03-13 00:00", "2026-03-17 00:00", "2 days", "0 minutes", ["2026-03-14T00:00"]),
    # block_hours alone (night 0-8 and 18-24): 10-hour slots at 08:00 every day.
    ("blocked hours", resource("a", constraints=[{"block_hours": {"start": 0, "end": 8}},
                                                 {"block_hours": {"start": 18, "end": 24}}]),
     "2026-03-09 00:00", "2026-03-11 00:00", "10 hours", "0 minutes",
     ["2026-03-09T08:00", "2026-03-10T08:00"]),
    # block_period with instants inside opening hours: 12:00-13:30Z gone, 3-hour slots fit
    # 09:00-12:00 and 13:30-17:00 (13:30, 13:45, 14:00).
    ("blocked period of instants", resource("a", constraints=[
        {"allow_hours": {"start": 9, "end": 17}},
        {"block_period": {"start": "2026-03-09T12:00:00Z", "end": "2026-03-09T13:30:00+00:00"}}]),
     "2026-03-09 00:00", "2026-03-10 00:00", "3 hours", "0 minutes",
     ["2026-03-09T09:00", "2026-03-09T13:30", "2026-03-09T13:45", "2026-03-09T14:00"]),
    # allow_period and allow_hours in one list are a union, not an intersection: all of Tuesday
    # is free, so a 24-hour slot fits on Tuesday at 00:00 and nowhere else.
    ("allow union", resource("a", constraints=[{"allow_hours": {"start": 9, "end": 10}},
                                               {"allow_period": {"start": "2026-03-10", "end": "2026-03-11"}}]),
     "2026-03-09 00:00", "2026-03-12 00:00", "24 hours", "0 minutes", ["2026-03-10T00:00"]),
    # A slot may end exactly at `to`: window 09:00-10:00 holds one 1-hour slot.
    ("slot ending at to", resource("a"), "2026-03-09 09:00", "2026-03-09 10:00", "1 hour", "0 minutes",
     ["2026-03-09T09:00"]),
    # ... and none when `to` is a second earlier.
    ("slot past to", resource("a"), "2026-03-09 09:00", "2026-03-09 09:59:59", "1 hour", "0 minutes", []),
    # from 09:50 rounds up across the hour to 10:00.
    ("from rounds to next hour", resource("a"), "2026-03-09 09:50", "2026-03-09 11:30", "1 hour",
     "0 minutes", ["2026-03-09T10:00", "2026-03-09T10:15", "2026-03-09T10:30"]),
    # from one microsecond after 09:00 is rounded up to 09:15.
    ("from a microsecond late", resource("a"), "2026-03-09 09:00:00.000001", "2026-03-09 10:30",
     "1 hour", "0 minutes", ["2026-03-09T09:15", "2026-03-09T09:30"]),
    # 50-minute slots in 9-11: the last one, 10:00-10:50, still ends by 11:00; 10:15 would not.
    ("length off the grid", resource("a", constraints=[{"allow_hours": {"start": 9, "end": 11}}]),
     "2026-03-09 00:00", "2026-03-10 00:00", "50 minutes", "0 minutes",
     quarters("2026-03-09", "09:00", "10:00")),
    # 1-minute slots in 09:00-09:31: starts stay on the quarter hours (09:30-09:31 fits).
    ("one-minute slots", resource("a", constraints=[{"allow_hours": {"start": "09:00", "end": "09:31"}}]),
     "2026-03-09 00:00", "2026-03-10 00:00", "1 minute", "0 minutes",
     ["2026-03-09T09:00", "2026-03-09T09:15", "2026-03-09T09:30"]),
    # A slot longer than any free stretch: none.
    ("too long", resource("a", constraints=[{"allow_hours": {"start": 9, "end": 10}}]),
     "2026-03-09 00:00", "2026-03-10 00:00", "90 minutes", "0 minutes", []),
    # Buffer 30 minutes around 10:00-11:00 in 9-13: busy 09:30-11:30; 09:00-09:30 is too short,
    # after it 11:30, 11:45, 12:00.
    ("buffer both sides", resource("a", constraints=[{"allow_hours": {"start": 9, "end": 13}}],
                                   busy=[("2026-03-09 10:00", "2026-03-09 11:00")]),
     "2026-03-09 00:00", "2026-03-10 00:00", "1 hour", "30 minutes",
     ["2026-03-09T11:30", "2026-03-09T11:45", "2026-03-09T12:00"]),
    # Buffer 15 around 12:00-13:00 in 9-14: busy 11:45-13:15. A slot may end exactly at 11:45
    # (10:45 is the last start); after it 13:15 would end 14:15, past 14:00.
    ("slot touching the buffer", resource("a", constraints=[{"allow_hours": {"start": 9, "end": 14}}],
                                          busy=[("2026-03-09 12:00", "2026-03-09 13:00")]),
     "2026-03-09 00:00", "2026-03-10 00:00", "1 hour", "15 minutes",
     quarters("2026-03-09", "09:00", "10:45")),
    # Overlapping bookings 10:00-11:00 and 10:30-12:00 merge into 10:00-12:00 in 9-14.
    ("overlapping bookings", resource("a", constraints=[{"allow_hours": {"start": 9, "end": 14}}],
                                      busy=[("2026-03-09 10:00", "2026-03-09 11:00"),
                                            ("2026-03-09 10:30", "2026-03-09 12:00")]),
     "2026-03-09 00:00", "2026-03-10 00:00", "1 hour", "0 minutes",
     ["2026-03-09T09:00"] + quarters("2026-03-09", "12:00", "13:00")),
    # A booking before the window still reaches into it with its buffer: 07:00-08:45 + 30
    # minutes is busy until 09:15.
    ("buffer from outside the window", resource("a", busy=[("2026-03-09 07:00", "2026-03-09 08:45")]),
     "2026-03-09 09:00", "2026-03-09 11:00", "1 hour", "30 minutes",
     quarters("2026-03-09", "09:15", "10:00")),
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


def test_project_constraint_follows_each_resource_across_a_dst_change():
    # Project: allow_hours 9-17, read in each resource's zone; 8-hour slots, Sat 03-28 and
    # Sun 03-29 (Copenhagen changes to CEST on Sunday; New York is on EDT since 03-08):
    #   Copenhagen Sat 09:00 CET = 08:00Z, Sun 09:00 CEST = 07:00Z
    #   New York   Sat 09:00 EDT = 13:00Z, Sun 09:00 EDT = 13:00Z
    bare = [resource("ny", "America/New_York"), resource("cph", "Europe/Copenhagen")]
    result = slots(bare, "2026-03-28 00:00", "2026-03-30 00:00", length="8 hours", mode="exclusive",
                   project=[{"allow_hours": {"start": 9, "end": 17}}])
    assert [(s["start"][:16], [r["id"] for r in s["resources"]]) for s in result] == [
        ("2026-03-28T08:00", ["cph"]), ("2026-03-28T13:00", ["ny"]),
        ("2026-03-29T07:00", ["cph"]), ("2026-03-29T13:00", ["ny"]),
    ]


@pytest.mark.parametrize("start, output_timezone, expected", [
    # 06:30Z is 01:30 EST; an hour later the clock has jumped: 07:30Z is 03:30 EDT.
    ("2026-03-08 06:30", "America/New_York", ("2026-03-08T01:30:00-05:00", "2026-03-08T03:30:00-04:00")),
    # 05:30Z is 01:30 EDT; an hour later the clock shows 01:30 again, now EST.
    ("2026-11-01 05:30", "America/New_York", ("2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00")),
    # 00:30Z is 02:30 CEST; an hour later 02:30 CET.
    ("2026-10-25 00:30", "Europe/Copenhagen", ("2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00")),
])
def test_slots_across_a_dst_change_are_real_hours(start, output_timezone, expected):
    # No constraints, a window exactly one hour long: one slot, written in the output zone.
    moment = utc(start)
    result = slots([resource("a", output_timezone)], moment, moment + timedelta(hours=1),
                   output_timezone=output_timezone)
    assert [(s["start"], s["end"]) for s in result] == [expected]


# Each list (resource, project, request) is evaluated on its own: a time is free only if every
# list leaves it free. Window Mon 03-09 .. Wed 03-11 00:00 UTC, 1-hour slots, one UTC resource.
@pytest.mark.parametrize("case, own, project, asked, expected", [
    # Resource 9-12, request allows only Tuesdays: Monday is closed by the request list, so only
    # Tuesday 9-12 remains (9:00 .. 11:00).
    ("separate lists intersect", [{"allow_hours": {"start": 9, "end": 12}}], [],
     [{"allow_day": {"day": "Tuesday"}}], quarters("2026-03-10", "09:00", "11:00")),
    # The same two rules in ONE list are a union: Monday 9-12 and all of Tuesday.
    ("one list unions", [{"allow_hours": {"start": 9, "end": 12}}, {"allow_day": {"day": "Tuesday"}}], [], [],
     quarters("2026-03-09", "09:00", "11:00") + quarters("2026-03-10", "00:00", "23:00")),
    # Three lists: resource 8-18, project blocks lunch 12-13, request 9-17 -> 9-12 and 13-17 each
    # day: 1-hour slots 09:00 .. 11:00 and 13:00 .. 16:00.
    ("three lists", [{"allow_hours": {"start": 8, "end": 18}}], [{"block_hours": {"start": 12, "end": 13}}],
     [{"allow_hours": {"start": 9, "end": 17}}],
     quarters("2026-03-09", "09:00", "11:00") + quarters("2026-03-09", "13:00", "16:00")
     + quarters("2026-03-10", "09:00", "11:00") + quarters("2026-03-10", "13:00", "16:00")),
    # A request allow cannot reopen what the project blocks: the project blocks Monday, the
    # request allows only Monday 10-12, so nothing is left on either day.
    ("allow does not override another list's block", [], [{"block_day": {"day": "Monday"}}],
     [{"allow_day_and_time": {"day": "Monday", "start": 10, "end": 12}}], []),
    # A project block applies even when the resource explicitly allows the time.
    ("project block over resource allow", [{"allow_hours": {"start": 9, "end": 11}}],
     [{"block_hours": {"start": 9, "end": 10}}], [], ["2026-03-09T10:00", "2026-03-10T10:00"]),
])
def test_every_constraint_list_must_leave_the_time_free(case, own, project, asked, expected):
    # `asked` is the request's own `constraints` list
    result = slots([resource("a", constraints=own)], "2026-03-09 00:00", "2026-03-11 00:00",
                   project=project, request=asked)
    assert starts(result) == expected


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


def test_roundrobin_random_keeps_the_resource_found_first():
    # Timekit shuffles the resources once, then each slot goes to the first free one in that
    # order: the resource found first keeps precedence. P, Q, R are free 09:00-12:00; P is
    # booked 10:00-11:00. Slots where all three are free go to one resource, the first in the
    # shuffle; slots overlapping P's booking go to one resource too: that same one, unless it
    # is P, then the second in the shuffle.
    free = [{"allow_hours": {"start": 9, "end": 12}}]
    trio = [resource("P", constraints=free, busy=[("2026-03-09 10:00", "2026-03-09 11:00")]),
            resource("Q", constraints=free), resource("R", constraints=free)]
    firsts = set()
    for seed in range(30):
        result = starts_with_ids(slots(trio, *DAY, mode="roundrobin_random", rng=random.Random(seed)))
        # starts 09:00 .. 11:00; P is free for 09:00 and 11:00 only
        assert [start for start, _ in result] == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15",
                                                  "10:30", "10:45", "11:00"]
        all_free = {ids[0] for start, ids in result if start in ("09:00", "11:00")}
        p_busy = {ids[0] for start, ids in result if start not in ("09:00", "11:00")}
        assert len(all_free) == 1 and len(p_busy) == 1 and "P" not in p_busy
        if all_free != {"P"}:
            assert p_busy == all_free  # the first resource was free all along
        firsts |= all_free
    assert firsts == {"P", "Q", "R"}  # over 30 seeds each resource comes first at least once


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
    "1 hourss", "30 minutes ago", "PT1H", None, 60, "99999999999 weeks",
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
    "future", "tomorrow", "2026-03-09T09:00:00", "2026-02-30", "2026-03-09 09:00", "", None, 5,
    # too close to the ends of the calendar, or past them
    "9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31",
    "99999999 weeks", "9999999999999 days",
])
def test_parse_bound_rejects(text):
    with pytest.raises(ValueError):
        parse_bound(text, NOW)


def test_parse_bound_needs_an_aware_now():
    with pytest.raises(ValueError):
        parse_bound("now", datetime(2026, 3, 9))


@pytest.mark.parametrize("moment, months, expected", [
    (datetime(2026, 12, 1, 7, 30, tzinfo=UTC), 6, datetime(2027, 6, 1, 7, 30, tzinfo=UTC)),
    (datetime(2026, 8, 31, tzinfo=UTC), 6, datetime(2027, 2, 28, tzinfo=UTC)),  # clamped
    (datetime(2023, 8, 31, tzinfo=UTC), 6, datetime(2024, 2, 29, tzinfo=UTC)),  # leap year
    (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
    (datetime(2026, 7, 15, tzinfo=UTC), 6, datetime(2027, 1, 15, tzinfo=UTC)),  # into next year
    (datetime(9999, 6, 1, tzinfo=UTC), 6, datetime(9999, 12, 1, tzinfo=UTC)),
    (datetime(9999, 7, 1, tzinfo=UTC), 6, None),  # past the year 9999
])
def test_add_months(moment, months, expected):
    assert add_months(moment, months) == expected
