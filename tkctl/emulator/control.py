"""The control API under /_emulator (like moto's /moto-api): reset, counters, config, faults,
clock, seed, apps (each app token's widget key).

No auth: it is for the tests and tools driving a local emulator, never part of Timekit's API.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from tkctl.emulator import faults as fault_rules
from tkctl.emulator import settings as setting_rules
from tkctl.emulator.errors import ApiFailure, ValidationFailed
from tkctl.emulator.models import calendars, projects, resources
from tkctl.emulator.runtime import Runtime
from tkctl.emulator.store import widget_key_for


def _json(status: int, body: object | None, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status_code=status, headers=headers)
    return Response(json.dumps(body), status_code=status, headers=headers, media_type="application/json")


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


def apps(runtime: Runtime) -> dict:
    """Each app token with its widget key, so a test or a widget page can embed the right key."""
    # assumed: timekit-api.md §2 (E derives one widget key per app key and returns it here)
    store = runtime.store
    return {"apps": [{"token": token, "widget_key": widget_key_for(token), "test_mode": token.startswith("test_")}
                     for token in store.tokens]}


_WITH_BODY = {("config", "PUT"), ("faults", "POST"), ("clock", "PUT"), ("seed", "POST")}


class Control:
    """Answers `/_emulator/<name>`; the ASGI app hands it the name (so any path, even one with a
    newline in it, gets a JSON answer)."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self._actions = {
            ("reset", "POST"): self._reset,
            ("counters", "GET"): lambda _: _json(200, runtime.counters.snapshot()),
            ("counters", "DELETE"): self._zero_counters,
            ("config", "GET"): lambda _: _json(200, runtime.settings.as_dict()),
            ("config", "PUT"): self._configure,
            ("faults", "POST"): self._add_fault,
            ("faults", "DELETE"): self._clear_faults,
            ("clock", "GET"): lambda _: _json(200, runtime.clock.as_dict()),
            ("clock", "PUT"): self._move_clock,
            ("seed", "POST"): self._seed,
            ("apps", "GET"): lambda _: _json(200, apps(runtime)),
        }

    async def handle(self, request: Request, name: str) -> Response:
        try:
            action = self._actions.get((name, request.method))
            if action is None:
                allowed = [method for (known, method) in self._actions if known == name]
                if allowed:
                    return _json(405, {"error": "Method not allowed"}, {"Allow": ", ".join(allowed)})
                return _json(404, {"error": "Not found"})
            body = await _body(request) if (name, request.method) in _WITH_BODY else None
            return action(body)
        except ApiFailure as failure:
            return _json(failure.status, failure.body)

    def _reset(self, _: object) -> Response:
        self.runtime.reset()
        return _json(204, None)

    def _zero_counters(self, _: object) -> Response:
        self.runtime.counters.reset()
        return _json(204, None)

    def _configure(self, changes: object) -> Response:
        if not isinstance(changes, dict):
            raise ValidationFailed({"config": ["The config must be an object."]})
        errors = setting_rules.problems(changes)
        if errors:
            raise ValidationFailed(errors)
        self.runtime.settings = setting_rules.apply(self.runtime.settings, changes)
        return _json(200, self.runtime.settings.as_dict())

    def _add_fault(self, body: object) -> Response:
        errors = fault_rules.problems(body)
        if errors:
            raise ValidationFailed(errors)
        self.runtime.faults.add(fault_rules.Fault(**body))
        return _json(204, None)

    def _clear_faults(self, _: object) -> Response:
        self.runtime.faults.clear()
        return _json(204, None)

    def _move_clock(self, body: object) -> Response:
        errors = _clock_problems(body)
        if errors:
            raise ValidationFailed(errors)
        if "frozen" in body:
            self.runtime.clock.freeze(body["frozen"])
        if "advance" in body:
            self.runtime.clock.advance(float(body["advance"]))
        return _json(200, self.runtime.clock.as_dict())

    def _seed(self, body: object) -> Response:
        if not isinstance(body, dict):
            raise ValidationFailed({"seed": ["The seed must be an object."]})
        return _json(201, seed(self.runtime, body))
