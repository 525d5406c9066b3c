"""Bookings (§12): create, state actions, the busy times availability subtracts, public shape."""

from __future__ import annotations

from datetime import datetime

from tkctl.emulator.errors import ValidationFailed, action_refused, not_found
from tkctl.emulator.models import calendars
from tkctl.emulator.store import AppData, new_id
from tkctl.emulator.validation import Checker, format_timestamp, now_utc, parse_timestamp

MODEL = "Booking"
GRAPHS = ("instant", "instant_payment", "confirm_decline", "group_owner", "group_customer")
_CANCELS = ("cancel", "cancel_by_owner", "cancel_by_customer")
# assumed: timekit-api.md §12 (which actions each state allows, and where they lead)
_ACTIONS = {
    "tentative": {"confirm": "confirmed", "decline": "declined",
                  **{a: "cancelled" for a in _CANCELS}},
    "confirmed": {a: "cancelled" for a in _CANCELS},
    "declined": {},
    "cancelled": {},
}
_EVENT_FIELDS = ("start", "end", "what", "where", "description")

# assumed: timekit-api.md §12 (searchable: graph, state, resource.id, project.id)
SEARCHABLE = {
    "graph": lambda b: b["graph"],
    "state": lambda b: b["state"],
    "resource.id": lambda b: b["resource_id"],
    "project.id": lambda b: b["project_id"],
}


def get(app: AppData, booking_id: str) -> dict:
    obj = app.bookings.get(booking_id)
    if obj is None:
        raise not_found(MODEL)
    return obj


def busy_times(app: AppData, resource_id: str) -> list[tuple[datetime, datetime]]:
    """Confirmed bookings only block time (§11, §12)."""
    return [(parse_timestamp(b["start"]), parse_timestamp(b["end"]))
            for b in app.bookings.values()
            if b["resource_id"] == resource_id and b["state"] == "confirmed"]


def _merged_body(app: AppData, body: dict) -> dict:
    """Project booking settings as defaults, then the older nested `event` shape, then the body."""
    merged: dict = {}
    project = app.projects.get(body.get("project_id")) if isinstance(body.get("project_id"), str) else None
    if project and isinstance(project.get("booking"), dict):
        # Settings stored on a project can be overridden per request (§10).
        merged.update({k: v for k, v in project["booking"].items() if k in ("graph", *_EVENT_FIELDS)})
    if isinstance(body.get("event"), dict):
        merged.update({k: v for k, v in body["event"].items() if k in _EVENT_FIELDS})
    merged.update(body)
    return merged


def create(app: AppData, raw: dict) -> dict:
    body = _merged_body(app, raw)
    check = Checker(body)
    check.required_string("resource_id")
    rid = body.get("resource_id")
    if isinstance(rid, str) and rid and rid not in app.resources:
        check.add("resource_id", "The selected resource_id is invalid.")
    if body.get("project_id") is not None and body.get("project_id") not in app.projects:
        check.add("project_id", "The selected project_id is invalid.")
    check.required_string("graph")
    if isinstance(body.get("graph"), str) and body["graph"]:
        check.one_of("graph", body["graph"], GRAPHS)
    times = {}
    for field in ("start", "end"):
        if body.get(field) in (None, ""):
            check.add(field, f"The {field} field is required.")
        elif parse_timestamp(body[field]) is None:
            check.add(field, f"The {field} is not a valid RFC3339 timestamp.")
        else:
            times[field] = parse_timestamp(body[field])
    if times.get("start") and times.get("end") and times["end"] <= times["start"]:
        check.add("end", "The end must be a date after start.")
    calendar_id = body.get("calendar_id")
    if calendar_id is not None and (calendar_id not in app.calendars
                                    or app.calendars[calendar_id]["resource_id"] != rid):
        check.add("calendar_id", "The selected calendar_id is invalid.")
    check.obj("meta")
    check.obj("customer")
    check.raise_if_any()
    settings = body.get("settings") if isinstance(body.get("settings"), dict) else {}
    if not settings.get("allow_double_bookings"):
        for start, end in busy_times(app, rid):
            if start < times["end"] and times["start"] < end:
                # assumed: timekit-api.md §12 (overlap with a confirmed booking -> 422 errors.start)
                raise ValidationFailed({"start": ["The resource is not available at this time."]})
    stamp = format_timestamp(now_utc())
    booking = {
        "id": new_id(),
        "graph": body["graph"],
        # assumed: timekit-api.md §12 (instant starts confirmed, every other graph tentative)
        "state": "confirmed" if body["graph"] == "instant" else "tentative",
        "completed": False,
        "resource_id": rid,
        "project_id": body.get("project_id"),
        "calendar_id": calendar_id or calendars.booking_target(app, rid),
        **{field: body.get(field) for field in _EVENT_FIELDS},
        "meta": body.get("meta"),
        "customer": body.get("customer"),
        "customer_id": new_id(),
        "participants": body.get("participants"),
        "created_at": stamp,
        "updated_at": stamp,
    }
    return app.put("bookings", booking)


def act(app: AppData, booking_id: str, action: str) -> None:
    booking = get(app, booking_id)
    target = _ACTIONS[booking["state"]].get(action)
    if target is None:
        # assumed: timekit-api.md §12 (unknown or not-allowed action -> 422 {"error": ...})
        raise action_refused(f"The action '{action}' is not possible on a {booking['state']} booking")
    app.put("bookings", dict(booking, state=target, updated_at=format_timestamp(now_utc())))


def render(app: AppData, booking: dict, include: set[str] = frozenset()) -> dict:
    # assumed: timekit-api.md §12 (booking object; attributes and customers includes, others ignored)
    out = {
        "id": booking["id"],
        "graph": booking["graph"],
        "state": booking["state"],
        "completed": booking["completed"],
        "possible_actions": list(_ACTIONS[booking["state"]]),
        "created_at": booking["created_at"],
        "updated_at": booking["updated_at"],
    }
    if "attributes" in include:
        out["attributes"] = {"event_info": {f: booking[f] for f in _EVENT_FIELDS}}
    if "customers" in include:
        customer = booking["customer"] or {}
        out["customers"] = [dict({"id": booking["customer_id"]}, **customer)] if customer else []
    return out
