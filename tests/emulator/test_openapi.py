"""docs/emulator-openapi.yaml: in step with the route table, and true of a running emulator.

The fuzz test is schemathesis over real HTTP against its own emulator: every operation gets
schema examples, boundary cases (the coverage phase) and a bounded number of generated
requests, positive and negative, from a fixed seed. It fails on any 5xx, on an answer whose
status, content type, headers or body the description does not allow, on invalid input that
is not refused with a 4xx, on a 405 without `Allow`, and on an operation that ignores auth.

Not checked: that schema-valid input is accepted (`positive_data_acceptance`). The emulator,
like Timekit, refuses well-formed input that names an unknown id, an unknown timezone or an
end before its start with a 422, and a schema cannot say which ids exist.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance, ignored_auth, negative_data_rejection, response_headers_conformance,
    response_schema_conformance, status_code_conformance, unsupported_method,
)

from schemathesis.checks import not_a_server_error
from tkctl.emulator.testing import running_emulator
from tkctl.emulator.urls import ROUTES

SPEC = Path(__file__).resolve().parents[2] / "docs" / "emulator-openapi.yaml"
TOKEN = "live_api_key_fuzz00000000000000000000000000"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection, unsupported_method, ignored_auth]


def _described() -> dict:
    return yaml.safe_load(SPEC.read_text())


def test_the_description_is_valid_openapi_3_1():
    schema = schemathesis.openapi.from_path(SPEC)
    schema.validate()
    assert _described()["openapi"].startswith("3.1.")


def test_every_route_is_described_with_its_methods_and_nothing_else():
    paths = _described()["paths"]
    described = {path: {m.upper() for m in operations if m in HTTP_METHODS} for path, operations in paths.items()}
    routed = {route.template.removeprefix("/v2"): set(route.methods) for route in ROUTES}
    assert described == routed


def test_who_may_call_each_operation_matches_the_routes():
    spec = _described()
    for route in ROUTES:
        for method in route.methods:
            operation = spec["paths"][route.template.removeprefix("/v2")][method.lower()]
            security = operation.get("security", spec["security"])
            schemes = {name for requirement in security for name in requirement}
            label = f"{method} {route.template}"
            assert ("widgetKey" in schemes) == (method in route.widget or route.public is not None), label
            assert ({} in security) == (route.public is not None), label
            assert "appKey" in schemes, label


# ------------------------------------------------------------------------------------ fuzzing

CONFIG = SchemathesisConfig.from_dict({
    "seed": 20261201,
    # The emulator, like the real API, ignores query parameters it does not know (§5).
    "generation": {"max-examples": 10, "database": "none", "allow-extra-parameters": False},
    "auth": {"openapi": {"appKey": {"username": "", "password": TOKEN}}},
    # One undeclared method per path is enough to see that a 405 names the allowed ones.
    "phases": {"stateful": {"enabled": False}, "coverage": {"unexpected-methods": ["patch"]}},
})
SCHEMA = schemathesis.openapi.from_path(SPEC, config=CONFIG)


def _account(emulator) -> dict[str, str]:
    """A fresh account with one of everything, so generated requests reach real objects."""
    emulator.reset()
    seeded = emulator.seed(resources=[
        {"name": "Doc", "timezone": "UTC", "availability_constraints": [{"allow_hours": {"start": 9, "end": 17}}],
         "calendars": [{"name": "Extra", "description": "second"}]},
        {"name": "Marty", "timezone": "Europe/Copenhagen"},
    ])
    resource, other = (r["id"] for r in seeded["resources"])
    project = emulator.seed(projects=[{"name": "Consult", "slug": "consult", "resources": [resource],
                                       "booking": {"graph": "confirm_decline"}}])["projects"][0]["id"]
    with httpx.Client(base_url=emulator.base_url, auth=("", TOKEN)) as api:
        booking = api.post("/bookings", json={"resource_id": resource, "graph": "confirm_decline", "project_id": project,
                                              "start": "2026-12-07T09:00:00Z", "end": "2026-12-07T10:00:00Z"})
        group = api.post("/bookings", json={"resource_id": resource, "graph": "group_owner", "settings": {"max_seats": 2},
                                            "start": "2026-12-08T09:00:00Z", "end": "2026-12-08T10:00:00Z"})
    return {"resource": resource, "other": other, "project": project, "slug": "consult",
            "calendar": seeded["resources"][0]["calendars"][1]["id"],
            "booking": booking.json()["data"]["id"], "group": group.json()["data"]["id"]}


def _path_ids(path: str, ids: dict[str, str]) -> dict[str, str]:
    """Real values for the path parameters of an operation."""
    if path.startswith("/bookings/groups/"):
        return {"id": ids["group"]}
    kind = path.split("/")[1]
    found = {"id": ids[{"resources": "resource", "calendars": "calendar", "projects": "project",
                        "bookings": "booking"}[kind]], "slug": ids["slug"], "resource_id": ids["resource"]}
    return found


def _use_real_ids(case, ids: dict[str, str]) -> None:
    """Point the schema-valid parts of a request at existing objects."""
    if case.path_parameters and not case.meta.is_negative_at(ParameterLocation.PATH):
        real = _path_ids(case.operation.path, ids)
        case.path_parameters = {name: real.get(name, value) for name, value in case.path_parameters.items()}
    body = case.body
    if case.meta.is_negative_at(ParameterLocation.BODY):
        return
    if isinstance(body, list):  # PUT /projects/{id}/resources
        case.body = [ids["resource"]] + [ids["other"]] * (len(body) > 1)
    elif isinstance(body, dict):
        for field, kind in (("resource_id", "resource"), ("project_id", "project"), ("calendar_id", "calendar")):
            if isinstance(body.get(field), str):
                body[field] = ids[kind]
        if isinstance(body.get("resources"), list):
            body["resources"] = [ids["resource"]]
        if body.get("graph") in ("group_customer", "group_customer_payment"):
            body["related"] = {"owner_booking_id": ids["group"]}


class Account:
    """Real objects for generated requests to reach (random ids only ever reach the 404), made
    again after a request that may have deleted or closed them."""

    def __init__(self, emulator):
        self.emulator = emulator
        self._ids: dict[str, str] | None = None

    def ids(self) -> dict[str, str]:
        if self._ids is None:
            self._ids = _account(self.emulator)
        return self._ids

    def used_by(self, case) -> None:
        if case.method.upper() == "DELETE" or "{action}" in case.operation.path:
            self._ids = None


@pytest.fixture(scope="module")
def fuzz_target():
    """An emulator of its own (the fuzzer fills it with junk), rate limits off."""
    with running_emulator(tokens=[TOKEN], rate_limit=0, daily_limit=0) as emulator:
        yield Account(emulator)


@pytest.mark.timeout(180)
@SCHEMA.parametrize()
@settings(max_examples=10, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_emulator_does_what_its_description_says(case, fuzz_target):
    _use_real_ids(case, fuzz_target.ids())
    fuzz_target.used_by(case)
    case.call_and_validate(base_url=fuzz_target.emulator.base_url, checks=CHECKS)
