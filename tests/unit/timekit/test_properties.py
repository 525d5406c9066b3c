"""Whatever a server answers, the client returns checked data or raises ApiError: nothing else.

Generated answers: any JSON value, bytes that are not JSON, truncated JSON, and pages close
to the real envelope with one part wrong, under any status. Bounded and derandomized, so the
run is the same on every machine.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl.core.live import LiveState
from tkctl.errors import ApiError
from tkctl.timekit.client import TimekitClient
from tkctl.timekit.reader import read_live

TOKEN = "live_api_key_unit0000000000000000000000"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**7) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
# Values a field could take in a garbled answer, biased towards plausible ones.
field_values = st.one_of(st.just(1), st.just("1"), st.just("1000"), st.just(1000000), st.just("abc"),
                         st.just(None), st.just(-1), st.just(1.5), st.just(True), json_values)
# Mostly well-formed, so that generated answers get past the envelope to the nested parts.
ids = st.one_of(st.uuids().map(str), st.uuids().map(str), json_values)
members = st.lists(st.one_of(st.builds(lambda i: {"id": i}, ids), ids, json_values), max_size=3)
nested = {
    "calendars": st.one_of(members, json_values), "resources": st.one_of(members, json_values),
    "meta": json_values, "api_token": st.text(max_size=12), "name": json_values, "state": json_values,
    "attributes": st.one_of(st.fixed_dictionaries({}, optional={"event_info": st.fixed_dictionaries(
        {}, optional={"start": json_values})}), json_values),
}
items = st.one_of(st.fixed_dictionaries({"id": ids}, optional=nested), st.fixed_dictionaries({}, optional=nested))


@st.composite
def pages(draw) -> dict:
    """A page whose figures fit its data, then zero to two of them garbled."""
    data = draw(st.one_of(st.lists(st.one_of(items, items, json_values), max_size=4), json_values))
    figures = {"total": len(data) if isinstance(data, list) else 0, "per_page": "1000",
               "current_page": 1, "last_page": 1}
    garbled = draw(st.dictionaries(st.sampled_from(sorted(figures)), field_values, max_size=2))
    return {"data": data, **figures, **garbled}


pages = pages()


def encode(value: Any) -> bytes:
    return json.dumps(value).encode()


bodies = st.one_of(
    st.sampled_from([b"", b" ", b"null", b"[]", b"{}"]),
    pages.map(encode),
    json_values.map(encode),
    st.binary(max_size=40),
    st.tuples(pages.map(encode), st.integers(0, 60)).map(lambda t: t[0][: t[1]]),  # truncated
)
statuses = st.one_of(st.sampled_from([200, 200, 200, 201, 204, 404, 422, 429, 503]), st.integers(200, 599))
answers = st.tuples(statuses, bodies, st.sampled_from(["application/json", "text/html", ""]))


class Scripted:
    """A client whose server answers from a list, cycling, whatever the request."""

    def __init__(self):
        self.answers: list[tuple[int, bytes, str]] = []
        self.calls = 0
        self.client = TimekitClient("http://tk.test/v2", TOKEN, transport=httpx.MockTransport(self.handle),
                                    rate_per_second=0, max_attempts=2, sleep=lambda s: None)

    def handle(self, request: httpx.Request) -> httpx.Response:
        status, body, content_type = self.answers[self.calls % len(self.answers)]
        self.calls += 1
        headers = {"Content-Type": content_type} if content_type else {}
        return httpx.Response(status, content=body, headers=headers)

    def script(self, answers):
        self.answers, self.calls = list(answers), 0
        return self.client


SERVER = Scripted()


@settings(derandomize=True, max_examples=100, deadline=None)
@given(answer=answers, method=st.sampled_from(["GET", "PUT", "DELETE"]))
def test_request_returns_or_raises_api_error(answer, method):
    try:
        body = SERVER.script([answer]).request(method, "/resources/r1", json={} if method != "GET" else None)
    except ApiError:
        return
    assert body is None and method != "GET" or isinstance(body, dict) and isinstance(body["data"], (dict, list))


@settings(derandomize=True, max_examples=100, deadline=None)
@given(answer=answers)
def test_create_returns_the_object_with_its_id_or_raises_api_error(answer):
    try:
        body = SERVER.script([answer]).post("/resources", {"name": "Room"})
    except ApiError:
        return
    assert isinstance(body["data"]["id"], str)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(script=st.lists(answers, min_size=1, max_size=3))
def test_list_all_returns_objects_with_string_ids_or_raises_api_error(script):
    try:
        listed = SERVER.script(script).list_all("/resources")
    except ApiError:
        return
    assert all(isinstance(item, dict) and isinstance(item["id"], str) and item["id"] for item in listed)


# For the reader: envelopes and ids right (mostly), the nested parts anything.
def listing(item_fields: dict) -> st.SearchStrategy[dict]:
    item = st.fixed_dictionaries({"id": st.uuids().map(str)}, optional=item_fields)
    well_formed = st.lists(item, min_size=1, max_size=3).map(
        lambda data: {"data": data, "total": len(data), "per_page": "1000", "current_page": 1, "last_page": 1})
    return st.one_of(well_formed, well_formed, well_formed, pages)


EMPTY = {"data": [], "total": 0, "per_page": "1000", "current_page": 1, "last_page": 1}
resource_listings = listing({"calendars": st.one_of(members, json_values), "meta": json_values,
                             "api_token": st.text(max_size=12), "name": json_values})
project_listings = listing({"resources": st.one_of(members, json_values), "meta": json_values, "name": json_values})


def read(resources: dict, projects: dict) -> LiveState | None:
    """read_live against these two answers; None when it raised ApiError."""
    client = SERVER.script([])

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=encode(projects if request.url.path.endswith("/projects") else resources))

    client._http._transport = httpx.MockTransport(handle)
    try:
        return read_live(client)
    except ApiError:
        return None
    finally:
        client._http._transport = httpx.MockTransport(SERVER.handle)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(resources=resource_listings)
def test_reading_resources_returns_live_state_or_raises_api_error(resources):
    live = read(resources, EMPTY)
    if live is not None:
        calendars = [c for r in resources["data"] for c in r.get("calendars") or []]
        assert len(list(live.of_kind("calendar"))) == len({c["id"] for c in calendars})
        assert all(isinstance(c.id, str) and c.fields["resource_id"] for c in live.of_kind("calendar"))


@settings(derandomize=True, max_examples=100, deadline=None)
@given(projects=project_listings)
def test_reading_projects_returns_live_state_or_raises_api_error(projects):
    live = read(EMPTY, projects)
    if live is not None:
        for project, raw in zip(live.of_kind("project"), projects["data"], strict=True):
            # What the diff reads: members are ids, never characters of a string or stray numbers.
            assert len(project.fields["resource_ids"]) == len(raw.get("resources") or [])
            assert all(isinstance(m, str) and m for m in project.fields["resource_ids"])
