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


@pytest.mark.parametrize("graph,state", [
    ("instant", "confirmed"), ("instant_payment", "tentative"), ("confirm_decline", "tentative"),
    ("group_owner", "tentative"), ("reservation", "tentative"),
])
def test_every_whole_booking_graph_is_accepted(api, make_resource, graph, state):
    rid = make_resource()["id"]
    made = api.post("/bookings", json=_booking(rid, "2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z", graph=graph))
    assert made.status_code == 201, made.text
    assert (made.json()["data"]["graph"], made.json()["data"]["state"]) == (graph, state)


def _class(api, rid: str, seats: int | None = 2, **extra) -> dict:
    settings = {} if seats is None else {"max_seats": seats}
    body = _booking(rid, "2026-12-04T17:00:00Z", "2026-12-04T18:00:00Z", graph="group_owner", what="Yoga",
                    settings=settings, **extra)
    made = api.post("/bookings", json=body)
    assert made.status_code == 201, made.text
    return made.json()["data"]


def _seat(owner_id: str, graph: str = "group_customer", **extra) -> dict:
    # As the docs' group_customer example: no start/end, they come from the class.
    return {"graph": graph, "related": {"owner_booking_id": owner_id},
            "customer": {"name": "Marty", "email": "marty@example.com"}, **extra}


@pytest.mark.parametrize("graph", ["group_customer", "group_customer_payment"])
def test_seats_of_a_class_until_it_is_full(api, make_resource, graph):
    rid = make_resource(name="Doc")["id"]
    owner = _class(api, rid, seats=2)
    first = api.post("/bookings", params={"include": "attributes"}, json=_seat(owner["id"], graph))
    assert first.status_code == 201, first.text
    seat = first.json()["data"]
    assert (seat["graph"], seat["attributes"]["event_info"]["start"]) == (graph, "2026-12-04T17:00:00Z")
    assert api.post("/bookings", json=_seat(owner["id"], graph, resource_id=rid)).status_code == 201
    full = api.post("/bookings", json=_seat(owner["id"], graph))
    assert full.json() == {"errors": {"related.owner_booking_id": ["The group booking has no free seats."]}}
    # A cancelled seat is free again.
    assert api.put(f"/bookings/{seat['id']}/cancel").status_code == 204
    assert api.post("/bookings", json=_seat(owner["id"], graph)).status_code == 201
    listed = api.get(f"/bookings/groups/{owner['id']}").json()["data"]
    assert listed["attributes"]["group_booking"] == {"max_seats": 2, "current_seats": 2}


@pytest.mark.parametrize("related,message", [
    (None, "The related.owner_booking_id field is required."),
    ({"owner_booking_id": UNKNOWN}, "The selected related.owner_booking_id is invalid."),
    ({"owner_booking_id": {"id": 1}}, "The selected related.owner_booking_id is invalid."),
    ("OWNER_OF_ANOTHER_GRAPH", "The selected related.owner_booking_id is invalid."),
    ("CANCELLED_CLASS", "The selected related.owner_booking_id is invalid."),
])
def test_a_seat_must_name_an_open_class(api, make_resource, related, message):
    rid = make_resource()["id"]
    if related == "OWNER_OF_ANOTHER_GRAPH":
        made = api.post("/bookings", json=_booking(rid, "2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z"))
        related = {"owner_booking_id": made.json()["data"]["id"]}
    elif related == "CANCELLED_CLASS":
        owner = _class(api, rid)
        api.put(f"/bookings/{owner['id']}/cancel")
        related = {"owner_booking_id": owner["id"]}
    body = {"graph": "group_customer", "resource_id": rid, "start": "2026-12-04T17:00:00Z",
            "end": "2026-12-04T18:00:00Z", "related": related}
    response = api.post("/bookings", json=body)
    assert (response.status_code, response.json()) == (422, {"errors": {"related.owner_booking_id": [message]}})


@pytest.mark.parametrize("seats,errors", [
    (0, {"settings.max_seats": ["The settings.max_seats must be a positive integer."]}),
    ("20", {"settings.max_seats": ["The settings.max_seats must be a positive integer."]}),
])
def test_class_seat_count_validation(api, make_resource, seats, errors):
    body = _booking(make_resource()["id"], "2026-12-04T17:00:00Z", "2026-12-04T18:00:00Z", graph="group_owner",
                    settings={"max_seats": seats})
    response = api.post("/bookings", json=body)
    assert (response.status_code, response.json()) == (422, {"errors": errors})


def test_groups_lists_open_classes_with_their_resource_and_seats(api, make_resource, make_project):
    doc = make_resource(name="Doc")["id"]
    pid = make_project(resources=[doc], booking={"graph": "group_customer"})["id"]
    in_project = _class(api, doc, seats=3, project_id=pid)
    unlimited = _class(api, doc, seats=None)
    cancelled = _class(api, doc)
    api.put(f"/bookings/{cancelled['id']}/cancel")
    api.post("/bookings", json=_booking(doc, "2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z"))  # not a class
    api.post("/bookings", json=_seat(in_project["id"]))
    listed = api.get("/bookings/groups")
    assert listed.status_code == 200 and listed.json()["total"] == 2
    first = listed.json()["data"][0]
    assert first["id"] == in_project["id"] and first["resource"] == {"id": doc, "name": "Doc"}
    assert first["attributes"]["group_booking"] == {"max_seats": 3, "current_seats": 1}
    assert first["attributes"]["event_info"]["what"] == "Yoga"
    assert listed.json()["data"][1]["attributes"]["group_booking"] == {"max_seats": None, "current_seats": 0}
    scoped = api.get("/bookings/groups", params={"search": f"project.id:{pid}"}).json()["data"]
    assert [g["id"] for g in scoped] == [in_project["id"]]
    assert unlimited["id"] not in [g["id"] for g in scoped]
    assert api.get(f"/bookings/groups/{cancelled['id']}").status_code == 200  # a closed class is still readable
    not_a_class = api.get("/bookings").json()["data"][-1]["id"]
    assert api.get(f"/bookings/groups/{not_a_class}").json() == {"error": "Resource does not exist",
                                                                  "model": "Booking"}


def test_reschedule_moves_a_booking_and_frees_its_old_time(api, make_resource):
    a, b = make_resource(name="A")["id"], make_resource(name="B")["id"]
    made = api.post("/bookings", json=_booking(a, "2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z")).json()["data"]
    other = api.post("/bookings", json=_booking(a, "2026-11-30T11:00:00Z", "2026-11-30T12:00:00Z")).json()["data"]
    moved = api.post(f"/bookings/{made['id']}/reschedule", params={"include": "attributes,event,user"},
                     json={"start": "2026-11-30T09:30:00+00:00", "end": "2026-11-30T10:30:00+00:00",
                           "message": "Later, please"})
    assert moved.status_code == 200, moved.text
    data = moved.json()["data"]
    assert (data["id"], data["state"]) == (made["id"], "confirmed")
    assert data["attributes"]["event_info"]["start"] == "2026-11-30T09:30:00+00:00"
    clash = api.post(f"/bookings/{made['id']}/reschedule",
                     json={"start": "2026-11-30T11:30:00Z", "end": "2026-11-30T12:30:00Z"})
    assert clash.json() == {"errors": {"start": ["The resource is not available at this time."]}}
    # Onto another resource: its own bookings decide; the old 9:30 slot on A is free again.
    assert api.post(f"/bookings/{made['id']}/reschedule", json={"start": "2026-11-30T11:30:00Z",
                                                                  "end": "2026-11-30T12:30:00Z",
                                                                  "resource_id": b}).status_code == 200
    assert api.get("/bookings", params={"search": f"resource.id:{b}"}).json()["total"] == 1
    assert api.post("/bookings", json=_booking(a, "2026-11-30T09:30:00Z", "2026-11-30T10:30:00Z")).status_code == 201
    api.put(f"/bookings/{other['id']}/cancel")
    refused = api.post(f"/bookings/{other['id']}/reschedule",
                       json={"start": "2026-11-30T13:00:00Z", "end": "2026-11-30T14:00:00Z"})
    assert (refused.status_code, refused.json()) == (
        422, {"error": "The action 'reschedule' is not possible on a cancelled booking"})
    assert api.post(f"/bookings/{UNKNOWN}/reschedule", json={}).status_code == 404


@pytest.mark.parametrize("body,errors", [
    ({}, {"start": ["The start field is required."], "end": ["The end field is required."]}),
    ({"start": "soon", "end": "2026-11-30T10:00:00Z", "resource_id": UNKNOWN},
     {"resource_id": ["The selected resource_id is invalid."], "start": ["The start is not a valid RFC3339 timestamp."]}),
    ({"start": "2026-11-30T10:00:00Z", "end": "2026-11-30T09:00:00Z", "message": 7},
     {"end": ["The end must be a date after start."], "message": ["The message must be a string."]}),
])
def test_reschedule_validation(api, make_resource, body, errors):
    rid = make_resource()["id"]
    made = api.post("/bookings", json=_booking(rid, "2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z")).json()["data"]
    response = api.post(f"/bookings/{made['id']}/reschedule", json=body)
    assert (response.status_code, response.json()) == (422, {"errors": errors})
    assert api.put(f"/bookings/{made['id']}/reschedule").headers["allow"] == "POST, OPTIONS"


@pytest.mark.parametrize("field,value,message", [
    # Found by the schema fuzzer: amounts past timedelta's or datetime's range answered 500.
    ("length", "99999999999 hours", 'The length must be a duration such as "30 minutes".'),
    ("buffer", "99999999999 weeks", 'The buffer must be a duration such as "30 minutes".'),
    ("to", "999999 weeks", "999999 weeks in not a valid timestamp or relative time"),
])
def test_availability_durations_out_of_range_are_a_422(api, make_resource, field, value, message):
    body = {"resources": [make_resource()["id"]], "from": "2026-11-30T00:00:00Z", field: value}
    response = api.post("/availability", json=body)
    assert (response.status_code, response.json()["errors"][field]) == (422, [message])
