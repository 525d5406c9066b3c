"""The one place that masks secrets: which names are secret, what text gets masked, and the
client's use of it (API messages, URL credentials)."""

from __future__ import annotations

import httpx
import pytest

from tkctl import secrets
from tkctl.errors import ApiError
from tkctl.secrets import display_url, is_secret_field, redact, register, register_found, url_credentials
from tkctl.timekit.client import TimekitClient

TOKEN = "live_api_key_unit0000000000000000000000"


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch):
    monkeypatch.setattr(secrets, "_secrets", set())


@pytest.mark.parametrize("name, secret", [
    ("api_token", True), ("token", True), ("password", True), ("access_token", True), ("apiToken", True),
    ("client_secret", True), ("api_key", True), ("apiKey", True), ("x-api-key", True), ("private_key", True),
    ("password_confirmation", True), ("passphrase", True), ("credentials", True), ("app_key", True),
    ("tkctl_key", False), ("token_env", False), ("next_page_url", False), ("name", False), ("tokens_used", False),
    ("secretary", False), ("key", False), ("passenger", False),
])
def test_secret_looking_field_names(name, secret):
    assert is_secret_field(name) is secret


@pytest.mark.parametrize("text, shown", [
    ('{"api_token": "Meabn5DqfvyHgMZ", "name": "Room"}', '{"api_token": "***", "name": "Room"}'),
    ("{'password': 'hunter2', 'email': 'a@b.c'}", "{'password': '***', 'email': 'a@b.c'}"),
    ('client_secret="abc def"', 'client_secret="***"'),
    ("GET /x?api_key=abc123&page=2", "GET /x?api_key=***&page=2"),
    ("export TIMEKIT_APP_TOKEN=live_api_key_abc", "export TIMEKIT_APP_TOKEN=***"),
    ("https://admin:pa55word@api.example/v2 failed", "https://***@api.example/v2 failed"),
    ("Authorization: Basic OmxpdmVfYXBpX2tleV94eHg=", "Authorization: Basic ***"),
    # Not credentials: field names in messages, markers, the token's variable name.
    ("api_token: The api token has already been taken.", "api_token: The api token has already been taken."),
    ('{"tkctl_key": "room-1"}', '{"tkctl_key": "room-1"}'),
    ("the environment variable TIMEKIT_APP_TOKEN is not set", "the environment variable TIMEKIT_APP_TOKEN is not set"),
    ("token_env=CLINIC_TOKEN", "token_env=CLINIC_TOKEN"),
])
def test_credential_shaped_text_is_masked(text, shown):
    assert redact(text) == shown


def test_registered_values_are_masked_anywhere_longest_first():
    register("s3cr3t-value")
    register("s3cr3t-value-longer")
    register("abc")  # too short to mask without mangling ordinary words
    assert redact("x s3cr3t-value-longer y s3cr3t-value abc") == "x *** y *** abc"


def test_values_under_secret_fields_anywhere_in_a_payload_are_registered():
    register_found({"data": [{"id": "r1", "api_token": "tok-of-room-one", "calendars": [{"token": "cal-token-9"}]},
                             {"id": "r2", "meta": {"client_secret": "meta-secret-7"}, "name": "Room 2"}]})
    assert redact("tok-of-room-one cal-token-9 meta-secret-7 Room 2") == "*** *** *** Room 2"


@pytest.mark.parametrize("url, shown, hidden", [
    ("https://user:pa%40ss@api.timekit.io/v2", "https://api.timekit.io/v2", ("pa%40ss", "pa@ss")),
    ("http://:live_api_key_x@127.0.0.1:8080/v2", "http://127.0.0.1:8080/v2", ("live_api_key_x",)),
    ("https://api.timekit.io/v2", "https://api.timekit.io/v2", ()),
])
def test_urls_are_shown_without_credentials(url, shown, hidden):
    assert display_url(url) == shown
    assert url_credentials(url) == hidden


def test_client_keeps_url_credentials_out_of_base_url_and_messages():
    c = TimekitClient("http://admin:pa55-in-url@127.0.0.1:9/v2", TOKEN, rate_per_second=0, max_attempts=1)
    assert c.base_url == "http://127.0.0.1:9/v2"
    with pytest.raises(ApiError) as info:
        c.get("/resources")
    assert str(info.value).startswith("Timekit API unreachable on GET /resources: cannot connect to http://127.0.0.1:9/v2:")
    assert redact("the password pa55-in-url") == "the password ***"


def test_client_authenticates_with_the_token_not_the_url_credentials():
    seen = {}

    def handler(request):
        seen["url"], seen["auth"] = str(request.url), request.headers["Authorization"]
        return httpx.Response(200, json={"data": {}})

    TimekitClient("http://admin:pa55-in-url@tk.test/v2", TOKEN, transport=httpx.MockTransport(handler)).get("/app")
    assert seen["url"] == "http://tk.test/v2/app"
    assert seen["auth"] == httpx.BasicAuth("", TOKEN)._auth_header


def test_an_api_error_echoing_a_resource_token_read_earlier_is_masked():
    room_token = "Meabn5DqfvyHgMZehEXMLCji4pG22tcQ"

    def handler(request):
        if request.method == "GET":
            return httpx.Response(200, json={"data": [{"id": "r1", "api_token": room_token}], "total": 1,
                                             "per_page": "1000", "current_page": 1, "last_page": 1})
        return httpx.Response(422, json={"errors": {"api_token": [f"The api token {room_token} is in use."]}},
                              headers={"Timekit-Request-Id": "rid-3"})

    c = TimekitClient("http://tk.test/v2", TOKEN, transport=httpx.MockTransport(handler), rate_per_second=0)
    c.list_all("/resources")
    with pytest.raises(ApiError) as info:
        c.put("/resources/r1", {"name": "Room"})
    assert str(info.value) == ("Timekit API error 422 on PUT /resources/r1: api_token: The api token *** is in use. "
                               "(request id rid-3)")


def test_an_api_error_carrying_secret_fields_is_masked_even_if_never_seen_before():
    def handler(request):
        return httpx.Response(500, json={"error": 'Internal error: {"password": "first-seen-pw", "id": 1}',
                                         "token": "token-in-the-error-body"})

    c = TimekitClient("http://tk.test/v2", TOKEN, transport=httpx.MockTransport(handler), rate_per_second=0,
                      max_attempts=1)
    with pytest.raises(ApiError) as info:
        c.get("/resources")
    assert str(info.value) == 'Timekit API error 500 on GET /resources: Internal error: {"password": "***", "id": 1}'
    assert redact("token-in-the-error-body") == "***"
