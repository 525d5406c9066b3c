"""Resources and calendars over HTTP (§8, §9)."""

from __future__ import annotations

import json
import re

import pytest

from tests.fixtures import REALDATA
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _real(name: str):
    return json.loads((REALDATA / name).read_text())


def test_create_matches_the_documented_response_shape(api):
    response = api.post("/resources", json=_real("resource-create-request.json"))
    assert response.status_code == 201
    data = response.json()["data"]
    documented = _real("resource-create-response.json")["data"]
    assert set(documented) <= set(data)
    assert UUID4.match(data["id"]) and STAMP.match(data["created_at"])
    assert (data["first_name"], data["last_name"]) == (data["name"], "")
    assert data["api_token"] and "password" not in data
    [calendar] = data["calendars"]
    expected = _real("calendar-default-object.json")
    assert set(calendar) == set(expected)
    for key in ("name", "description", "provider", "provider_access", "provider_primary",
                "provider_sync", "provider_id", "foregroundcolor", "backgroundcolor"):
        assert calendar[key] == expected[key], key


def test_get_update_delete_and_includes(api):
    body = _real("resource-create-request-with-tags.json")
    rid = api.post("/resources", json=body).json()["data"]["id"]
    plain = api.get(f"/resources/{rid}", params={"include": ""}).json()["data"]
    assert "calendars" not in plain and "availability_constraints" not in plain
    assert plain["tags"] == body["tags"]
    update = _real("resource-update-availability-constraints-request.json")
    assert api.put(f"/resources/{rid}", json=update).status_code == 204
    full = api.get(f"/resources/{rid}", params={"include": "calendars,availability_constraints"}).json()["data"]
    assert full["availability_constraints"] == update["availability_constraints"]
    assert [c["name"] for c in full["calendars"]] == ["Bookings"]
    # Partial update: only sent keys change; nested arrays are replaced, null clears.
    assert api.put(f"/resources/{rid}", json={"name": "Emmett", "tags": None}).status_code == 204
    after = api.get(f"/resources/{rid}?include=availability_constraints").json()["data"]
    assert (after["name"], after["tags"], after["timezone"]) == ("Emmett", None, full["timezone"])
    assert after["availability_constraints"] == update["availability_constraints"]
    assert api.delete(f"/resources/{rid}").status_code == 204
    assert api.get(f"/resources/{rid}").status_code == 404
    assert api.delete(f"/resources/{rid}").status_code == 404
    assert api.get("/calendars").json()["total"] == 0  # its calendars went with it


@pytest.mark.parametrize("body,errors", [
    ({}, {"name": ["The name field is required."], "timezone": ["The timezone field is required."]}),
    ({"name": "", "timezone": "UTC"}, {"name": ["The name field is required."]}),
    ({"name": 5, "timezone": "UTC"}, {"name": ["The name must be a string."]}),
    ({"name": "A", "timezone": "Mars/Olympus"}, {"timezone": ["The timezone must be a valid zone."]}),
    # Found by the schema fuzzer: an object (unhashable) reached a cached lookup and answered 500.
    ({"name": "A", "timezone": {}}, {"timezone": ["The timezone must be a valid zone."]}),
    ({"name": "A", "timezone": ["UTC"]}, {"timezone": ["The timezone must be a valid zone."]}),
    ({"name": "A", "timezone": "UTC", "email": "nope"}, {"email": ["The email must be a valid email address."]}),
    ({"name": "A", "timezone": "UTC", "email": "doc@example.com\n"}, {"email": ["The email must be a valid email address."]}),
    ({"name": "A", "timezone": "UTC", "tags": "x"}, {"tags": ["The tags must be an array."]}),
    ({"name": "A", "timezone": "UTC", "tags": ["ok", 3]}, {"tags.1": ["The tags.1 must be a string."]}),
    ({"name": "A", "timezone": "UTC", "meta": []}, {"meta": ["The meta must be an object."]}),
    ({"name": "A", "timezone": "UTC", "availability_constraints": {}}, None),
])
def test_create_validation(api, body, errors):
    response = api.post("/resources", json=body)
    assert response.status_code == 422
    got = response.json()["errors"]
    if errors is None:  # constraint messages are E2's; only the field key is ours
        assert list(got) == ["availability_constraints"]
    else:
        assert got == errors


def test_email_is_unique_and_sticky(api, make_resource):
    doc = make_resource(email="doc@example.com")
    again = api.post("/resources", json={"name": "B", "timezone": "UTC", "email": "DOC@example.com"})
    assert again.json() == {"errors": {"email": ["Email already exists"]}}
    changed = api.put(f"/resources/{doc['id']}", json={"email": "new@example.com"})
    assert changed.status_code == 422
    assert changed.json() == {"errors": {"email": ["Email cannot be changed"]}}
    assert api.put(f"/resources/{doc['id']}", json={"email": "doc@example.com"}).status_code == 204
    bad = api.put(f"/resources/{doc['id']}", json={"name": None, "timezone": "Nowhere"})
    assert bad.json()["errors"] == {"name": ["The name field is required."],
                                    "timezone": ["The timezone must be a valid zone."]}


def test_search_on_resources(api, make_resource):
    make_resource(name="A", tags=["x", "y"], meta={"store": "1"}, email="a@example.com")
    make_resource(name="B", tags=["y"], meta={"store": 2})
    make_resource(name="C b", timezone="UTC")

    def names(search):
        return [r["name"] for r in api.get("/resources", params={"search": search}).json()["data"]]

    assert names("tags:y") == ["A", "B"]
    assert names("tags:y;name:B") == ["B"]
    assert names("meta.store:1") == ["A"]
    assert names("meta.store:2") == ["B"]  # numbers compared as their JSON text
    assert names("email:a@example.com") == ["A"]
    assert names("name:C b") == ["C b"]
    assert names("timezone:UTC") == ["C b"]
    assert names("") == names("unknown_field:1") == names("nocolon") == ["A", "B", "C b"]
    assert api.get("/resources?search=name:C+b").json()["total"] == 1  # + decodes to a space


def test_calendars_crud_and_primary(api, make_resource):
    rid = make_resource()["id"]
    made = api.post("/calendars", json={"name": "Extra", "description": "d", "resource_id": rid,
                                        "backgroundcolor": "#fff"})
    assert made.status_code == 201
    cal = made.json()["data"]
    assert "resource_id" not in cal
    assert (cal["provider"], cal["provider_sync"], cal["foregroundcolor"], cal["backgroundcolor"]) == (
        "timekit", False, None, "#fff")
    assert api.get(f"/calendars/{cal['id']}").json()["data"] == cal
    assert api.put(f"/calendars/{cal['id']}", json={"primary": True, "name": "Main"}).status_code == 204
    listed = api.get("/calendars", params={"search": f"resource_id:{rid}"}).json()["data"]
    assert [(c["name"], c["provider_primary"]) for c in listed] == [("Bookings", False), ("Main", True)]
    default_id = listed[0]["id"]
    assert api.put(f"/calendars/{default_id}", json={"primary": True}).status_code == 204
    listed = api.get("/calendars").json()["data"]
    assert [c["provider_primary"] for c in listed] == [True, False]
    assert api.delete(f"/calendars/{cal['id']}").status_code == 204
    assert api.get(f"/calendars/{cal['id']}").status_code == 404
    assert api.get("/calendars?search=name:Main").json()["total"] == 0


@pytest.mark.parametrize("body,errors", [
    ({}, {"resource_id": ["The resource_id field is required."], "name": ["The name field is required."],
          "description": ["The description field is required."]}),
    ({"resource_id": "00000000-0000-4000-8000-000000000000", "name": "n", "description": "d"},
     {"resource_id": ["The selected resource_id is invalid."]}),
])
def test_calendar_validation(api, body, errors):
    response = api.post("/calendars", json=body)
    assert (response.status_code, response.json()) == (422, {"errors": errors})


def test_calendar_update_validation(api, make_resource):
    cal = make_resource()["calendars"][0]
    response = api.put(f"/calendars/{cal['id']}", json={"provider_sync": "yes", "name": ""})
    assert response.json() == {"errors": {"name": ["The name field is required."],
                                          "provider_sync": ["The provider_sync field must be true or false."]}}


@pytest.mark.parametrize("timezone", [{}, [], 5, True])
def test_update_with_a_timezone_that_is_not_a_string_is_a_422(api, make_resource, timezone):
    # Found by the schema fuzzer: `"timezone": {}` on update answered 500.
    rid = make_resource()["id"]
    response = api.put(f"/resources/{rid}", json={"timezone": timezone})
    assert (response.status_code, response.json()) == (
        422, {"errors": {"timezone": ["The timezone must be a valid zone."]}})
