"""The control API under /_emulator (like moto's /moto-api): reset, counters, config, faults, seed.

No auth: it is for the tests and tools driving a local emulator, never part of Timekit's API.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tkctl.emulator import faults as fault_rules
from tkctl.emulator import settings as setting_rules
from tkctl.emulator.errors import ApiFailure, ValidationFailed
from tkctl.emulator.models import calendars, projects, resources
from tkctl.emulator.runtime import Runtime


def _json(status: int, body: object | None) -> Response:
    if body is None:
        return Response(status_code=status)
    return Response(json.dumps(body), status_code=status, media_type="application/json")


async def _body(request: Request) -> object:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiFailure(400, {"error": "Malformed JSON body"}) from None


def seed(runtime: Runtime, body: dict) -> dict:
    """Create resources (with their calendars) and projects straight in the store, validated
    by the same model code as the API, in one store session (one SQLite transaction)."""
    token = body.get("token") or runtime.store.tokens[0]
    if token not in runtime.store.tokens:
        raise ValidationFailed({"token": ["The token is not one of the emulator's app tokens."]})
    out: dict = {"resources": [], "projects": []}
    with runtime.store.session(token) as app:
        made = []
        for index, spec in enumerate(body.get("resources") or []):
            if not isinstance(spec, dict):
                raise ValidationFailed({f"resources.{index}": [f"The resources.{index} must be an object."]})
            spec = dict(spec)
            extra_calendars = spec.pop("calendars", None) or []
            try:
                resource = resources.create(app, spec)
                for calendar in extra_calendars:
                    calendars.create(app, calendar, resource_id=resource["id"])
            except ValidationFailed as exc:
                raise ValidationFailed({f"resources.{index}.{k}": v for k, v in exc.errors.items()}) from None
            made.append(resource)
        for index, spec in enumerate(body.get("projects") or []):
            if not isinstance(spec, dict):
                raise ValidationFailed({f"projects.{index}": [f"The projects.{index} must be an object."]})
            try:
                project = projects.create(app, spec)
            except ValidationFailed as exc:
                raise ValidationFailed({f"projects.{index}.{k}": v for k, v in exc.errors.items()}) from None
            out["projects"].append(projects.render(app, project))
        full = {"calendars", "availability_constraints"}
        out["resources"] = [resources.render(app, r, full) for r in made]
    return out


def _clock_problems(body: object) -> dict[str, list[str]]:
    if not isinstance(body, dict):
        return {"clock": ["The clock change must be an object."]}
    errors: dict[str, list[str]] = {}
    if "frozen" in body and not isinstance(body["frozen"], bool):
        errors["frozen"] = ["The frozen field must be true or false."]
    advance = body.get("advance", 0)
    if not isinstance(advance, (int, float)) or isinstance(advance, bool) or not 0 <= advance <= 10 * 86_400:
        errors["advance"] = ["The advance must be a number of seconds between 0 and 864000."]
    for key in sorted(set(body) - {"frozen", "advance"}):
        errors[key] = [f"The {key} is not a clock setting."]
    return errors


def routes(runtime: Runtime) -> list[Route]:
    async def handle(request: Request) -> Response:
        try:
            return await dispatch(request)
        except ApiFailure as failure:
            return _json(failure.status, failure.body)

    async def dispatch(request: Request) -> Response:
        name, method = request.path_params["name"], request.method
        if name == "reset" and method == "POST":
            runtime.reset()
            return _json(204, None)
        if name == "counters" and method == "GET":
            return _json(200, runtime.counters.snapshot())
        if name == "counters" and method == "DELETE":
            runtime.counters.reset()
            return _json(204, None)
        if name == "config" and method == "GET":
            return _json(200, runtime.settings.as_dict())
        if name == "config" and method == "PUT":
            changes = await _body(request)
            if not isinstance(changes, dict):
                raise ValidationFailed({"config": ["The config must be an object."]})
            errors = setting_rules.problems(changes)
            if errors:
                raise ValidationFailed(errors)
            runtime.settings = setting_rules.apply(runtime.settings, changes)
            return _json(200, runtime.settings.as_dict())
        if name == "faults" and method == "POST":
            body = await _body(request)
            errors = fault_rules.problems(body)
            if errors:
                raise ValidationFailed(errors)
            runtime.faults.add(fault_rules.Fault(**body))
            return _json(204, None)
        if name == "faults" and method == "DELETE":
            runtime.faults.clear()
            return _json(204, None)
        if name == "clock" and method == "GET":
            return _json(200, runtime.clock.as_dict())
        if name == "clock" and method == "PUT":
            body = await _body(request)
            errors = _clock_problems(body)
            if errors:
                raise ValidationFailed(errors)
            if "frozen" in body:
                runtime.clock.freeze(body["frozen"])
            if "advance" in body:
                runtime.clock.advance(float(body["advance"]))
            return _json(200, runtime.clock.as_dict())
        if name == "seed" and method == "POST":
            body = await _body(request)
            if not isinstance(body, dict):
                raise ValidationFailed({"seed": ["The seed must be an object."]})
            return _json(201, seed(runtime, body))
        known = {"reset", "counters", "config", "faults", "seed", "clock"}
        if name in known:
            return _json(405, {"error": "Method not allowed"})
        return _json(404, {"error": "Not found"})

    return [Route("/{name}", handle, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])]
