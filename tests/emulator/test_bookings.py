"""Bookings (§12) and POST /availability (§11) over HTTP, end to end."""

from __future__ import annotations

import json

import pytest

from tests.fixtures import REALDATA
UNKNOWN = "00000000-0000-4000-8000-000000000000"
# 2026-11-30 is a Monday.
HOURS = [{"allow_hours": {"start": 9, "end": 12}}]


def _booking(rid: str, start: str, end: str, **extra) -> dict:
    return {"resource_id": rid, "graph": "instant", "start": start, "end": end, "what": "Cut",
            "customer": {"name": "Marty", "email": "marty@example.com"}, **extra}


def test_booking_lifecycle(api, make_resource):
    rid = make_resource()["id"]
    real = json.loads((REALDATA / "booking-create-request.json").read_text())
    real["resource_id"] = rid
    made = api.post("/bookings", params={"include": "attributes,event,user,customers"}, json=real)
    assert made.status_code == 201, made.text
    data = made.json()["data"]
    assert (data["graph"], data["state"], data["completed"]) == ("confirm_decline", "tentative", False)
    assert data["possible_actions"] == ["confirm", "decline", "cancel", "cancel_by_owner", "cancel_by_customer"]
    assert data["attributes"]["event_info"]["what"] == real["what"]
    assert data["customers"][0]["email"] == real["customer"]["email"]
    bid = data["id"]
    assert api.put(f"/bookings/{bid}/confirm", json={}).status_code == 204
    got = api.get(f"/bookings/{bid}").json()["data"]
    assert (got["state"], got["possible_actions"]) == ("confirmed", ["cancel", "cancel_by_owner", "cancel_by_customer"])
    refused = api.put(f"/bookings/{bid}/decline", json={})
    assert refused.status_code == 422 and set(refused.json()) == {"error"}
    assert api.put(f"/bookings/{bid}/frobnicate").status_code == 422
    assert api.put(f"/bookings/{bid}/cancel_by_customer").status_code == 204
    assert api.get(f"/bookings/{bid}").json()["data"]["possible_actions"] == []
    assert api.put(f"/bookings/{UNKNOWN}/cancel").status_code == 404


def test_booking_list_search(api, make_resource):
    a, b = make_resource(name="A")["id"], make_resource(name="B")["id"]
    api.post("/bookings", json=_booking(a, "2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z"))
    api.post("/bookings", json=_booking(b, "2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z", graph="confirm_decline"))
    assert api.get("/bookings").json()["total"] == 2
    by_state = api.get("/bookings", params={"search": "state:tentative"}).json()["data"]
    assert [x["graph"] for x in by_state] == ["confirm_decline"]
    assert api.get("/bookings", params={"search": f"resource.id:{a}"}).json()["total"] == 1
    assert api.get("/bookings", params={"search": f"resource.id:{a};state:tentative"}).json()["total"] == 0


@pytest.mark.parametrize("body,errors", [
    ({}, {"resource_id": ["The resource_id field is required."], "graph": ["The graph field is required."],
          "start": ["The start field is required."], "end": ["The end field is required."]}),
    ({"resource_id": UNKNOWN, "graph": "walk-in", "start": "tomorrow", "end": "2026-11-30T10:00:00Z"},
     {"resource_id": ["The selected resource_id is invalid."], "graph": ["The selected graph is invalid."],
      "start": ["The start is not a valid RFC3339 timestamp."]}),
])
def test_booking_validation(api, body, errors):
    response = api.post("/bookings", json=body)
    assert (response.status_code, response.json()) == (422, {"errors": errors})


def test_booking_end_before_start_and_overlap(api, make_resource):
    rid = make_resource()["id"]
    backwards = api.post("/bookings", json=_booking(rid, "2026-11-30T10:00:00Z", "2026-11-30T09:00:00Z"))
    assert backwards.json() == {"errors": {"end": ["The end must be a date after start."]}}
    assert api.post("/bookings", json=_booking(rid, "2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z")).status_code == 201
    overlap = api.post("/bookings", json=_booking(rid, "2026-11-30T09:30:00+00:00", "2026-11-30T10:30:00+0000"))
    assert overlap.json() == {"errors": {"start": ["The resource is not available at this time."]}}
    double = _booking(rid, "2026-11-30T09:30:00Z", "2026-11-30T10:30:00Z", settings={"allow_double_bookings": True})
    assert api.post("/bookings", json=double).status_code == 201


def _starts(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [slot["start"] for slot in response.json()["data"]]


def test_availability_respects_constraints_and_a_booking_removes_slots(api, make_resource):
    rid = make_resource(timezone="UTC", availability_constraints=HOURS)["id"]
    body = {"resources": [rid], "from": "2026-11-30T00:00:00Z", "to": "2026-12-01T00:00:00Z",
            "length": "1 hour", "mode": "mutual"}
    # 9:00-12:00 with 1-hour slots on the quarter hour: 9:00 ... 11:00 (9 starts).
    all_starts = [f"2026-11-30T{h:02d}:{m:02d}:00+00:00" for h in (9, 10) for m in (0, 15, 30, 45)]
    all_starts.append("2026-11-30T11:00:00+00:00")
    assert _starts(api.post("/availability", json=body)) == all_starts
    # A tentative booking does not block; once confirmed, 10:00-11:00 is gone.
    made = api.post("/bookings", json=_booking(rid, "2026-11-30T10:00:00Z", "2026-11-30T11:00:00Z",
                                               graph="confirm_decline")).json()["data"]
    assert _starts(api.post("/availability", json=body)) == all_starts
    api.put(f"/bookings/{made['id']}/confirm")
    assert _starts(api.post("/availability", json=body)) == ["2026-11-30T09:00:00+00:00", "2026-11-30T11:00:00+00:00"]
    # A 15-minute buffer widens the booking to 9:45-11:15, which leaves nothing of 9-12.
    assert _starts(api.post("/availability", json={**body, "buffer": "15 minutes"})) == []
    api.put(f"/bookings/{made['id']}/cancel")
    assert _starts(api.post("/availability", json=body)) == all_starts


def test_availability_from_a_project_with_output_timezone(api, make_resource, make_project):
    rid = make_resource(name="Doc", timezone="Europe/Copenhagen", availability_constraints=HOURS)["id"]
    project = make_project(resources=[rid], availability={"mode": "roundrobin_random", "length": "3 hours",
                                                          "from": "2026-11-30T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
                           availability_constraints=[{"block_day": {"day": "Tuesday"}}])
    response = api.post("/availability", json={"project_id": project["id"], "output_timezone": "America/New_York"})
    # 9-12 Copenhagen (UTC+1) = 08:00-11:00 UTC = 03:00-06:00 New York (UTC-5): one 3-hour slot.
    assert response.json() == {"data": [{"start": "2026-11-30T03:00:00-05:00", "end": "2026-11-30T06:00:00-05:00",
                                         "resources": [{"id": rid, "name": "Doc", "timezone": "Europe/Copenhagen"}]}]}
    # Explicit parameters override the project's; the project's blocked Tuesday still applies.
    tuesday = api.post("/availability", json={"project_id": project["id"], "from": "2026-12-01T00:00:00Z",
                                              "to": "2026-12-02T00:00:00Z"})
    assert _starts(tuesday) == []
    empty = make_project(name="Empty")
    assert api.post("/availability", json={"project_id": empty["id"]}).json() == {"data": []}


@pytest.mark.parametrize("body,errors", [
    ({}, {"resources": ["The resources field is required."]}),
    ({"resources": [UNKNOWN]}, {"resources": ["The selected resources is invalid."]}),
    ({"project_id": UNKNOWN}, {"project_id": ["The selected project_id is invalid."]}),
    ({"resources": [], "mode": "solo", "length": "forever", "output_timezone": "Nowhere"},
     {"mode": ["The selected mode is invalid."], "length": ['The length must be a duration such as "30 minutes".'],
      "output_timezone": ["The output_timezone must be a valid zone."]}),
    ({"resources": [], "from": "future"}, {"from": ["future in not a valid timestamp or relative time"]}),
    ({"resources": [], "from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
     {"to": ["The to must be a date after from."]}),
    ({"resources": [], "from": "2026-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
     {"to": ["The to may not be more than 6 months after from."]}),
])
def test_availability_validation(api, body, errors):
    response = api.post("/availability", json=body)
    assert (response.status_code, response.json()) == (422, {"errors": errors})
