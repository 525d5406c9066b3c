"""POST /availability (§11): validate the body, resolve the project, gather busy times, and let
the pure engine (tkctl/emulator/availability.py) compute the slots."""

from __future__ import annotations

from datetime import timedelta

from tkctl.emulator import availability as engine
from tkctl.emulator.call import Call
from tkctl.emulator.constraints import validate_constraints
from tkctl.emulator.errors import ValidationFailed
from tkctl.emulator.models import bookings
from tkctl.emulator.validation import Checker, is_timezone, now_utc

# assumed: timekit-api.md §11 (`timezone` and other unknown keys are ignored)
_PARAMS = ("mode", "length", "from", "to", "buffer", "output_timezone")
_MAX_WINDOW = timedelta(days=183)  # "to at most 6 months" (§11)


def _parameters(call: Call) -> tuple[dict, dict | None]:
    """Body parameters over the project's `availability` object (§11: explicit ones override)."""
    body = call.json
    project = None
    project_id = body.get("project_id")
    if project_id is not None:
        project = call.app.projects.get(project_id) if isinstance(project_id, str) else None
        if project is None:
            raise ValidationFailed({"project_id": ["The selected project_id is invalid."]})
    params: dict = {}
    if project is not None and isinstance(project.get("availability"), dict):
        params.update({k: v for k, v in project["availability"].items() if k in _PARAMS})
    params.update({k: v for k, v in body.items() if k in _PARAMS or k in ("resources", "constraints")})
    return params, project


def find(call: Call):
    params, project = _parameters(call)
    check = Checker(params)
    now = now_utc()
    if "resources" in params and params["resources"] is not None:
        ids = params["resources"]
        if not isinstance(ids, list) or not all(isinstance(i, str) and i in call.app.resources for i in ids):
            # assumed: timekit-api.md §11 (unknown resource id -> 422 errors.resources)
            check.add("resources", "The selected resources is invalid.")
            ids = []
    elif project is not None:
        ids = [r for r in project["resources"] if r in call.app.resources]
    else:
        check.add("resources", "The resources field is required.")
        ids = []
    mode = params.get("mode") or "roundrobin_random"  # assumed: timekit-api.md §11 (default mode)
    check.one_of("mode", mode, engine.MODES)
    durations = {}
    # assumed: timekit-api.md §11 (length null = dynamic: E uses the 1 hour default)
    for field, default in (("length", "1 hour"), ("buffer", "0 minutes")):
        try:
            durations[field] = engine.parse_duration(params.get(field) or default)
        except ValueError:
            check.add(field, f"The {field} must be a duration such as \"30 minutes\".")
    if durations.get("length") is not None and durations["length"] <= timedelta(0):
        check.add("length", "The length must be a duration such as \"30 minutes\".")
    bounds = {}
    for field, default in (("from", "now"), ("to", "4 weeks")):
        try:
            bounds[field] = engine.parse_bound(params.get(field) or default, now)
        except ValueError:
            # Wording of the real API's 422 (realdata/error-422-availability.json).
            check.add(field, f"{params.get(field)} in not a valid timestamp or relative time")
    if len(bounds) == 2:
        if bounds["to"] <= bounds["from"]:
            check.add("to", "The to must be a date after from.")
        elif bounds["to"] - bounds["from"] > _MAX_WINDOW:
            check.add("to", "The to may not be more than 6 months after from.")
    output_tz = params.get("output_timezone") or "UTC"
    if not is_timezone(output_tz):
        check.add("output_timezone", "The output_timezone must be a valid zone.")
    constraints = params.get("constraints")
    if constraints is not None:
        check.merge(validate_constraints(constraints, "constraints"))
    check.raise_if_any()
    if not ids:
        return 200, {"data": []}  # assumed: timekit-api.md §11 (project without resources)
    inputs = []
    for rid in ids:
        resource = call.app.resources[rid]
        inputs.append(engine.ResourceInput(
            id=rid, name=resource["name"], timezone=resource["timezone"],
            constraints=resource["availability_constraints"] or [],
            busy=bookings.busy_times(call.app, rid)))
    slots = engine.compute_slots(
        resources=inputs,
        project_constraints=(project or {}).get("availability_constraints") or [],
        request_constraints=constraints or [],
        start=bounds["from"], end=bounds["to"], length=durations["length"],
        buffer=durations["buffer"], mode=mode, output_timezone=output_tz)
    return 200, {"data": slots}
