"""Projects over HTTP (§10): CRUD, slugs, resource set, embed/hosted widget views."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fixtures import REALDATA
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def test_create_get_update_delete(api, make_resource):
    rid = make_resource()["id"]
    embed = json.loads((REALDATA / "project-embed-response-extended.json").read_text())["data"]
    body = {"name": "Consult", "resources": [rid], "ui": embed["ui"], "booking": embed["booking"],
            "customer_fields": embed["customer_fields"],
            "availability": {"mode": "mutual", "length": "30 minutes"},
            "allow_double_bookings": False, "not_a_field": 1}
    made = api.post("/projects", json=body)
    assert made.status_code == 201
    project = made.json()["data"]
    assert project["slug"] == "consult"
    assert "resources" not in project and "not_a_field" not in project
    assert project["allow_double_bookings"] is False
    assert project["ui"] == embed["ui"] and project["reminders"] is None and project["meta"] is None
    pid = project["id"]
    got = api.get(f"/projects/{pid}", params={"include": "resources"}).json()["data"]
    assert [r["id"] for r in got["resources"]] == [rid]
    reminders = json.loads((REALDATA / "project-reminders-update-request.json").read_text())
    assert api.put(f"/projects/{pid}", json=reminders).status_code == 204
    assert api.put(f"/projects/{pid}", json={"ui": {"display_name": "X"}}).status_code == 204
    after = api.get(f"/projects/{pid}").json()["data"]
    assert after["reminders"] == reminders["reminders"]
    assert after["ui"] == {"display_name": "X"}  # replaced wholesale, not merged
    assert after["booking"] == embed["booking"] and after["name"] == "Consult"
    assert api.delete(f"/projects/{pid}").status_code == 204
    assert api.get(f"/projects/{pid}").status_code == 404


def test_slugs_are_derived_and_unique(api, make_project):
    assert make_project(name="Hair Cut!")["slug"] == "hair-cut"
    assert make_project(name="Hair cut")["slug"] == "hair-cut-2"
    duplicate = api.post("/projects", json={"name": "Other", "slug": "hair-cut"})
    assert duplicate.json() == {"errors": {"slug": ["The slug has already been taken."]}}
    other = make_project(name="Other", slug="other")
    assert api.put(f"/projects/{other['id']}", json={"slug": "other"}).status_code == 204  # own slug
    taken = api.put(f"/projects/{other['id']}", json={"slug": "hair-cut-2"})
    assert taken.status_code == 422
    assert [p["slug"] for p in api.get("/projects?search=slug:other").json()["data"]] == ["other"]


@pytest.mark.parametrize("body,errors", [
    ({}, {"name": ["The name field is required."]}),
    ({"name": "P", "resources": [UNKNOWN]}, {"resources": ["The selected resources is invalid."]}),
    ({"name": "P", "resources": "x"}, {"resources": ["The resources must be an array."]}),
    ({"name": "P", "availability": {"mode": "solo"}}, {"availability.mode": ["The selected availability.mode is invalid."]}),
    ({"name": "P", "booking": {"graph": "x"}}, {"booking.graph": ["The selected booking.graph is invalid."]}),
    ({"name": "P", "ui": []}, {"ui": ["The ui must be an object."]}),
    ({"name": "P", "meta": "x", "customer_fields": 1},
     {"meta": ["The meta must be an object."], "customer_fields": ["The customer_fields must be an object."]}),
    ({"name": "P", "customer_fields": {"email": {"required": "yes", "format": "bogus"}}},
     {"customer_fields.email.required": ["The customer_fields.email.required field must be true or false."],
      "customer_fields.email.format": ["The selected customer_fields.email.format is invalid."]}),
    ({"name": "P", "reminders": [{"type": "sms", "when": {"type": "before", "unit": "mins", "time": 15}}]},
     {"reminders.0.type": ["The selected reminders.0.type is invalid."]}),
    ({"name": "P", "reminders": [{"type": "email", "when": {"type": "soon", "unit": "days", "time": "1"}}]},
     {"reminders.0.when.type": ["The selected reminders.0.when.type is invalid."],
      "reminders.0.when.unit": ["The selected reminders.0.when.unit is invalid."],
      "reminders.0.when.time": ["The reminders.0.when.time must be an integer."]}),
])
def test_project_validation(api, body, errors):
    response = api.post("/projects", json=body)
    assert (response.status_code, response.json()) == (422, {"errors": errors})


def test_project_constraint_validation_uses_the_field_key(api):
    response = api.post("/projects", json={"name": "P", "availability_constraints": [{"allow_nothing": {}}]})
    assert response.status_code == 422
    assert all(k.startswith("availability_constraints") for k in response.json()["errors"])


def test_resource_set_add_replace_remove(api, make_resource, make_project):
    a, b, c = (make_resource(name=n)["id"] for n in "ABC")
    pid = make_project()["id"]

    def members():
        return [r["name"] for r in api.get(f"/projects/{pid}/resources").json()["data"]]

    assert api.post(f"/projects/{pid}/resources", json={"resource_id": a}).status_code == 204
    assert api.post(f"/projects/{pid}/resources", json={"resource_id": a}).status_code == 204  # no-op
    assert members() == ["A"]
    assert api.put(f"/projects/{pid}/resources", json=[b, c]).status_code == 204
    assert members() == ["B", "C"]
    assert api.delete(f"/projects/{pid}/resources/{b}").status_code == 204
    assert members() == ["C"]
    missing = api.delete(f"/projects/{pid}/resources/{b}")
    assert (missing.status_code, missing.json()) == (404, {"error": "Resource does not exist", "model": "Resource"})
    bad_post = api.post(f"/projects/{pid}/resources", json={"resource_id": UNKNOWN})
    assert bad_post.json() == {"errors": {"resource_id": ["The selected resource_id is invalid."]}}
    assert api.post(f"/projects/{pid}/resources", json={}).json() == {
        "errors": {"resource_id": ["The resource_id field is required."]}}
    bad_put = api.put(f"/projects/{pid}/resources", json=[c, UNKNOWN])
    assert bad_put.json() == {"errors": {"resources": ["The selected resources is invalid."]}}
    assert api.put(f"/projects/{pid}/resources", json={"resources": [c]}).json() == {
        "errors": {"resources": ["The resources must be an array."]}}
    assert api.get(f"/projects/{UNKNOWN}/resources").status_code == 404
    # Deleting a resource drops it from the project's set.
    assert api.delete(f"/resources/{c}").status_code == 204
    assert members() == []


def test_embed_and_hosted_views_accept_the_widget_key(api, emulator, make_project):
    real = json.loads((REALDATA / "project-embed-response.json").read_text())["data"]
    project = make_project(name=real["name"], slug=real["slug"], ui=real["ui"], booking=real["booking"],
                           customer_fields=real["customer_fields"])
    embed = api.get(f"/projects/embed/{project['id']}").json()["data"]
    assert set(embed) == set(real)
    assert {k: embed[k] for k in ("ui", "booking", "customer_fields", "slug")} == {
        k: real[k] for k in ("ui", "booking", "customer_fields", "slug")}
    widget_key = embed["app_key"]
    assert widget_key.startswith("live_widget_key_")
    widget = httpx.Client(base_url=emulator.base_url, auth=("", widget_key))
    assert widget.get(f"/projects/hosted/{real['slug']}").json()["data"] == embed
    assert widget.get(f"/projects/embed/{project['id']}").status_code == 200
    assert widget.get("/projects").status_code == 401  # widget keys only read the widget views


GRAPHS = ["instant", "instant_payment", "confirm_decline", "group_owner", "group_customer",
          "group_customer_payment", "reservation"]


@pytest.mark.parametrize("graph", GRAPHS)
def test_every_booking_graph_is_accepted_in_a_project(api, make_project, graph):
    pid = make_project(booking={"graph": graph})["id"]
    assert api.get(f"/projects/{pid}").json()["data"]["booking"] == {"graph": graph}
    assert api.put(f"/projects/{pid}", json={"booking": {"graph": graph, "what": "Class"}}).status_code == 204


WHEN = {"type": "before", "unit": "mins", "time": 15}
WEBHOOK = {"url": "https://hooks.example/remind", "method": "post", "expected_response_code": 201}


@pytest.mark.parametrize("reminder", [
    {"type": "webhook", "settings": WEBHOOK, "when": WHEN},
    {"type": "webhook", "settings": {**WEBHOOK, "method": "get"}, "when": WHEN},
    {"type": "webhook", "settings": {"url": "https://hooks.example/remind"}, "when": WHEN},  # method, code optional
    {"type": "webhook", "settings": {**WEBHOOK, "extra": 1}, "when": {"type": "after", "unit": "hours", "time": 2}},
    {"type": "email", "settings": {"recipient": "owner", "subject": "Soon"}, "when": {"type": "after", "unit": "secs",
                                                                                       "time": 30}},
    {"type": "email", "settings": {"recipient": "customer"}, "when": WHEN},
    {"type": "email", "when": WHEN},  # an e-mail reminder's settings are optional
])
def test_valid_reminders_are_stored_as_sent(api, make_project, reminder):
    pid = make_project(reminders=[reminder])["id"]
    assert api.get(f"/projects/{pid}").json()["data"]["reminders"] == [reminder]


@pytest.mark.parametrize("reminder,errors", [
    ({"type": "webhook", "when": WHEN},
     {"reminders.0.settings.url": ["The reminders.0.settings.url field is required."]}),
    ({"type": "webhook", "settings": {"method": "post"}, "when": WHEN},
     {"reminders.0.settings.url": ["The reminders.0.settings.url field is required."]}),
    ({"type": "webhook", "settings": {"url": 5}, "when": WHEN},
     {"reminders.0.settings.url": ["The reminders.0.settings.url must be a string."]}),
    ({"type": "webhook", "settings": {**WEBHOOK, "method": "put"}, "when": WHEN},
     {"reminders.0.settings.method": ["The selected reminders.0.settings.method is invalid."]}),
    ({"type": "webhook", "settings": {**WEBHOOK, "method": "POST"}, "when": WHEN},
     {"reminders.0.settings.method": ["The selected reminders.0.settings.method is invalid."]}),
    ({"type": "webhook", "settings": {**WEBHOOK, "expected_response_code": "201"}, "when": WHEN},
     {"reminders.0.settings.expected_response_code":
      ["The reminders.0.settings.expected_response_code must be an HTTP status code (100-599)."]}),
    ({"type": "webhook", "settings": {**WEBHOOK, "expected_response_code": 99}, "when": WHEN},
     {"reminders.0.settings.expected_response_code":
      ["The reminders.0.settings.expected_response_code must be an HTTP status code (100-599)."]}),
    ({"type": "webhook", "settings": "https://hooks.example", "when": WHEN},
     {"reminders.0.settings": ["The reminders.0.settings must be an object."]}),
    ({"type": "email", "settings": {"recipient": "everyone", "subject": 1}, "when": WHEN},
     {"reminders.0.settings.recipient": ["The selected reminders.0.settings.recipient is invalid."],
      "reminders.0.settings.subject": ["The reminders.0.settings.subject must be a string."]}),
    ({"type": "email", "settings": {"recipient": "owner"}, "when": {"type": "during", "unit": "mins", "time": 1}},
     {"reminders.0.when.type": ["The selected reminders.0.when.type is invalid."]}),
    ({"type": "email", "settings": {"recipient": "owner"}, "when": {"type": "after", "unit": "mins", "time": True}},
     {"reminders.0.when.time": ["The reminders.0.when.time must be an integer."]}),
    ({"type": "email", "settings": {"recipient": "owner"}},
     {"reminders.0.when": ["The reminders.0.when field is required."]}),
])
def test_invalid_reminders_are_422_naming_the_field(api, reminder, errors):
    response = api.post("/projects", json={"name": "P", "reminders": [reminder]})
    assert (response.status_code, response.json()) == (422, {"errors": errors})
