"""Transport, auth and error rules every endpoint shares (§1, §2, §6), over real HTTP."""

from __future__ import annotations

import base64
import json
import uuid

import httpx
import pytest


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize("header", [
    None,                                  # no Authorization at all
    "Bearer something",                    # wrong scheme
    "Basic !!!not-base64!!!",              # undecodable
    _basic("", "live_api_key_wrong"),      # unknown key
    "TOKEN_USER",                          # replaced by the app token with a username below
])
def test_bad_credentials_get_401_with_the_contract_body(emulator, header):
    if header == "TOKEN_USER":
        header = _basic("doc@example.com", emulator.token)  # non-empty username: legacy auth
    headers = {"Authorization": header} if header else {}
    response = httpx.get(emulator.base_url + "/resources", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid credentials supplied"}
    assert "www-authenticate" not in response.headers
    assert uuid.UUID(response.headers["timekit-request-id"])


def test_every_response_has_a_request_id_and_live_keys_no_test_mode(api):
    first = api.get("/app")
    second = api.get("/app")
    assert first.status_code == 200
    assert first.headers["timekit-request-id"] != second.headers["timekit-request-id"]
    assert "timekit-testmode" not in first.headers


@pytest.mark.parametrize("method,path,body,status,expected", [
    ("GET", "/v2/nothing-here", None, 404, {"error": "Not found"}),
    ("GET", "/v1/resources", None, 404, {"error": "Not found"}),
    ("GET", "/v2/findtime", None, 404, {"error": "Not found"}),
    ("GET", "/v2/availability/dates", None, 404, {"error": "Not found"}),
    ("GET", "/v2/bookings/bulk", None, 404, {"error": "Not found"}),
    ("PATCH", "/v2/resources", None, 405, {"error": "Method not allowed"}),
    ("DELETE", "/v2/resources", None, 405, {"error": "Method not allowed"}),
    ("GET", "/v2/availability", None, 405, {"error": "Method not allowed"}),
    ("PUT", "/v2/bookings/" + str(uuid.uuid4()), "{}", 405, {"error": "Method not allowed"}),
    ("DELETE", "/v2/bookings/" + str(uuid.uuid4()), None, 405, {"error": "Method not allowed"}),
    ("POST", "/v2/resources", "{not json", 400, {"error": "Malformed JSON body"}),
    ("POST", "/v2/resources", json.dumps({"name": "x" * 64_001}), 413,
     {"error": "Request body exceeds 64000 characters"}),
    ("GET", "/v2/resources/" + str(uuid.uuid4()), None, 404,
     {"error": "Resource does not exist", "model": "Resource"}),
    ("GET", "/v2/calendars/nope", None, 404, {"error": "Resource does not exist", "model": "Calendar"}),
    ("GET", "/v2/projects/nope", None, 404, {"error": "Resource does not exist", "model": "Project"}),
    ("GET", "/v2/bookings/nope", None, 404, {"error": "Resource does not exist", "model": "Booking"}),
    ("GET", "/v2/projects/embed/nope", None, 404, {"error": "Resource does not exist", "model": "Widget"}),
    ("GET", "/v2/projects/hosted/nope", None, 404, {"error": "Resource does not exist", "model": "Widget"}),
])
def test_error_statuses_and_bodies(emulator, api, method, path, body, status, expected):
    response = httpx.request(method, emulator.root_url + path, content=body, auth=("", emulator.token),
                             headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert response.json() == expected
    assert response.headers["content-type"] == "application/json"
    if status == 405:  # found by the schema fuzzer: RFC 9110 requires Allow on a 405
        assert response.headers["allow"].endswith(", OPTIONS")


def test_an_encoded_slash_does_not_reach_another_route(api, emulator):
    # Decoded first, "x%2Fresources" read as /projects/x/resources, which has no DELETE: a 405.
    response = httpx.delete(emulator.base_url + "/projects/x%2Fresources", auth=("", emulator.token))
    assert (response.status_code, response.json()["model"]) == (404, "Project")


@pytest.mark.parametrize("path,allow", [
    ("/v2/resources", "GET, POST, OPTIONS"),
    ("/v2/availability", "POST, OPTIONS"),
    ("/v2/bookings/x", "GET, OPTIONS"),
    ("/v2/projects/x/resources/y", "DELETE, OPTIONS"),
])
def test_a_405_names_the_allowed_methods(api, emulator, path, allow):
    response = httpx.request("PATCH", emulator.root_url + path, auth=("", emulator.token))
    assert (response.status_code, response.headers["allow"]) == (405, allow)


@pytest.mark.parametrize("path,expected", [
    # Found by the schema fuzzer: the URL parser dropped the \r, so this read as the resource list.
    ("/v2/resources/%0D", {"error": "Resource does not exist", "model": "Resource"}),
    ("/v2/resources/%0A", {"error": "Resource does not exist", "model": "Resource"}),
    ("/v2/resources%0A", {"error": "Not found"}),  # `$` matches before a final newline; fullmatch does not
    # Found by the schema fuzzer: paths with a newline got Starlette's plain-text 404.
    ("/v2/resources/a%0Ab/c", {"error": "Not found"}),
    ("/v2/%0A", {"error": "Not found"}),
    ("/v1/%0A", {"error": "Not found"}),
    ("/%0D%0A", {"error": "Not found"}),
    # An encoded slash stays inside its segment: an id, not two path segments.
    ("/v2/projects/x%2Fresources", {"error": "Resource does not exist", "model": "Project"}),
    ("/v2/bookings/groups%2Fx", {"error": "Resource does not exist", "model": "Booking"}),
])
def test_odd_paths_get_the_json_404(emulator, api, path, expected):
    response = httpx.get(emulator.root_url + path, auth=("", emulator.token))
    assert (response.status_code, response.json()) == (404, expected)
    assert response.headers["content-type"] == "application/json"


def test_trailing_slash_empty_body_and_get_body_are_tolerated(api):
    created = api.post("/calendars/", content=b"", headers={"Content-Type": "application/json"})
    # An empty body reads as {}: the calendar create then fails validation, not parsing.
    assert created.status_code == 422
    assert set(created.json()["errors"]) == {"resource_id", "name", "description"}
    listed = api.request("GET", "/resources/", content=b'{"ignored": true}',
                         headers={"Content-Type": "application/json"})
    assert listed.status_code == 200 and listed.json()["data"] == []


def test_a_body_of_exactly_64000_characters_is_accepted(api):
    padding = "x" * (64_000 - len(json.dumps({"name": "", "timezone": "UTC"})))
    body = json.dumps({"name": padding, "timezone": "UTC"})
    assert len(body) == 64_000
    assert api.post("/resources", content=body).status_code == 201


def test_non_object_json_body_is_a_422(api):
    response = api.post("/resources", json=["not", "an", "object"])
    assert response.status_code == 422
    assert response.json()["errors"]["name"] == ["The name field is required."]


def test_app_endpoint_shape(api, emulator):
    data = api.get("/app").json()["data"]
    assert set(data) == {"id", "slug", "settings", "test_mode", "created_at", "updated_at"}
    assert data["test_mode"] is False and data["settings"] == {"name": "Emulated app"}
    assert emulator.token not in json.dumps(data)


def test_each_token_is_its_own_app():
    from tkctl.emulator.testing import running_emulator

    with running_emulator(tokens=["live_api_key_a", "test_api_key_b"]) as emu:
        a = httpx.Client(base_url=emu.base_url, auth=("", "live_api_key_a"))
        b = httpx.Client(base_url=emu.base_url, auth=("", "test_api_key_b"))
        made = a.post("/resources", json={"name": "A", "timezone": "UTC"}).json()["data"]
        assert b.get("/resources").json()["total"] == 0
        assert b.get(f"/resources/{made['id']}").status_code == 404
        on_b = b.get("/app")
        assert on_b.headers["timekit-testmode"] == "true" and on_b.json()["data"]["test_mode"] is True
        assert a.get("/app").json()["data"]["id"] != on_b.json()["data"]["id"]


def test_idle_connections_outlive_every_client_pool():
    """A client reuses a pooled connection for up to httpx's keep-alive expiry. If the server closed
    idle connections at the same moment, a reused connection could be closed under a request
    ("Server disconnected without sending a response"), which no client may retry for a POST."""
    from tkctl.emulator.server import KEEP_ALIVE_SECONDS, ServerThread, build_runtime
    from tkctl.emulator.settings import Settings

    server = ServerThread(build_runtime(None, None, Settings()))
    try:
        assert server._server.config.timeout_keep_alive == KEEP_ALIVE_SECONDS
    finally:
        server._socket.close()
    assert KEEP_ALIVE_SECONDS >= 2 * httpx.Limits().keepalive_expiry
