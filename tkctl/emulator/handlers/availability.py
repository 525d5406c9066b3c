"""POST /availability (§11): validate the body, resolve the project, gather busy times, and let
the pure engine (tkctl/emulator/availability.py) compute the slots.

Every problem of the body is collected into one 422 (§6), and nothing the body can hold
reaches the engine unchecked, so a malformed body never ends in a 500.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from tkctl.emulator import availability as engine
from tkctl.emulator.call import Call
from tkctl.emulator.constraints import validate_constraints
from tkctl.emulator.errors import ValidationFailed
from tkctl.emulator.models import bookings
from tkctl.emulator.validation import Checker, is_timezone, now_utc

# The parameters a project's `availability` object can preset (§10.2, §11).
# assumed: timekit-api.md §11 (`timezone`, `ignore_all_day_events` and other keys are ignored)
_PRESETS = ("mode", "length", "from", "to", "buffer", "output_timezone")
_DEFAULTS = {"mode": "roundrobin_random", "length": "1 hour", "buffer": "0 minutes",
             "from": "now", "to": "4 weeks", "output_timezone": "UTC"}
_MAX_MONTHS = 6  # "to at most 6 months" (§11)


def _project(call: Call) -> dict | None:
    # assumed: timekit-api.md §11 (a body that is no JSON object has no parameters, so it gets
    # the 422 for missing resources)
    project_id = call.json.get("project_id")
    if project_id is None:
        return None
    project = call.app.projects.get(project_id) if isinstance(project_id, str) else None
    if project is None:
        raise ValidationFailed({"project_id": ["The selected project_id is invalid."]})
    return project


def _parameters(body: dict, project: dict | None) -> dict:
    """Defaults, then the project's `availability`, then the body (§11: explicit ones override)."""
    # assumed: timekit-api.md §11 (a parameter sent as null counts as not sent, so the project's
    # value or the default applies; `length: null`, "dynamic", is the 1 hour default)
    params = dict(_DEFAULTS)
    preset = project.get("availability") if project else None
    for source in (preset if isinstance(preset, dict) else {}, body):
        params.update({k: v for k, v in source.items() if k in _PRESETS and v is not None})
    return params


def _resource_ids(call: Call, project: dict | None, check: Checker) -> list[str]:
    """The body's `resources` (even with a project: JSI #68), else the project's, in order."""
    ids = call.json.get("resources")
    if ids is None:
        if project is None:
            check.add("resources", "The resources field is required.")
            return []
        return [r for r in project["resources"] if r in call.app.resources]
    if not isinstance(ids, list):
        check.add("resources", "The resources must be an array.")
        return []
    if not all(isinstance(i, str) and i in call.app.resources for i in ids):
        # assumed: timekit-api.md §11 (unknown resource id -> 422 errors.resources)
        check.add("resources", "The selected resources is invalid.")
        return []
    # assumed: timekit-api.md §11 (a resource listed twice counts once, at its first place)
    return list(dict.fromkeys(ids))


def _duration(params: dict, field: str, check: Checker) -> timedelta | None:
    message = f'The {field} must be a duration such as "30 minutes".'
    try:
        value = engine.parse_duration(params[field])
    except ValueError:
        check.add(field, message)
        return None
    if field == "length" and value <= timedelta(0):
        check.add(field, message)
        return None
    return value


def _bounds(params: dict, now: datetime, check: Checker) -> tuple[datetime, datetime] | None:
    bounds = {}
    for field in ("from", "to"):
        try:
            bounds[field] = engine.parse_bound(params[field], now)
        except ValueError:
            value = params[field]
            shown = value if isinstance(value, str) else json.dumps(value)
            # Wording of the real API's 422 (realdata/error-422-availability.json).
            check.add(field, f"{shown} in not a valid timestamp or relative time")
    if len(bounds) < 2:
        return None
    start, end = bounds["from"], bounds["to"]
    if end <= start:
        check.add("to", "The to must be a date after from.")
        return None
    # assumed: timekit-api.md §11 ("to at most 6 months": the docs count from now, the contract
    # leaves it open; E enforces both readings, calendar months, so that a window E accepts is
    # one Timekit accepts under either)
    after_from, after_now = engine.add_months(start, _MAX_MONTHS), engine.add_months(now, _MAX_MONTHS)
    if after_from is not None and end > after_from:
        check.add("to", "The to may not be more than 6 months after from.")
    if after_now is not None and end > after_now:
        check.add("to", "The to may not be more than 6 months from now.")
    return start, end


def find(call: Call):
    project = _project(call)
    params = _parameters(call.json, project)
    check = Checker(params)
    ids = _resource_ids(call, project, check)
    check.one_of("mode", params["mode"], engine.MODES)
    length = _duration(params, "length", check)
    buffer = _duration(params, "buffer", check)
    bounds = _bounds(params, now_utc(), check)
    zone = params["output_timezone"]
    if not isinstance(zone, str) or not is_timezone(zone):  # is_timezone caches: hashable only
        check.add("output_timezone", "The output_timezone must be a valid zone.")
    constraints = call.json.get("constraints")
    check.merge(validate_constraints(constraints, "constraints"))
    check.raise_if_any()
    if not ids:
        # assumed: timekit-api.md §11 (a project without resources, or `resources: []`)
        return 200, {"data": []}
    inputs = [
        engine.ResourceInput(
            id=rid, name=call.app.resources[rid]["name"], timezone=call.app.resources[rid]["timezone"],
            constraints=call.app.resources[rid]["availability_constraints"] or [],
            busy=bookings.busy_times(call.app, rid))
        for rid in ids
    ]
    slots = engine.compute_slots(
        resources=inputs,
        project_constraints=(project or {}).get("availability_constraints") or [],
        request_constraints=constraints or [],
        start=bounds[0], end=bounds[1], length=length, buffer=buffer, mode=params["mode"],
        output_timezone=params["output_timezone"], rng=random.Random())
    return 200, {"data": slots}
