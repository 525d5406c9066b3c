"""The `drop` fault: the connection dies in the middle of the answer, before or after the
server acted, so a client sees a transport error instead of an HTTP status."""

from __future__ import annotations

import logging
import threading

import httpx
import pytest

from tkctl.errors import ApiError
from tkctl.timekit.client import TimekitClient


def test_a_drop_before_handling_breaks_the_answer_and_acts_on_nothing(api, emulator):
    emulator.add_fault(method="POST", path="/v2/resources", nth=1, drop=True)
    with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection without sending complete"):
        api.post("/resources", json={"name": "Doc", "timezone": "UTC"})
    assert api.get("/resources").json()["data"] == []
    counters = emulator.counters()
    assert counters["by_status"] == {"dropped": 1, "200": 1}
    assert counters["by_route"]["POST /v2/resources"] == 1


def test_a_drop_after_handling_acts_then_breaks_the_answer(api, emulator):
    emulator.add_fault(method="POST", path="/v2/resources", nth=1, status=None, drop=True, after_handling=True)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/resources", json={"name": "Doc", "timezone": "UTC"})
    assert [r["name"] for r in api.get("/resources").json()["data"]] == ["Doc"]  # it WAS created
    answer = api.post("/resources", json={"name": "Second", "timezone": "UTC"})  # one-shot
    assert answer.status_code == 201


def test_a_drop_of_a_bodyless_answer_is_still_broken(api, emulator, make_resource):
    """An update answers 204 with no body; a dropped one must not arrive complete."""
    resource = make_resource()
    emulator.add_fault(method="PUT", path="/v2/resources", nth=1, status=None, drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        api.put(f"/resources/{resource['id']}", json={"name": "Renamed"})
    assert api.get(f"/resources/{resource['id']}").json()["data"]["name"] == "Renamed"


def test_the_raw_answer_announces_a_body_it_never_sends(emulator, api):
    """What goes over the wire: a status line and headers, then half the announced body."""
    emulator.add_fault(method="GET", path="/v2/app", nth=1, status=503, drop=True)
    with api.stream("GET", "/app") as response:
        assert response.status_code == 503
        announced = int(response.headers["content-length"])
        received = bytearray()
        with pytest.raises(httpx.RemoteProtocolError):
            for chunk in response.iter_raw():
                received += chunk
    assert 0 < len(received) < announced


def test_tkctl_client_reports_a_dropped_create_as_an_outcome_it_cannot_know(emulator):
    """tkctl never resends a create whose answer broke off; the error carries status 0."""
    emulator.configure(rate_limit=0)
    emulator.add_fault(method="POST", path="/v2/resources", nth=1, drop=True, after_handling=True, status=None)
    with TimekitClient(emulator.base_url, emulator.token, rate_per_second=0) as client:
        with pytest.raises(ApiError) as caught:
            client.post("/resources", {"name": "Doc", "timezone": "UTC"}, resend=False)
        assert caught.value.status == 0
        assert "RemoteProtocolError" in str(caught.value)
        assert len(client.list_all("/resources")) == 1
    assert emulator.counters()["by_route"]["POST /v2/resources"] == 1  # sent once


def test_the_server_logs_nothing_for_a_dropped_answer(api, emulator, caplog):
    emulator.add_fault(method="GET", path="/v2/app", nth=1, drop=True)
    with caplog.at_level(logging.WARNING):
        with pytest.raises(httpx.RemoteProtocolError):
            api.get("/app")
        assert api.get("/app").status_code == 200  # the server goes on serving
    assert [r.getMessage() for r in caplog.records if r.name.startswith("uvicorn")] == []


def test_a_held_request_is_counted_while_it_waits(emulator):
    """`held` shows a request that a delay fault holds, so a test can act at that exact point."""
    emulator.configure(rate_limit=0)
    emulator.add_fault(method="POST", path="/v2/resources", nth=1, status=None, delay_ms=60_000)
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(httpx.post(
        emulator.base_url + "/resources", json={"name": "late", "timezone": "UTC"},
        auth=("", emulator.token), timeout=60)))
    thread.start()
    while emulator.counters()["held"] < 1:
        assert thread.is_alive(), answers
    assert emulator.counters()["held"] == 1
    emulator.reset()  # releases it without acting
    thread.join(30)
    assert answers[0].status_code == 503
    assert emulator.counters()["held"] == 0


@pytest.mark.parametrize("fault,field", [
    ({"drop": "yes"}, "drop"),
    ({"drop": 1}, "drop"),
    ({"status": None, "drop": False}, "status"),
])
def test_bad_drop_settings_are_refused(emulator, fault, field):
    answer = httpx.post(emulator.control_url + "/faults", json=fault)
    assert answer.status_code == 422
    assert field in answer.json()["errors"]
