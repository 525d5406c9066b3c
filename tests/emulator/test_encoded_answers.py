"""The emulator's fast answers say exactly what the plain ones said.

Answers are written with orjson (tkctl/emulator/encoding.py), and a resource embedded in
projects (`include=resources`) is serialised once and kept until it changes
(models/resources.py `encoded`). The oracle is the single-object GET, which renders afresh:
every listed object must equal it, keys in the same order, after every kind of write that
changes what a list shows.
"""

from __future__ import annotations

import json
import math

import pytest

from tkctl.emulator.encoding import Encoded, dumps
from tkctl.emulator.models import resources as resource_model
from tkctl.emulator.store import AppData

FULL = "calendars,availability_constraints"


def _ordered(value: object) -> str:
    """Equal values with keys in the same order give the same text."""
    return json.dumps(value)


def _all_pages(api, path: str, **params) -> list[dict]:
    """Every item of a list, read page by page with limit=2 (so pagination is crossed too)."""
    items, page = [], 1
    while True:
        answer = api.get(path, params={**params, "limit": "2", "page": str(page)})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["data"]
        if body["next_page_url"] is None:
            assert body["total"] == len(items)
            return items
        page += 1


def _assert_lists_match_objects(api) -> None:
    """Each list answer equals what the single-object GETs say, in order, keys in order."""
    resources = _all_pages(api, "/resources", include=FULL)
    for listed in resources:
        alone = api.get(f"/resources/{listed['id']}", params={"include": FULL}).json()["data"]
        assert _ordered(listed) == _ordered(alone)
    plain = {r["id"]: api.get(f"/resources/{r['id']}").json()["data"] for r in resources}
    for listed in _all_pages(api, "/projects", include="resources"):
        alone = api.get(f"/projects/{listed['id']}").json()["data"]
        members = listed.pop("resources")
        assert _ordered(listed) == _ordered(alone)
        assert _ordered(members) == _ordered([plain[m["id"]] for m in members])
        got = api.get(f"/projects/{listed['id']}", params={"include": "resources"}).json()["data"]
        assert _ordered(got["resources"]) == _ordered(members)
        member_list = _all_pages(api, f"/projects/{listed['id']}/resources")
        assert _ordered(member_list) == _ordered(members)


def _members(api, project_id: str) -> list[dict]:
    return api.get(f"/projects/{project_id}", params={"include": "resources"}).json()["data"]["resources"]


def test_lists_follow_every_write(api, make_resource, make_project):
    a = make_resource(name="Ann", meta={"site": "north"}, tags=["gp"])
    b = make_resource(name="Bo", email="bo@clinic.example")
    c = make_resource(name="Cy")
    p = make_project(name="Consult", resources=[a["id"], b["id"]])
    q = make_project(name="Checkup", resources=[b["id"], c["id"], a["id"]])
    _assert_lists_match_objects(api)  # fills the serialised forms

    # A resource changes: every project embedding it shows the change.
    assert api.put(f"/resources/{a['id']}", json={"name": "Ann Lee", "meta": {"site": "south"},
                                                  "tags": None}).status_code == 204
    assert [m["name"] for m in _members(api, q["id"])] == ["Bo", "Cy", "Ann Lee"]
    assert _members(api, p["id"])[0]["meta"] == {"site": "south"}
    _assert_lists_match_objects(api)

    # Constraints change (shown on resource pages with include=availability_constraints).
    rules = [{"allow_day_and_time": {"day": "monday", "start": 9, "end": 17}}]
    assert api.put(f"/resources/{b['id']}", json={"availability_constraints": rules}).status_code == 204
    listed = {r["id"]: r for r in _all_pages(api, "/resources", include=FULL)}
    assert listed[b["id"]]["availability_constraints"] == rules
    _assert_lists_match_objects(api)

    # Calendars: created, made primary, renamed, deleted.
    made = api.post("/calendars", json={"resource_id": c["id"], "name": "Extra", "description": "x",
                                        "primary": True})
    assert made.status_code == 201, made.text
    calendar_id = made.json()["data"]["id"]
    listed = {r["id"]: r for r in _all_pages(api, "/resources", include=FULL)}
    assert [cal["name"] for cal in listed[c["id"]]["calendars"]] == ["Bookings", "Extra"]
    _assert_lists_match_objects(api)
    assert api.put(f"/calendars/{calendar_id}", json={"name": "Renamed", "primary": False}).status_code == 204
    _assert_lists_match_objects(api)
    assert api.delete(f"/calendars/{calendar_id}").status_code == 204
    listed = {r["id"]: r for r in _all_pages(api, "/resources", include=FULL)}
    assert [cal["name"] for cal in listed[c["id"]]["calendars"]] == ["Bookings"]
    _assert_lists_match_objects(api)

    # Membership: add, remove, replace; then the project itself changes.
    assert api.post(f"/projects/{p['id']}/resources", json={"resource_id": c["id"]}).status_code == 204
    assert [m["id"] for m in _members(api, p["id"])] == [a["id"], b["id"], c["id"]]
    assert api.delete(f"/projects/{p['id']}/resources/{b['id']}").status_code == 204
    assert [m["id"] for m in _members(api, p["id"])] == [a["id"], c["id"]]
    assert api.put(f"/projects/{q['id']}/resources", json=[c["id"]]).status_code == 204
    assert [m["id"] for m in _members(api, q["id"])] == [c["id"]]
    assert api.put(f"/projects/{q['id']}", json={"name": "Check-up", "resources": [b["id"], c["id"]],
                                                 "meta": {"room": 4}}).status_code == 204
    _assert_lists_match_objects(api)

    # A resource is deleted: it leaves every project; then a project is deleted.
    assert api.delete(f"/resources/{c['id']}").status_code == 204
    assert [m["id"] for m in _members(api, p["id"])] == [a["id"]]
    assert [m["id"] for m in _members(api, q["id"])] == [b["id"]]
    _assert_lists_match_objects(api)
    assert api.delete(f"/projects/{p['id']}").status_code == 204
    assert [x["id"] for x in _all_pages(api, "/projects", include="resources")] == [q["id"]]
    _assert_lists_match_objects(api)

    # A new resource re-using nothing of the old: still listed right.
    d = make_resource(name="Di")
    assert api.post(f"/projects/{q['id']}/resources", json={"resource_id": d["id"]}).status_code == 204
    assert [m["name"] for m in _members(api, q["id"])] == ["Bo", "Di"]
    _assert_lists_match_objects(api)


def test_values_orjson_refuses_are_answered_too(api, make_project):
    """Integers beyond 64 bits and lone surrogates take the stdlib path, inside an embedded
    resource and in the page around it; non-ASCII text comes back as sent."""
    meta = {"big": 2 ** 70, "odd": "\ud800", "name": "Zoë 東京 \u2028 \"q\" \\ \x01"}
    body = {"name": "Zoë", "timezone": "UTC", "meta": meta}
    made = api.post("/resources", content=json.dumps(body), headers={"content-type": "application/json"})
    assert made.status_code == 201, made.text
    r = made.json()["data"]
    assert r["meta"] == meta
    make_project(name="Ünïcode", resources=[r["id"]], meta={"big": -(2 ** 80)})
    page = api.get("/projects", params={"include": "resources"})
    assert page.status_code == 200
    project = page.json()["data"][0]
    assert project["meta"] == {"big": -(2 ** 80)} and project["name"] == "Ünïcode"
    assert project["resources"][0]["meta"] == meta
    _assert_lists_match_objects(api)


def test_nan_is_never_written(api, make_resource):
    """JSON has no NaN or Infinity; a body that sends them (Python's json reads them) gets null."""
    rid = make_resource()["id"]
    sent = api.put(f"/resources/{rid}", content='{"meta": {"x": NaN, "y": -Infinity, "z": 1.5}}',
                   headers={"content-type": "application/json"})
    assert sent.status_code == 204

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in an answer")

    answer = api.get(f"/resources/{rid}")
    assert json.loads(answer.text, parse_constant=refuse)["data"]["meta"] == {"x": None, "y": None, "z": 1.5}


@pytest.mark.parametrize("value", [
    {"a": 1, "b": [True, False, None], "c": {"d": "e"}},
    {"float": [0.1, 1e16, 1e-7, -0.0, 1.5e300, 2.5], "int": [0, -1, 2 ** 63 - 1, -(2 ** 63)]},
    {"text": ["Zoë", "東京", "\u2028\u2029", "\"\\/", "\x00\x1f\x7f", "😀", ""]},
    {"big": 2 ** 64, "nested": [{"big": -(2 ** 100)}]},
    {"surrogate": "a\udc80b"},
    {1: "int key", "s": "str key"},
])
def test_dumps_equals_the_stdlib_in_value_and_key_order(value):
    raw = dumps(value)
    assert _ordered(json.loads(raw)) == _ordered(json.loads(json.dumps(value, separators=(",", ":"))))


def test_dumps_writes_the_same_compact_text_as_before_for_strings_and_integers():
    value = {"id": "a-1", "tags": ["gp", "Zoë", "東京"], "n": [0, -7, 2 ** 60], "x": None, "ok": True,
             "esc": "\"\\/\n\t\x00\x1f\x7f\u2028", "nested": {"k": [{}, []]}}
    assert dumps(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def test_dumps_embeds_encoded_values_on_both_paths():
    inner = Encoded({"id": "x", "n": 1})
    assert json.loads(dumps({"data": [inner, inner]})) == {"data": [{"id": "x", "n": 1}] * 2}
    # An outer value only the stdlib path writes: the embedded value is decoded, not lost.
    assert json.loads(dumps({"big": 2 ** 70, "data": [inner]})) == {"big": 2 ** 70, "data": [{"id": "x", "n": 1}]}
    assert json.loads(dumps([math.nan, Encoded(math.inf)])) == [None, None]


def test_encoded_resource_is_made_again_when_replaced():
    """The cache keys on the very object: a replacement (every write path puts a new dict)
    and a removal both drop it, and a stale entry is never served for another object."""
    app = AppData("live_api_key_" + "a" * 32, iter(range(1, 100)))
    resource = {"id": "r1", "first_name": "A", "last_name": "", "name": "A", "email": None,
                "timezone": "UTC", "image": None, "tags": None, "meta": None, "api_token": "t",
                "created_at": "x", "updated_at": "x", "availability_constraints": None}
    app.put("resources", resource)
    first = resource_model.encoded(app, [resource])[0]
    assert resource_model.encoded(app, [resource])[0] is first
    renamed = dict(resource, name="B")
    app.put("resources", renamed)
    assert "r1" not in app.encoded_resources
    assert json.loads(resource_model.encoded(app, [renamed])[0].raw)["name"] == "B"
    # An object the entry was not made from is never given that entry.
    other = dict(renamed, name="C")
    assert json.loads(resource_model.encoded(app, [other])[0].raw)["name"] == "C"
    app.remove("resources", "r1")
    assert app.encoded_resources == {}
