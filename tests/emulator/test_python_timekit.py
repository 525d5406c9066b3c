"""The real third-party client python-timekit (PyPI, 1.0.2) against the emulator, unchanged.

python-timekit builds its URLs from the module constant `timekit.components.base.BASE_URL_V2`
when a component is constructed, so pointing it at the emulator means patching that constant.
"""

from __future__ import annotations

import pytest
import timekit
import timekit.components.base as timekit_base
from timekit.components.base import APIBaseMethod


@pytest.fixture
def client(api, emulator, monkeypatch):
    monkeypatch.setattr(timekit_base, "BASE_URL_V2", emulator.base_url)
    return timekit.TimekitAPI(emulator.token)


def test_python_timekit_end_to_end(client, emulator):
    created = client.resources.create({"name": "Doc Brown", "email": "doc@example.com",
                                       "timezone": "America/Los_Angeles"})
    assert created.status == 201
    doc = created.data["data"]
    marty = client.resources.create({"name": "Marty", "timezone": "America/Los_Angeles"}).data["data"]
    listed = client.resources.list()
    assert listed.status == 200 and listed.data["total"] == 2 and listed.data["per_page"] == "50"
    with_calendars = client.resources.retrieve(doc["id"], dynamic_includes=["calendars"])
    assert [c["name"] for c in with_calendars.data["data"]["calendars"]] == ["Bookings"]
    assert client.resources.update(doc["id"], {"name": "Emmett Brown"}).status == 204
    opening_hours = {"availability_constraints": [{"allow_hours": {"start": 9, "end": 17}},
                                                  {"block_weekends": {}}]}
    assert client.resources.availability_constraints(doc["id"], opening_hours).status == 204
    assert client.resources.retrieve(doc["id"]).data["data"]["name"] == "Emmett Brown"

    calendars = APIBaseMethod(emulator.token)
    calendars.url = emulator.base_url + "/calendars"
    cal = calendars.create({"name": "Extra", "description": "python-timekit", "resource_id": doc["id"]})
    assert cal.status == 201
    assert calendars.list(search=f"resource_id:{doc['id']}").data["total"] == 2
    assert calendars.update(cal.data["data"]["id"], {"name": "Renamed"}).status == 204
    assert calendars.delete(cal.data["data"]["id"]).status == 204

    project = client.projects.create({"name": "Consult", "availability": {"mode": "mutual", "length": "1 hour"},
                                      "booking": {"graph": "instant"}})
    assert project.status == 201
    pid = project.data["data"]["id"]
    assert client.projects.add_resources(pid, {"resource_id": doc["id"]}).status == 204
    assert client.projects.set_resources(pid, [doc["id"], marty["id"]]).status == 204
    members = client.projects.get_resources(pid).data["data"]
    assert [m["id"] for m in members] == [doc["id"], marty["id"]]
    # python-timekit's remove_resources sends PUT instead of DELETE (§16.13): the path knows only DELETE.
    assert client.projects.remove_resources(pid, marty["id"]).status == 405
    assert client.projects.set_resources(pid, [doc["id"]]).status == 204

    window = {"from": "2026-11-30T00:00:00+00:00", "to": "2026-12-01T00:00:00+00:00"}
    slots = client.availability.list({"project_id": pid, **window})
    assert slots.status == 200
    # Monday 30 Nov 2026, 9-17 Los Angeles = 17:00-01:00 UTC; one-hour slots from 17:00 to 00:00 UTC
    # (a slot must end by `to`, so 23:00 is the last start): 6 hours * 4 + 1.
    starts = [s["start"] for s in slots.data["data"]]
    assert starts[0] == "2026-11-30T17:00:00+00:00" and starts[-1] == "2026-11-30T23:00:00+00:00"
    assert len(starts) == 25

    booking = client.bookings.create({"resource_id": doc["id"], "graph": "confirm_decline",
                                      "start": "2026-11-30T18:00:00+00:00", "end": "2026-11-30T19:00:00+00:00",
                                      "what": "Check", "customer": {"name": "Marty", "email": "m@example.com"}},
                                     dynamic_includes=["attributes"])
    assert booking.status == 201
    bid = booking.data["data"]["id"]
    assert client.bookings.update_state(bid, "confirm").status == 204
    assert client.bookings.retrieve(bid).data["data"]["state"] == "confirmed"
    after = [s["start"] for s in client.availability.list({"project_id": pid, **window}).data["data"]]
    # 18:00-19:00 is taken: every slot overlapping it (17:15 ... 18:45) is gone.
    assert "2026-11-30T18:00:00+00:00" not in after and len(after) == 25 - 7
    # bookings.list builds "page=1include=" (§16.13): the emulator answers 422 like the contract says.
    assert client.bookings.list().status == 422
    assert client.resources.delete(marty["id"]).status == 204
    assert client.resources.retrieve(marty["id"]).status == 404


def test_python_timekit_sees_401_for_a_wrong_token(emulator, monkeypatch):
    monkeypatch.setattr(timekit_base, "BASE_URL_V2", emulator.base_url)
    answer = timekit.TimekitAPI("live_api_key_" + "0" * 32).resources.list()
    assert (answer.status, answer.data) == (401, {"error": "Invalid credentials supplied"})
