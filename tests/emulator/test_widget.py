"""Timekit's booking widget (booking.js 3.3.x) against the emulator, over real HTTP (§1, §2, §10.1).

Each request below is the one booking.js makes: the path, query, headers and body its
`widget.js`, `helpers/template.js`, `pages/booking.js` and `pages/reschedule.js` send through
timekit-sdk (Basic `":" + app_key`, `Timekit-Context: widget`, `include` from
`create_booking_response_include`), and the test reads what those files read from the answers.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
import pytest

from tests.fixtures import REALDATA
from tkctl.emulator.store import widget_key_for
from tkctl.emulator.testing import running_emulator

DOCS = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
INCLUDE = {"include": "attributes,event,user"}  # booking.js's create_booking_response_include
# 2026-12-07 is a Monday; the resource is open 9-11 UTC, so 1-hour slots start 9:00 ... 10:00.
WINDOW = {"from": "2026-12-07T00:00:00Z", "to": "2026-12-08T00:00:00Z", "length": "1 hour"}


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(f":{key}".encode()).decode()


def widget_client(emulator, app_key: str | None, **headers: str) -> httpx.Client:
    """What timekit-sdk sends for booking.js: apiBaseUrl + "v2", the widget header, the key."""
    sent = {"Timekit-Context": "widget", "Origin": "https://shop.example", **headers}
    if app_key is not None:
        sent["Authorization"] = _basic(app_key)
    return httpx.Client(base_url=emulator.root_url + "/v2", headers=sent, timeout=30)


@pytest.fixture
def clinic(api):
    """A resource open 9-11 on weekdays and a project showing it, as an admin would set it up."""
    doc = api.post("/resources", json={"name": "Doc Brown", "timezone": "UTC",
                                       "availability_constraints": [{"allow_hours": {"start": 9, "end": 11}}]})
    real = json.loads((REALDATA / "project-embed-response.json").read_text())["data"]
    project = api.post("/projects", json={
        "name": real["name"], "slug": real["slug"], "resources": [doc.json()["data"]["id"]],
        "ui": real["ui"], "booking": real["booking"], "customer_fields": real["customer_fields"],
        "availability": {"mode": "roundrobin_random", **WINDOW}})
    assert project.status_code == 201, project.text
    return {"resource": doc.json()["data"], "project": project.json()["data"], "real": real}


def _slot_starts(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [slot["start"] for slot in response.json()["data"]]


def test_an_embedded_project_books_end_to_end_with_the_widget_key(emulator, clinic):
    project = clinic["project"]
    widget = widget_client(emulator, emulator.widget_key)
    # widget.js loadRemoteEmbeddedProject
    embed = widget.get(f"/projects/embed/{project['id']}")
    assert embed.status_code == 200, embed.text
    remote = embed.json()["data"]
    assert remote["app_key"] == emulator.widget_key
    assert {k: remote[k] for k in ("ui", "booking", "customer_fields", "slug", "name")} == {
        k: clinic["real"][k] for k in ("ui", "booking", "customer_fields", "slug", "name")}
    # template.js timekitFetchAvailability: output_timezone, project_id, then the local availability
    found = widget.post("/availability", json={"output_timezone": "Europe/Copenhagen", "project_id": remote["id"]})
    slots = found.json()["data"]
    assert _slot_starts(found) == [f"2026-12-07T{h}:{m}:00+01:00" for h, m in
                                   [("10", "00"), ("10", "15"), ("10", "30"), ("10", "45"), ("11", "00")]]
    assert slots[0]["resources"][0]["name"] == "Doc Brown"  # booking page: "with Doc Brown"
    # pages/booking.js timekitCreateBooking: the form, project_id, resources[0].id, merged `booking`
    payload = {"end": slots[0]["end"], "start": slots[0]["start"], "description": "Name: Marty\nEmail: m@x.io\n",
               "customer": {"name": "Marty", "email": "m@x.io", "timezone": "Europe/Copenhagen"},
               "project_id": remote["id"], "resource_id": slots[0]["resources"][0]["id"], **remote["booking"]}
    booked = widget.post("/bookings", params=INCLUDE, json=payload)
    assert booked.status_code == 201, booked.text
    data = booked.json()["data"]
    assert (data["graph"], data["state"]) == ("instant", "confirmed")
    assert data["attributes"]["event_info"]["start"] == slots[0]["start"]
    # After a booking the widget fetches availability again: only 10-11 UTC is left.
    again = widget.post("/availability", json={"output_timezone": "UTC", "project_id": remote["id"]})
    assert _slot_starts(again) == ["2026-12-07T10:00:00+00:00"]


def test_a_hosted_project_needs_no_credentials_and_hands_out_the_widget_key(emulator, clinic):
    slug = clinic["project"]["slug"]
    anonymous = widget_client(emulator, None)
    hosted = anonymous.get(f"/projects/hosted/{slug}")
    assert hosted.status_code == 200, hosted.text
    remote = hosted.json()["data"]
    assert remote["app_key"] == emulator.widget_key and remote["id"] == clinic["project"]["id"]
    # booking.js then configures the SDK with that app_key for everything else.
    widget = widget_client(emulator, remote["app_key"])
    assert widget.post("/availability", json={"output_timezone": "UTC", "project_id": remote["id"]}).status_code == 200
    assert anonymous.post("/availability", json={"project_id": remote["id"]}).status_code == 401
    missing = anonymous.get("/projects/hosted/no-such-slug")
    assert (missing.status_code, missing.json()) == (404, {"error": "Resource does not exist", "model": "Widget"})


def test_hosted_slugs_are_found_across_apps_the_callers_own_app_first():
    tokens = ["live_api_key_first", "test_api_key_second"]
    with running_emulator(tokens=tokens, rate_limit=0) as emu:
        first, second = (httpx.Client(base_url=emu.base_url, auth=("", t)) for t in tokens)
        only_second = second.post("/projects", json={"name": "Yoga", "slug": "yoga"}).json()["data"]
        shared = [c.post("/projects", json={"name": "Both", "slug": "both"}).json()["data"] for c in (first, second)]
        anonymous = widget_client(emu, None)
        found = anonymous.get("/projects/hosted/yoga").json()["data"]
        assert (found["id"], found["app_key"]) == (only_second["id"], widget_key_for(tokens[1]))
        assert anonymous.get("/projects/hosted/both").json()["data"]["id"] == shared[0]["id"]  # token order
        as_second = widget_client(emu, widget_key_for(tokens[1])).get("/projects/hosted/both").json()["data"]
        assert as_second["id"] == shared[1]["id"]
        # A key that is no key is ignored, as if none were sent.
        assert widget_client(emu, "nonsense").get("/projects/hosted/yoga").status_code == 200
        assert emu.widget_keys == {t: widget_key_for(t) for t in tokens}
        assert emu.apps()[1] == {"token": tokens[1], "widget_key": widget_key_for(tokens[1]), "test_mode": True}
        # The widget key of one app never reaches another app's objects.
        embed_elsewhere = widget_client(emu, widget_key_for(tokens[0])).get(f"/projects/embed/{only_second['id']}")
        assert embed_elsewhere.status_code == 404


@pytest.mark.parametrize("method,path", [
    ("GET", "/projects/embed/{project}"),
    ("POST", "/availability"),
    ("POST", "/bookings"),
    ("GET", "/bookings/groups"),
    ("POST", "/bookings/{booking}/reschedule"),
])
def test_the_widget_key_works_on_the_widgets_requests(emulator, clinic, api, method, path):
    booking = api.post("/bookings", json={"resource_id": clinic["resource"]["id"], "graph": "confirm_decline",
                                          "start": "2026-12-07T09:00:00Z", "end": "2026-12-07T10:00:00Z"})
    url = path.format(project=clinic["project"]["id"], booking=booking.json()["data"]["id"])
    response = widget_client(emulator, emulator.widget_key).request(method, url, json={})
    assert response.status_code in (200, 422), response.text  # past auth: answered or validated


@pytest.mark.parametrize("method,path", [
    ("GET", "/app"), ("GET", "/resources"), ("POST", "/resources"), ("GET", "/resources/{resource}"),
    ("GET", "/calendars"), ("GET", "/projects"), ("POST", "/projects"), ("GET", "/projects/{project}"),
    ("PUT", "/projects/{project}"), ("DELETE", "/projects/{project}"), ("GET", "/projects/{project}/resources"),
    ("GET", "/bookings"), ("GET", "/bookings/{booking}"), ("PUT", "/bookings/{booking}/cancel"),
    ("GET", "/bookings/groups/{booking}"), ("GET", "/nothing-here"), ("PATCH", "/availability"),
])
def test_the_widget_key_is_refused_everywhere_else(emulator, clinic, api, method, path):
    booking = api.post("/bookings", json={"resource_id": clinic["resource"]["id"], "graph": "group_owner",
                                          "start": "2026-12-07T09:00:00Z", "end": "2026-12-07T10:00:00Z"})
    url = path.format(project=clinic["project"]["id"], resource=clinic["resource"]["id"],
                      booking=booking.json()["data"]["id"])
    response = widget_client(emulator, emulator.widget_key).request(method, url, json={})
    assert (response.status_code, response.json()) == (401, {"error": "Invalid credentials supplied"})
    # The same request with the app token gets past auth.
    assert widget_client(emulator, emulator.token).request(method, url, json={}).status_code != 401


@pytest.mark.parametrize("unset", ["never sent", "null"])
def test_embed_and_hosted_answer_empty_objects_for_unset_settings(emulator, api, unset):
    body = {"name": "Bare", "slug": "bare"}
    if unset == "null":
        body.update(ui=None, booking=None, customer_fields=None)
    pid = api.post("/projects", json=body).json()["data"]["id"]
    widget = widget_client(emulator, emulator.widget_key)
    for path in (f"/projects/embed/{pid}", "/projects/hosted/bare"):
        remote = widget.get(path).json()["data"]
        assert (remote["ui"], remote["booking"], remote["customer_fields"]) == ({}, {}, {})
    assert api.get(f"/projects/{pid}").json()["data"]["ui"] is None  # the project itself keeps null


def test_group_classes_book_a_seat_through_the_widget(emulator, clinic, api):
    rid, pid = clinic["resource"]["id"], clinic["project"]["id"]
    api.put(f"/projects/{pid}", json={"booking": {"graph": "group_customer"}})
    owner = api.post("/bookings", json={"resource_id": rid, "project_id": pid, "graph": "group_owner",
                                        "settings": {"max_seats": 3}, "start": "2026-12-08T17:00:00Z",
                                        "end": "2026-12-08T18:00:00Z", "what": "Yoga"}).json()["data"]
    # template.js timekitGetBookingSlots: scoped by project, with the customer's timezone header
    widget = widget_client(emulator, emulator.widget_key)
    groups = widget.get("/bookings/groups", params={"search": f"project.id:{pid}"},
                        headers={"Timekit-Timezone": "Europe/Copenhagen"})
    assert groups.status_code == 200, groups.text
    item = groups.json()["data"][0]
    slot = {"booking": item, "start": item["attributes"]["event_info"]["start"],
            "end": item["attributes"]["event_info"]["end"], "title": item["attributes"]["event_info"]["what"]}
    assert (slot["title"], item["id"]) == ("Yoga", owner["id"])
    # pages/booking.js for group_customer: resource from the class, related owner booking
    payload = {"end": slot["end"], "start": slot["start"], "description": "",
               "customer": {"name": "Marty", "email": "m@x.io", "timezone": "UTC"}, "project_id": pid,
               "resource_id": slot["booking"]["resource"]["id"],
               "related": {"owner_booking_id": slot["booking"]["id"]}, "graph": "group_customer"}
    seat = widget.post("/bookings", params=INCLUDE, json=payload)
    assert seat.status_code == 201, seat.text
    assert seat.json()["data"]["graph"] == "group_customer"
    after = widget.get("/bookings/groups", params={"search": f"project.id:{pid}"}).json()["data"][0]
    assert after["attributes"]["group_booking"] == {"max_seats": 3, "current_seats": 1}


def test_the_reschedule_page_moves_a_booking(emulator, clinic, api):
    rid = clinic["resource"]["id"]
    made = api.post("/bookings", json={"resource_id": rid, "graph": "instant", "start": "2026-12-07T09:00:00Z",
                                       "end": "2026-12-07T10:00:00Z"}).json()["data"]
    widget = widget_client(emulator, emulator.widget_key)
    # pages/reschedule.js timekitRescheduleBooking (moment().format() timestamps)
    payload = {"end": "2026-12-07T11:00:00+01:00", "start": "2026-12-07T10:00:00+01:00",
               "message": "Can we make it later?", "resource_id": rid}
    moved = widget.post(f"/bookings/{made['id']}/reschedule", params=INCLUDE, json=payload)
    assert moved.status_code == 200, moved.text
    assert moved.json()["data"]["attributes"]["event_info"]["start"] == "2026-12-07T10:00:00+01:00"
    window = {"resources": [rid], "mode": "mutual", **WINDOW}
    assert _slot_starts(api.post("/availability", json=window)) == ["2026-12-07T10:00:00+00:00"]


def test_cors_preflight_is_answered_before_auth(emulator):
    response = httpx.options(emulator.base_url + "/bookings", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,timekit-context,timekit-timezone"})
    assert response.status_code == 204 and response.content == b""
    allowed_headers = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "timekit-context", "timekit-timezone", "timekit-app",
            "timekit-inputtimestampformat", "timekit-outputtimestampformat"} <= allowed_headers
    assert response.headers["access-control-allow-methods"] == "GET, POST, PUT, DELETE"
    assert response.headers["access-control-allow-origin"] == "*"
    assert emulator.counters()["by_status"] == {"204": 1}


def test_every_v2_answer_allows_any_origin_and_exposes_test_mode():
    with running_emulator(tokens=["test_api_key_cors"], rate_limit=0) as emu:
        widget = widget_client(emu, emu.widget_key)
        answers = [
            widget.post("/availability", json={"resources": []}),  # 200, test mode
            widget.get("/projects"),  # 401
            widget.get("/projects/embed/" + UNKNOWN),  # 404
            widget.post("/bookings", json={}),  # 422
            widget.request("PATCH", "/bookings"),  # 401 (auth first)
            httpx.request("PATCH", emu.base_url + "/bookings", auth=("", emu.token)),  # 405
        ]
        assert [a.status_code for a in answers] == [200, 401, 404, 422, 401, 405]
        for answer in answers:
            assert answer.headers["access-control-allow-origin"] == "*"
            assert answer.headers["access-control-expose-headers"] == "Timekit-TestMode"
        assert answers[0].headers["timekit-testmode"] == "true"
        assert answers[5].headers["allow"] == "GET, POST, OPTIONS"


def test_the_documented_widget_configuration_reaches_the_emulator(emulator, clinic):
    block = re.search(r"window\.timekitBookingConfig = \{(.*?)\};", DOCS.read_text(), re.S).group(1)
    config = dict(re.findall(r'(\w+): "([^"]*)"', block))
    assert set(config) == {"api_base_url", "app_key", "project_id"}
    assert config["app_key"].startswith("live_widget_key_")
    # The user's own values in place of the placeholders; timekit-sdk then requests
    # apiBaseUrl + "v2" + path with Basic ":" + app_key.
    api_base_url = config["api_base_url"].replace("http://127.0.0.1:8080", emulator.root_url)
    url = api_base_url + "v2" + "/projects/embed/" + clinic["project"]["id"]
    response = httpx.get(url, headers={"Authorization": _basic(emulator.widget_key), "Timekit-Context": "widget"})
    assert response.status_code == 200 and response.json()["data"]["app_key"] == emulator.widget_key
