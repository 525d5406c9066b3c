"""Bookings (§12): create, state actions, reschedule, group classes, the busy times availability
subtracts, public shape."""

from __future__ import annotations

from datetime import datetime

from tkctl.emulator.errors import ValidationFailed, action_refused, not_found
from tkctl.emulator.models import calendars, groups
from tkctl.emulator.store import AppData, new_id
from tkctl.emulator.validation import Checker, format_timestamp, now_utc, parse_timestamp

MODEL = "Booking"
# assumed: timekit-api.md §12 (all seven graphs accepted, on bookings and in a project's booking.graph)
GRAPHS = ("instant", "instant_payment", "confirm_decline", "group_owner", "group_customer",
          "group_customer_payment", "reservation")
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


def busy_times(app: AppData, resource_id: str, exclude: str | None = None) -> list[tuple[datetime, datetime]]:
    """Confirmed bookings only block time (§11, §12); `exclude` leaves out a booking being moved."""
    return [(parse_timestamp(b["start"]), parse_timestamp(b["end"]))
            for b in app.bookings.values()
            if b["resource_id"] == resource_id and b["state"] == "confirmed" and b["id"] != exclude]


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


def _times(check: Checker) -> dict[str, datetime]:
    """`start` and `end` of a body: required RFC3339 timestamps, `end` after `start`."""
    times = {}
    for field in ("start", "end"):
        value = check.body.get(field)
        if value in (None, ""):
            check.add(field, f"The {field} field is required.")
        elif parse_timestamp(value) is None:
            check.add(field, f"The {field} is not a valid RFC3339 timestamp.")
        else:
            times[field] = parse_timestamp(value)
    if times.get("start") and times.get("end") and times["end"] <= times["start"]:
        check.add("end", "The end must be a date after start.")
    return times


def _known_resource(app: AppData, check: Checker) -> None:
    check.required_string("resource_id")
    rid = check.body.get("resource_id")
    if isinstance(rid, str) and rid and rid not in app.resources:
        check.add("resource_id", "The selected resource_id is invalid.")


def _refuse_overlap(app: AppData, resource_id: str, times: dict[str, datetime], settings: dict,
                    exclude: str | None = None) -> None:
    if settings.get("allow_double_bookings"):
        return
    for start, end in busy_times(app, resource_id, exclude):
        if start < times["end"] and times["start"] < end:
            # assumed: timekit-api.md §12 (overlap with a confirmed booking -> 422 errors.start)
            raise ValidationFailed({"start": ["The resource is not available at this time."]})


def create(app: AppData, raw: dict) -> dict:
    body = _merged_body(app, raw)
    check = Checker(body)
    owner = None
    if body.get("graph") in groups.SEAT_GRAPHS:
        owner = groups.owner_of_seat(app, check, body.get("related"))
        if owner is not None:
            # A seat happens when its class does: what the body leaves out comes from the class.
            # assumed: timekit-api.md §12 (a seat booking defaults resource and event fields to its class)
            for field in ("resource_id", *_EVENT_FIELDS):
                if body.get(field) in (None, ""):
                    body[field] = owner[field]
    _known_resource(app, check)
    project_id = body.get("project_id")
    if project_id is not None and not (isinstance(project_id, str) and project_id in app.projects):
        check.add("project_id", "The selected project_id is invalid.")
    check.required_string("graph")
    if isinstance(body.get("graph"), str) and body["graph"]:
        check.one_of("graph", body["graph"], GRAPHS)
    times = _times(check)
    rid = body.get("resource_id")
    calendar_id = body.get("calendar_id")
    if calendar_id is not None and not (isinstance(calendar_id, str) and calendar_id in app.calendars
                                        and app.calendars[calendar_id]["resource_id"] == rid):
        check.add("calendar_id", "The selected calendar_id is invalid.")
    check.obj("meta")
    check.obj("customer")
    if check.obj("settings") and body.get("graph") == groups.OWNER:
        groups.check_max_seats(check, body.get("settings") or {})
    check.raise_if_any()
    settings = body.get("settings") or {}
    if owner is None:  # seats share their class's time: only whole bookings can overlap
        _refuse_overlap(app, rid, times, settings)
    stamp = format_timestamp(now_utc())
    booking = {
        "id": new_id(),
        "graph": body["graph"],
        # assumed: timekit-api.md §12 (instant starts confirmed, every other graph tentative)
        "state": "confirmed" if body["graph"] == "instant" else "tentative",
        "completed": False,
        "resource_id": rid,
        "project_id": project_id,
        "calendar_id": calendar_id or calendars.booking_target(app, rid),
        **{field: body.get(field) for field in _EVENT_FIELDS},
        "meta": body.get("meta"),
        "customer": body.get("customer"),
        "customer_id": new_id(),
        "participants": body.get("participants"),
        "settings": settings,
        "owner_booking_id": owner["id"] if owner else None,
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


def reschedule(app: AppData, booking_id: str, body: dict) -> dict:
    """Move a booking to a new time (and resource), keeping its id and state: what booking.js's
    reschedule page posts (`start`, `end`, `resource_id`, `message`)."""
    # assumed: timekit-api.md §12 (reschedule moves the booking in place; only tentative or
    # confirmed bookings move; `message` is accepted and not stored: E sends no e-mail)
    booking = get(app, booking_id)
    if booking["state"] not in ("tentative", "confirmed"):
        raise action_refused(f"The action 'reschedule' is not possible on a {booking['state']} booking")
    body = {"resource_id": booking["resource_id"],
            **{k: v for k, v in body.items() if not (k == "resource_id" and v is None)}}
    check = Checker(body)
    _known_resource(app, check)
    times = _times(check)
    check.optional_string("message")
    check.obj("settings")
    check.raise_if_any()
    rid = body["resource_id"]
    if not booking.get("owner_booking_id"):
        _refuse_overlap(app, rid, times, body.get("settings") or {}, exclude=booking_id)
    moved = dict(booking, resource_id=rid, start=body["start"], end=body["end"],
                 updated_at=format_timestamp(now_utc()))
    if rid != booking["resource_id"]:
        moved["calendar_id"] = calendars.booking_target(app, rid)
    return app.put("bookings", moved)


def open_classes(app: AppData) -> list[dict]:
    """The classes booking.js offers seats in (`GET /bookings/groups`), in creation order."""
    return [b for b in app.bookings.values() if groups.is_open_class(b)]


def get_class(app: AppData, booking_id: str) -> dict:
    booking = get(app, booking_id)
    if booking["graph"] != groups.OWNER:
        raise not_found(MODEL)  # assumed: timekit-api.md §12 (only group_owner bookings are groups)
    return booking


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
        if booking["graph"] == groups.OWNER:
            out["attributes"]["group_booking"] = groups.seat_counts(app, booking)
    if "customers" in include:
        customer = booking["customer"] or {}
        out["customers"] = [dict({"id": booking["customer_id"]}, **customer)] if customer else []
    return out


def render_class(app: AppData, booking: dict, include: set[str] = frozenset()) -> dict:
    """A class as `GET /bookings/groups` lists it: with its attributes (booking.js reads
    `attributes.event_info`) and its resource (booking.js books the seat on `resource.id`)."""
    # assumed: timekit-api.md §12 (group listing shape, after booking.js's groupSlots fixture)
    out = render(app, booking, include | {"attributes"})
    resource = app.resources.get(booking["resource_id"])
    out["resource"] = {"id": booking["resource_id"], "name": resource["name"] if resource else None}
    return out
