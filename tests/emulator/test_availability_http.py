"""POST /availability over HTTP (timekit-api.md §11): project presets and overrides, the three
constraint lists, bookings, DST, defaults, and the 422 answers to malformed bodies.

Windows are in 2026, before the day these tests were written, so no window is ever more than
6 months from now (the emulator refuses those, §11).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import pairwise

import pytest

UNKNOWN = "00000000-0000-4000-8000-000000000000"
MORNING = [{"allow_hours": {"start": 9, "end": 12}}]
# Mon 2026-11-30, whole day in UTC.
MONDAY = {"from": "2026-11-30T00:00:00Z", "to": "2026-12-01T00:00:00Z"}


def starts(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [slot["start"] for slot in response.json()["data"]]


def who(response) -> list[tuple[str, list[str]]]:
    """(start HH:MM, [resource ids]) per slot."""
    assert response.status_code == 200, response.text
    return [(slot["start"][11:16], [r["id"] for r in slot["resources"]]) for slot in response.json()["data"]]


def quarter_starts(day: str, first: str, last: str, offset: str = "+00:00") -> list[str]:
    moment = datetime.fromisoformat(f"{day}T{first}")
    stop = datetime.fromisoformat(f"{day}T{last}")
    out = []
    while moment <= stop:
        out.append(moment.strftime("%Y-%m-%dT%H:%M:%S") + offset)
        moment += timedelta(minutes=15)
    return out


def book(api, rid: str, start: str, end: str, graph: str = "instant") -> str:
    response = api.post("/bookings", json={
        "resource_id": rid, "graph": graph, "start": start, "end": end, "what": "Check-up",
        "customer": {"name": "Marty", "email": "marty@example.com"},
        "settings": {"allow_double_bookings": True}})
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


# --------------------------------------------------------------------------- project presets


@pytest.mark.parametrize("overrides, expected", [
    # The project's own settings: 2-hour slots in 9-12 UTC start 09:00 .. 10:00, written in
    # Copenhagen time (CET, +01:00): 10:00 .. 11:00.
    ({}, quarter_starts("2026-11-30", "10:00", "11:00", "+01:00")),
    # A null counts as not sent: the project's 2 hours apply.
    ({"length": None, "output_timezone": None}, quarter_starts("2026-11-30", "10:00", "11:00", "+01:00")),
    # Explicit parameters override one by one; the rest stays the project's.
    ({"length": "3 hours"}, ["2026-11-30T10:00:00+01:00"]),
    ({"output_timezone": "UTC"}, quarter_starts("2026-11-30", "09:00", "10:00")),
    ({"from": "2026-11-30T09:30:00Z"}, quarter_starts("2026-11-30", "10:30", "11:00", "+01:00")),
    ({"to": "2026-11-30T11:30:00Z"}, quarter_starts("2026-11-30", "10:00", "10:30", "+01:00")),
    ({"mode": "exclusive"}, quarter_starts("2026-11-30", "10:00", "11:00", "+01:00")),
])
def test_project_presets_and_explicit_overrides(api, make_resource, make_project, overrides, expected):
    rid = make_resource(timezone="UTC", availability_constraints=MORNING)["id"]
    project = make_project(resources=[rid], availability={
        "mode": "mutual", "length": "2 hours", "output_timezone": "Europe/Copenhagen", **MONDAY})
    assert starts(api.post("/availability", json={"project_id": project["id"], **overrides})) == expected


def test_project_buffer_applies_until_overridden(api, make_resource, make_project):
    rid = make_resource(timezone="UTC", availability_constraints=MORNING)["id"]
    project = make_project(resources=[rid], availability={"length": "2 hours", "buffer": "30 minutes", **MONDAY})
    book(api, rid, "2026-11-30T11:00:00Z", "2026-11-30T11:30:00Z")
    # Busy 10:30-12:00 with the project's buffer: 09:00-10:30 is too short for 2 hours.
    assert starts(api.post("/availability", json={"project_id": project["id"]})) == []
    # Without buffer 09:00-11:00 is free: one slot.
    assert starts(api.post("/availability", json={"project_id": project["id"], "buffer": "0 minutes"})) == [
        "2026-11-30T09:00:00+00:00"]


def test_body_resources_replace_the_projects_even_outside_it(api, make_resource, make_project):
    # JSI #68: with project_id and resources, the body's resources are used, also ones outside
    # the project; the project's constraints still apply to them.
    inside = make_resource(name="Inside", timezone="UTC")["id"]
    outside = make_resource(name="Outside", timezone="UTC", availability_constraints=MORNING)["id"]
    project = make_project(resources=[inside], availability={"mode": "exclusive", "length": "1 hour", **MONDAY},
                           availability_constraints=[{"block_hours": {"start": 10, "end": 11}}])
    response = api.post("/availability", json={"project_id": project["id"], "resources": [outside]})
    # Outside's 9-12 minus the project's 10-11: one hour at 09:00, one at 11:00.
    assert who(response) == [("09:00", [outside]), ("11:00", [outside])]
    assert response.json()["data"][0]["resources"] == [{"id": outside, "name": "Outside", "timezone": "UTC"}]


def test_prioritized_follows_the_project_order_then_the_body_order(api, make_resource, make_project):
    a = make_resource(name="A", timezone="UTC", availability_constraints=[{"allow_hours": {"start": 9, "end": 11}}])["id"]
    b = make_resource(name="B", timezone="UTC", availability_constraints=[{"allow_hours": {"start": 10, "end": 12}}])["id"]
    project = make_project(resources=[b, a], availability={"mode": "roundrobin_prioritized", **MONDAY})
    # A alone 09:00-09:45; both free at 10:00 -> the project lists B first; B alone after.
    by_project = who(api.post("/availability", json={"project_id": project["id"]}))
    assert by_project == [(t, [a]) for t in ("09:00", "09:15", "09:30", "09:45")] + [
        (t, [b]) for t in ("10:00", "10:15", "10:30", "10:45", "11:00")]
    by_body = who(api.post("/availability", json={"project_id": project["id"], "resources": [a, b]}))
    assert dict(by_body)["10:00"] == [a]


def test_all_three_constraint_lists_apply(api, make_resource, make_project):
    rid = make_resource(timezone="UTC", availability_constraints=[{"allow_hours": {"start": 8, "end": 18}}])["id"]
    project = make_project(resources=[rid], availability={"length": "3 hours", **MONDAY},
                           availability_constraints=[{"block_hours": {"start": 12, "end": 13}}])
    body = {"project_id": project["id"], "constraints": [{"allow_hours": {"start": 9, "end": 17}}]}
    # 8-18 (resource) ∩ not 12-13 (project) ∩ 9-17 (request): 9-12 and 13-17; 3-hour slots at
    # 09:00 and 13:00 .. 14:00.
    assert starts(api.post("/availability", json=body)) == (
        ["2026-11-30T09:00:00+00:00"] + quarter_starts("2026-11-30", "13:00", "14:00"))


# --------------------------------------------------------------------------- bookings


def test_bookings_block_only_when_confirmed_and_only_their_resource(api, make_resource):
    a = make_resource(name="A", timezone="UTC", availability_constraints=MORNING)["id"]
    b = make_resource(name="B", timezone="UTC", availability_constraints=MORNING)["id"]
    body = {"resources": [a, b], "mode": "exclusive", "length": "1 hour", **MONDAY}
    everyone = [(t, [a, b]) for t in ("09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00")]
    assert who(api.post("/availability", json=body)) == everyone
    # A confirmed (instant) booking of A, 10:00-11:00: A keeps only 09:00 and 11:00; B all.
    a_booking = book(api, a, "2026-11-30T10:00:00Z", "2026-11-30T11:00:00Z")
    # A tentative booking of B over the whole morning blocks nothing.
    b_booking = book(api, b, "2026-11-30T09:00:00Z", "2026-11-30T12:00:00Z", graph="confirm_decline")
    only_b = [(t, [a, b]) if t in ("09:00", "11:00") else (t, [b]) for t, _ in everyone]
    assert who(api.post("/availability", json=body)) == only_b
    # Confirmed, B's booking takes all of B's morning.
    assert api.put(f"/bookings/{b_booking}/confirm").status_code == 204
    assert who(api.post("/availability", json=body)) == [("09:00", [a]), ("11:00", [a])]
    # With a 15-minute buffer A's booking covers 09:45-11:15: nothing left of 9-12 for A.
    assert who(api.post("/availability", json={**body, "buffer": "15 minutes"})) == []
    # Cancelled bookings free their time again.
    assert api.put(f"/bookings/{a_booking}/cancel").status_code == 204
    assert api.put(f"/bookings/{b_booking}/cancel").status_code == 204
    assert who(api.post("/availability", json=body)) == everyone


def test_declined_booking_does_not_block(api, make_resource):
    rid = make_resource(timezone="UTC", availability_constraints=MORNING)["id"]
    booking = book(api, rid, "2026-11-30T09:00:00Z", "2026-11-30T12:00:00Z", graph="confirm_decline")
    assert api.put(f"/bookings/{booking}/decline").status_code == 204
    assert len(starts(api.post("/availability", json={"resources": [rid], **MONDAY}))) == 9


# --------------------------------------------------------------------------- timezones


@pytest.mark.parametrize("zone, window, expected", [
    # Copenhagen falls back Sun 2026-10-25: 09:00-17:00 local on Saturday (CEST) and Sunday (CET).
    ("Europe/Copenhagen", ("2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z"),
     ["2026-10-24T09:00:00+02:00", "2026-10-25T09:00:00+01:00"]),
    # ... and springs forward Sun 2026-03-29.
    ("Europe/Copenhagen", ("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z"),
     ["2026-03-28T09:00:00+01:00", "2026-03-29T09:00:00+02:00"]),
    # New York springs forward Sun 2026-03-08 and falls back Sun 2026-11-01.
    ("America/New_York", ("2026-03-07T00:00:00Z", "2026-03-09T00:00:00Z"),
     ["2026-03-07T09:00:00-05:00", "2026-03-08T09:00:00-04:00"]),
    ("America/New_York", ("2026-10-31T00:00:00Z", "2026-11-02T00:00:00Z"),
     ["2026-10-31T09:00:00-04:00", "2026-11-01T09:00:00-05:00"]),
])
def test_nine_to_five_stays_local_on_dst_days(api, make_resource, zone, window, expected):
    rid = make_resource(timezone=zone, availability_constraints=[{"allow_hours": {"start": 9, "end": 17}}])["id"]
    body = {"resources": [rid], "length": "8 hours", "from": window[0], "to": window[1], "output_timezone": zone}
    response = api.post("/availability", json=body)
    assert starts(response) == expected
    assert [s["end"][11:19] for s in response.json()["data"]] == ["17:00:00", "17:00:00"]


def test_request_constraints_are_read_in_each_resource_timezone(api, make_resource):
    # Request: allow 9-17. Mon 2026-11-30: Copenhagen 9-17 CET = 08-16Z, New York 9-17 EST =
    # 14-22Z; 8-hour slots at 08:00Z and 14:00Z.
    cph = make_resource(name="C", timezone="Europe/Copenhagen")["id"]
    ny = make_resource(name="N", timezone="America/New_York")["id"]
    body = {"resources": [cph, ny], "mode": "exclusive", "length": "8 hours",
            "constraints": [{"allow_hours": {"start": 9, "end": 17}}], **MONDAY}
    assert who(api.post("/availability", json=body)) == [("08:00", [cph]), ("14:00", [ny])]


# --------------------------------------------------------------------------- defaults


def test_default_window_is_now_to_four_weeks(api, make_resource):
    # Only whole Mondays (UTC) are free and slots last 24 hours, so the slots are the Mondays
    # that fit between now and now + 4 weeks: 3 or 4 of them, whatever the day of the run.
    rid = make_resource(timezone="UTC", availability_constraints=[{"allow_day": {"day": "Monday"}}])["id"]
    before = datetime.now(timezone.utc)
    response = api.post("/availability", json={"resources": [rid], "length": "24 hours"})
    after = datetime.now(timezone.utc)
    found = [datetime.fromisoformat(s) for s in starts(response)]
    assert 3 <= len(found) <= 4
    assert all(s.weekday() == 0 and (s.hour, s.minute) == (0, 0) for s in found)
    assert found[0] >= before - timedelta(seconds=1)  # the emulator's now drops microseconds
    assert found[-1] + timedelta(days=1) <= after + timedelta(weeks=4)
    assert all(b - a == timedelta(weeks=1) for a, b in pairwise(found))


def test_relative_from_counts_from_now(api, make_resource):
    rid = make_resource(timezone="UTC")["id"]
    before = datetime.now(timezone.utc)
    response = api.post("/availability", json={"resources": [rid], "from": "2 days", "to": "2 days 3 hours"})
    after = datetime.now(timezone.utc)
    found = [datetime.fromisoformat(s) for s in starts(response)]
    # The first start is `now + 2 days` rounded up to a quarter hour; every start is on the grid.
    assert before + timedelta(days=2) - timedelta(seconds=1) <= found[0] <= after + timedelta(days=2, minutes=15)
    assert all(s.minute % 15 == 0 and s.second == 0 for s in found)
    assert found[-1] + timedelta(hours=1) <= after + timedelta(days=2, hours=3)


# --------------------------------------------------------------------------- malformed bodies

DURATION = 'must be a duration such as "30 minutes".'


@pytest.mark.parametrize("body, errors", [
    ({"resources": "abc"}, {"resources": ["The resources must be an array."]}),
    ({"resources": [5]}, {"resources": ["The selected resources is invalid."]}),
    ({"resources": ["RID", UNKNOWN]}, {"resources": ["The selected resources is invalid."]}),
    ({"project_id": 5}, {"project_id": ["The selected project_id is invalid."]}),
    ({"project_id": ["x"]}, {"project_id": ["The selected project_id is invalid."]}),
    ({"resources": ["RID"], "mode": 5}, {"mode": ["The selected mode is invalid."]}),
    ({"resources": ["RID"], "mode": ["mutual"]}, {"mode": ["The selected mode is invalid."]}),
    ({"resources": ["RID"], "mode": ""}, {"mode": ["The selected mode is invalid."]}),
    ({"resources": ["RID"], "length": 0}, {"length": [f"The length {DURATION}"]}),
    ({"resources": ["RID"], "length": ""}, {"length": [f"The length {DURATION}"]}),
    ({"resources": ["RID"], "length": "0 minutes"}, {"length": [f"The length {DURATION}"]}),
    ({"resources": ["RID"], "length": "99999999999 weeks"}, {"length": [f"The length {DURATION}"]}),
    ({"resources": ["RID"], "buffer": "-5 minutes"}, {"buffer": [f"The buffer {DURATION}"]}),
    ({"resources": ["RID"], "buffer": {"minutes": 5}}, {"buffer": [f"The buffer {DURATION}"]}),
    ({"resources": ["RID"], "from": 5}, {"from": ["5 in not a valid timestamp or relative time"]}),
    ({"resources": ["RID"], "to": {"a": 1}}, {"to": ['{"a": 1} in not a valid timestamp or relative time']}),
    ({"resources": ["RID"], "from": "9999-12-31T00:00:00Z"},
     {"from": ["9999-12-31T00:00:00Z in not a valid timestamp or relative time"]}),
    # Six months from now: far-future windows are refused even when short.
    ({"resources": ["RID"], "from": "2999-01-01T00:00:00Z", "to": "2999-01-02T00:00:00Z"},
     {"to": ["The to may not be more than 6 months from now."]}),
    ({"resources": ["RID"], "from": "2026-03-01T00:00:00Z", "to": "2026-09-01T00:00:01Z"},
     {"to": ["The to may not be more than 6 months after from."]}),
    ({"resources": ["RID"], "output_timezone": ["UTC"]}, {"output_timezone": ["The output_timezone must be a valid zone."]}),
    ({"resources": ["RID"], "output_timezone": 5}, {"output_timezone": ["The output_timezone must be a valid zone."]}),
    ({"resources": ["RID"], "constraints": "x"}, {"constraints": ["The constraints must be an array."]}),
    ({"resources": ["RID"], "constraints": [{"allow_hours": {"start": 17, "end": 9}}]},
     {"constraints.0.allow_hours.end": ["The constraints.0.allow_hours.end must be after the start."]}),
    # Every problem at once.
    ({"mode": "solo", "length": "forever", "constraints": [{"allow_month": {}}]},
     {"resources": ["The resources field is required."], "mode": ["The selected mode is invalid."],
      "length": [f"The length {DURATION}"], "constraints.0": ["The constraints.0 type is unknown."]}),
    # A body that is not an object has no resources.
    ([1, 2], {"resources": ["The resources field is required."]}),
    ("just text", {"resources": ["The resources field is required."]}),
])
def test_malformed_bodies_get_the_contracts_422(api, make_resource, body, errors):
    rid = make_resource(timezone="UTC")["id"]
    if isinstance(body, dict) and isinstance(body.get("resources"), list):
        body = {**body, "resources": [rid if r == "RID" else r for r in body["resources"]]}
    response = api.post("/availability", json=body)
    assert (response.status_code, response.json()) == (422, {"errors": errors})


def test_six_months_after_from_is_allowed(api, make_resource):
    # 2026-03-01 + 6 calendar months = 2026-09-01, exactly: accepted.
    rid = make_resource(timezone="UTC", availability_constraints=[{"allow_day": {"day": "Monday"}}])["id"]
    response = api.post("/availability", json={"resources": [rid], "length": "24 hours",
                                                "from": "2026-03-01T00:00:00Z", "to": "2026-09-01T00:00:00Z"})
    # Mondays from 03-02 to 08-31: 27 of them.
    assert len(starts(response)) == 27


def test_unknown_keys_are_ignored(api, make_resource):
    rid = make_resource(timezone="UTC", availability_constraints=MORNING)["id"]
    body = {"resources": [rid], "timezone": "Nowhere/Special", "ignore_all_day_events": "yes", **MONDAY}
    assert len(starts(api.post("/availability", json=body))) == 9


def test_a_resource_listed_twice_counts_once(api, make_resource):
    rid = make_resource(timezone="UTC", availability_constraints=MORNING)["id"]
    response = api.post("/availability", json={"resources": [rid, rid], "mode": "exclusive", **MONDAY})
    assert {len(slot["resources"]) for slot in response.json()["data"]} == {1}
    assert api.post("/availability", json={"resources": [], **MONDAY}).json() == {"data": []}
