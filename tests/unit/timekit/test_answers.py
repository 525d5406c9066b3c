"""Answers that do not fit the documented envelope are ApiErrors naming the request, never data.

Each row is an answer seen from broken proxies or servers; the expected text is the whole
message the user reads.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tkctl.core.live import LiveState
from tkctl.errors import ApiError
from tkctl.timekit.client import TimekitClient
from tkctl.timekit.envelope import check_booking, check_project, check_resource
from tkctl.timekit.reader import read_live

TOKEN = "live_api_key_unit0000000000000000000000"
RID = {"Timekit-Request-Id": "rid-7"}


def page(data, **figures):
    """A well-formed first page of `data`, with figures overridden by `figures`."""
    return {"data": data, "total": len(data), "per_page": "1000", "current_page": 1, "last_page": 1,
            "next_page_url": None, "prev_page_url": None, "from": 1 if data else None,
            "to": len(data) or None, **figures}


def resource(id_="r1", **fields):
    return {"id": id_, "name": "Room", "timezone": "UTC", "calendars": [{"id": "c1", "name": "Bookings"}],
            **fields}


def answer(body, status=200, content_type="application/json"):
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda request: httpx.Response(status, content=content, headers={"Content-Type": content_type, **RID})


def client(handler) -> TimekitClient:
    return TimekitClient("http://tk.test/v2", TOKEN, transport=httpx.MockTransport(handler),
                         rate_per_second=0, sleep=lambda s: None)


GOOD_PAGE = json.dumps(page([resource()])).encode()

LISTINGS = [
    ("bare list", answer([resource()]), 'the body is a list, expected an object with "data"'),
    ("truncated JSON", answer(GOOD_PAGE[:40]),
     "the body is not valid JSON: Unterminated string starting at: line 1 column 40 (char 39)"),
    ("HTML page", answer(b"<!DOCTYPE html><html><body>Gateway</body></html>", content_type="text/html; charset=utf-8"),
     "the body is not JSON (text/html): it starts '<!DOCTYPE html><html><body>Gateway</body'"),
    ("empty body", answer(b""), "the body is empty, expected JSON"),
    ("data null", answer({"data": None}), "data is null, expected a list"),
    ("data object", answer({"data": resource()}), "data is an object, expected a list"),
    ("error body with 200", answer({"error": "Service unavailable"}), 'the body has no "data"; it says: Service unavailable'),
    ("item not an object", answer(page(["r1"])), "data[0] is a string, expected an object"),
    ("missing id", answer(page([{"name": "Room"}])), 'data[0] has no "id"'),
    ("integer id", answer(page([resource(id_=12345)])), "data[0].id is a number, expected a string id"),
    ("empty id", answer(page([resource(id_="")])), "data[0].id is empty, expected a string id"),
    ("last_page a word", answer(page([resource()], last_page="abc")),
     'last_page is a string ("abc"), expected a whole number'),
    ("per_page a word", answer(page([resource()], per_page="lots")),
     'per_page is a string ("lots"), expected a whole number'),
    ("total missing", answer({k: v for k, v in page([resource()]).items() if k != "total"}), "total is missing"),
    ("total negative", answer(page([resource()], total=-1)), "total is -1, expected 0 or more"),
    ("per_page zero", answer(page([resource()], per_page=0)), "per_page is 0, expected 1 or more"),
    ("wrong page", answer(page([resource()], current_page=3)), "current_page is 3, but page 1 was asked for"),
    ("more items than a page", answer(page([resource("a"), resource("b")], per_page="1", total=2, last_page=2)),
     "data holds 2 items, more than per_page 1"),
    ("last_page far past total", answer(page([resource()], last_page=1000000)),
     "last_page is 1000000, but total 1 at 1000 per page makes 1 page; refusing to follow it"),
    ("per_page above the limit", answer(page([resource()], per_page=5000)),
     "per_page is 5000, more than the 1000 asked for; refusing to follow it"),
]


@pytest.mark.parametrize("name, handler, problem", LISTINGS, ids=[row[0] for row in LISTINGS])
def test_malformed_listing_is_an_api_error_naming_the_request(name, handler, problem):
    with pytest.raises(ApiError) as info:
        client(handler).list_all("/resources")
    assert str(info.value) == f"Timekit API error 200 on GET /resources: malformed answer: {problem} (request id rid-7)"


NESTED = [
    (check_resource, resource(calendars={"id": "c1"}), "data[0].calendars is an object, expected a list"),
    (check_resource, resource(calendars=["c1"]), "data[0].calendars[0] is a string, expected an object"),
    (check_resource, resource(calendars=[{"name": "x"}]), 'data[0].calendars[0] has no "id"'),
    (check_resource, resource(calendars=[{"id": 7}]), "data[0].calendars[0].id is a number, expected a string id"),
    (check_resource, resource(meta="tkctl"), "data[0].meta is a string, expected an object"),
    (check_project, {"id": "p1", "resources": "r1"}, "data[0].resources is a string, expected a list"),
    (check_project, {"id": "p1", "resources": [7]}, "data[0].resources[0] is a number, expected an object or an id"),
    (check_project, {"id": "p1", "resources": [{"name": "x"}]}, 'data[0].resources[0] has no "id"'),
    (check_booking, {"id": "b1", "attributes": "x"}, "data[0].attributes is a string, expected an object"),
    (check_booking, {"id": "b1", "attributes": {"event_info": []}},
     "data[0].attributes.event_info is a list, expected an object"),
    (check_booking, {"id": "b1", "attributes": {"event_info": {"start": 5}}},
     "data[0].attributes.event_info.start is a number, expected a string"),
    (check_booking, {"id": "b1", "state": ["confirmed"]}, "data[0].state is a list, expected a string"),
]


@pytest.mark.parametrize("check, item, problem", NESTED)
def test_nested_shapes_the_reader_relies_on_are_checked(check, item, problem):
    with pytest.raises(ApiError) as info:
        client(answer(page([item]))).list_all("/things", item_check=check)
    assert str(info.value) == f"Timekit API error 200 on GET /things: malformed answer: {problem} (request id rid-7)"


@pytest.mark.parametrize("item", [
    resource(calendars=None), {"id": "r2"}, resource(meta=None),
])
def test_absent_or_null_nested_lists_are_fine(item):
    assert client(answer(page([item]))).list_all("/resources", item_check=check_resource) == [item]


def test_a_bad_later_page_names_its_page():
    def handler(request):
        number = int(request.url.params["page"])
        data = [resource(f"r{number}-{i}") for i in range(1000 if number == 1 else 1)]
        if number == 2:
            data[0]["id"] = None
        return httpx.Response(200, json=page(data, total=1001, current_page=number, last_page=2), headers=RID)

    with pytest.raises(ApiError) as info:
        client(handler).list_all("/resources")
    assert str(info.value).endswith("malformed answer: page 2: data[0].id is null, expected a string id (request id rid-7)")


def test_last_page_that_contradicts_total_costs_one_request():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(200, json=page([resource()], last_page=1000000))

    with pytest.raises(ApiError):
        client(handler).list_all("/resources")
    assert len(calls) == 1


def test_the_page_count_comes_from_total_and_per_page():
    calls = []

    def handler(request):
        number = int(request.url.params["page"])
        calls.append(number)
        data = [resource(f"r{number}-{i}") for i in range(2 if number < 3 else 1)]
        return httpx.Response(200, json=page(data, total=5, per_page="2", current_page=number, last_page=3))

    items = client(handler).list_all("/resources")
    assert sorted(calls) == [1, 2, 3] and len(items) == 5


def test_reader_checks_both_listings_and_builds_live_state():
    def handler(request):
        if request.url.path.endswith("/projects"):
            return httpx.Response(200, json=page([{"id": "p1", "resources": [{"id": "r1"}, "r2"]}]))
        return httpx.Response(200, json=page([resource(api_token="tok-secret-1")]))

    live = read_live(client(handler))
    assert isinstance(live, LiveState) and live.count() == 3
    assert live.get("project", "p1").fields["resource_ids"] == ["r1", "r2"]
    assert "api_token" not in live.get("resource", "r1").fields


def test_reader_refuses_calendars_that_are_not_a_list():
    def handler(request):
        if request.url.path.endswith("/projects"):
            return httpx.Response(200, json=page([]))
        return httpx.Response(200, json=page([resource(calendars="Bookings")]), headers=RID)

    with pytest.raises(ApiError) as info:
        read_live(client(handler))
    assert str(info.value) == ("Timekit API error 200 on GET /resources: malformed answer: "
                               "data[0].calendars is a string, expected a list (request id rid-7)")


CREATES = [
    ({"data": "created"}, "data is a string, expected the created object"),
    ({"data": {"name": "Room"}}, 'data has no "id"'),
    ({"data": {"id": 42}}, "data.id is a number, expected a string id"),
    ([{"id": "r1"}], 'the body is a list, expected an object with "data"'),
    (b"", "the body is empty, expected JSON"),
]


@pytest.mark.parametrize("body, problem", CREATES)
def test_a_create_answer_must_carry_the_object_with_its_id(body, problem):
    with pytest.raises(ApiError) as info:
        client(answer(body, status=201)).post("/resources", {"name": "Room"})
    assert str(info.value) == f"Timekit API error 201 on POST /resources: malformed answer: {problem} (request id rid-7)"


def test_a_good_create_answer_is_returned():
    assert client(answer({"data": {"id": "r1"}}, status=201)).post("/resources", {}) == {"data": {"id": "r1"}}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_writes_may_answer_without_a_body_but_not_with_garbage(method):
    assert client(lambda r: httpx.Response(204)).request(method, "/resources/r1", json={}) is None
    assert client(lambda r: httpx.Response(200)).request(method, "/resources/r1", json={}) is None
    with pytest.raises(ApiError, match=r"200 on (PUT|DELETE) /resources/r1: malformed answer: the body is not JSON"):
        client(answer(b"<html>", content_type="text/html")).request(method, "/resources/r1", json={})


def test_a_get_answer_needs_data():
    assert client(answer({"data": {"id": "app"}})).get("/app") == {"data": {"id": "app"}}
    with pytest.raises(ApiError, match=r"malformed answer: data is a number, expected an object or a list"):
        client(answer({"data": 3})).get("/app")


def test_undecodable_compressed_body_is_an_api_error():
    def handler(request):
        return httpx.Response(200, content=b"not gzip at all", headers={"Content-Encoding": "gzip", **RID})

    with pytest.raises(ApiError) as info:
        client(handler).get("/app")
    # The mock transport decodes before the status is handed over; over a socket the status is known.
    assert " on GET /app: malformed answer: the body cannot be decoded (Error -3 " in str(info.value)


def test_error_answers_that_are_not_json_still_name_the_status():
    with pytest.raises(ApiError) as info:
        client(answer(b"<html>Bad gateway</html>", status=404, content_type="text/html")).get("/resources/x")
    assert str(info.value) == "Timekit API error 404 on GET /resources/x: Not Found (request id rid-7)"
