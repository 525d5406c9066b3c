"""The client's retry policy, error messages and pagination, on an in-process transport.

End-to-end behaviour against the real emulator is covered in tests/e2e; these pin down the
edge cases that are hard to provoke there (exact retry counts, ambiguous POST failures).
"""

import httpx
import pytest

from tkctl.errors import ApiError, AuthError
from tkctl.timekit.client import TimekitClient

TOKEN = "live_api_key_unit0000000000000000000000"


def client_with(handler, **kw):
    sleeps = []
    c = TimekitClient("http://tk.test/v2", TOKEN, transport=httpx.MockTransport(handler),
                      rate_per_second=0, sleep=sleeps.append, **kw)
    return c, sleeps


def test_sends_app_token_as_basic_auth_with_empty_username():
    seen = {}

    def handler(request):
        seen["auth"] = request.headers["Authorization"]
        return httpx.Response(200, json={"data": {}})

    c, _ = client_with(handler)
    c.get("/app")
    import base64

    assert seen["auth"] == "Basic " + base64.b64encode(f":{TOKEN}".encode()).decode()


def test_503_is_retried_after_retry_after_then_succeeds():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) < 3:
            return httpx.Response(503, json={"error": "Too many requests"}, headers={"Retry-After": "2"})
        return httpx.Response(201, json={"data": {"id": "x"}})

    c, sleeps = client_with(handler)
    assert c.post("/resources", {"name": "a"}) == {"data": {"id": "x"}}
    assert len(calls) == 3 and sleeps == [2.0, 2.0]


def test_rate_limit_gives_up_after_max_attempts_with_the_api_message():
    def handler(request):
        return httpx.Response(429, json={"error": "Daily request limit reached"},
                              headers={"Retry-After": "1", "Timekit-Request-Id": "rid-1"})

    c, sleeps = client_with(handler, max_attempts=3)
    with pytest.raises(ApiError) as info:
        c.get("/resources")
    assert len(sleeps) == 2
    assert str(info.value) == ("Timekit API error 429 on GET /resources: Daily request limit reached "
                               "(still rate limited after 3 attempts) (request id rid-1)")


def test_422_field_errors_are_quoted():
    def handler(request):
        return httpx.Response(422, json={"errors": {"timezone": ["The timezone must be a valid zone."],
                                                    "name": ["The name field is required."]}},
                              headers={"Timekit-Request-Id": "rid-2"})

    c, _ = client_with(handler)
    with pytest.raises(ApiError) as info:
        c.post("/resources", {})
    assert str(info.value) == ("Timekit API error 422 on POST /resources: timezone: The timezone must be a "
                               "valid zone.; name: The name field is required. (request id rid-2)")


def test_401_is_an_auth_error_that_never_shows_the_token():
    def handler(request):
        return httpx.Response(401, json={"error": "Invalid credentials supplied"})

    c, _ = client_with(handler)
    with pytest.raises(AuthError) as info:
        c.get("/resources")
    assert "Invalid credentials supplied" in str(info.value) and TOKEN not in str(info.value)


def test_post_is_not_retried_when_it_may_have_reached_the_server():
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    c, _ = client_with(handler)
    with pytest.raises(ApiError):
        c.post("/projects", {"name": "p"})
    assert len(calls) == 1


def test_get_is_retried_after_a_read_timeout():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json={"data": []})

    c, _ = client_with(handler)
    assert c.get("/resources") == {"data": []} and len(calls) == 2


def test_list_all_reads_every_page_of_1000_once_and_dedupes():
    pages = {1: [{"id": str(i)} for i in range(1000)],
             2: [{"id": str(i)} for i in range(999, 1999)],  # one item shifted onto page 2
             3: [{"id": "x"}]}
    seen = []

    def handler(request):
        page = int(request.url.params["page"])
        seen.append((request.url.params["limit"], page, request.url.params.get("include")))
        return httpx.Response(200, json={"data": pages[page], "total": 2001, "per_page": "1000",
                                         "current_page": page, "last_page": 3})

    c, _ = client_with(handler)
    items = c.list_all("/resources", {"include": "calendars"})
    assert sorted(seen) == [("1000", 1, "calendars"), ("1000", 2, "calendars"), ("1000", 3, "calendars")]
    assert len(items) == 2000 and len({i["id"] for i in items}) == 2000


def test_unreachable_api_is_a_clear_error():
    c = TimekitClient("http://127.0.0.1:9/v2", TOKEN, rate_per_second=0, max_attempts=2, sleep=lambda s: None)
    with pytest.raises(ApiError) as info:
        c.get("/resources")
    assert str(info.value).startswith("Timekit API unreachable on GET /resources: cannot connect to http://127.0.0.1:9/v2")


def test_a_retry_after_of_hours_fails_at_once():
    def handler(request):
        return httpx.Response(429, json={"error": "Daily request limit reached"}, headers={"Retry-After": "3600"})

    c, sleeps = client_with(handler)
    with pytest.raises(ApiError) as info:
        c.get("/resources")
    assert sleeps == []
    assert "Daily request limit reached (rate limit exhausted: Timekit asks to wait 3600 s)" in str(info.value)


@pytest.mark.parametrize("method, calls_expected, ok", [("GET", 2, True), ("PUT", 2, True), ("DELETE", 2, True),
                                                        ("POST", 1, False)])
def test_server_errors_are_retried_only_for_idempotent_methods(method, calls_expected, ok):
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(500, json={"error": "Internal server error"})
        return httpx.Response(200, json={"data": {}})

    c, _ = client_with(handler)
    if ok:
        c.request(method, "/resources/x", json={} if method != "GET" else None)
    else:
        with pytest.raises(ApiError, match="500 on POST /resources/x: Internal server error"):
            c.request(method, "/resources/x", json={})
    assert len(calls) == calls_expected


@pytest.mark.parametrize("where", ["backoff", "pacing"])
def test_closing_the_client_ends_a_waiting_thread_and_sends_nothing_more(where):
    """A read abandoned by `planner.EarlyRead` (the config was broken) stops at once: the wait
    it is in (a 503's Retry-After, or the client's own pacing) ends when the client closes."""
    import threading

    from tkctl.errors import ApiError

    sent = []

    def handler(request):
        sent.append(request.url.path)
        return httpx.Response(503, headers={"Retry-After": "60"}, json={"error": "busy"})

    client = TimekitClient("http://tk.test/v2", TOKEN, transport=httpx.MockTransport(handler),
                           rate_per_second=1 / 120 if where == "pacing" else 10, burst=1)
    if where == "pacing":
        client._bucket.acquire()  # the only token: the next request waits two minutes for one
    outcome = []

    def read():
        try:
            client.request("GET", "/resources")
        except ApiError as exc:
            outcome.append(str(exc))

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    while where == "backoff" and not sent:
        thread.join(0.01)
    client.close()
    thread.join(30)
    assert not thread.is_alive()
    assert outcome and "abandoned" in outcome[0]
    assert sent == ([] if where == "pacing" else ["/v2/resources"])
