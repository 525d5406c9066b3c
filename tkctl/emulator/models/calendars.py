"""Calendars (§9): the default one made with each resource, CRUD, public shape."""

from __future__ import annotations

from tkctl.emulator.errors import not_found
from tkctl.emulator.store import AppData, new_id
from tkctl.emulator.validation import Checker, format_timestamp, now_utc

MODEL = "Calendar"

# assumed: timekit-api.md §9 (searchable: resource_id, name, provider)
SEARCHABLE = {
    field: (lambda f: lambda obj: obj.get(f))(field) for field in ("resource_id", "name", "provider")
}

_COLOURS = ("foregroundcolor", "backgroundcolor")


def get(app: AppData, calendar_id: str) -> dict:
    obj = app.calendars.get(calendar_id)
    if obj is None:
        raise not_found(MODEL)
    return obj


def of_resource(app: AppData, resource_id: str) -> list[dict]:
    return [app.calendars[c] for c in app.resource_calendars.get(resource_id, ())]


def _new(resource_id: str, name: str, description: str, stamp: str, body: dict) -> dict:
    # assumed: timekit-api.md §9 (POST /calendars gets the default calendar's provider values)
    return {
        "id": new_id(),
        "resource_id": resource_id,
        "provider_id": None,
        "provider_access": "owner",
        "provider_primary": False,
        "provider_sync": False,
        "name": name,
        "description": description,
        "foregroundcolor": body.get("foregroundcolor"),
        "backgroundcolor": body.get("backgroundcolor"),
        "created_at": stamp,
        "updated_at": stamp,
        "provider": "timekit",
    }


def create_default(app: AppData, resource_id: str, stamp: str) -> dict:
    """The calendar Timekit creates with every resource (§8, realdata/calendar-default-object.json)."""
    return app.put("calendars", _new(
        resource_id, "Bookings", "Created by Timekit on resource creation", stamp, {}))


def _check_colours(check: Checker) -> None:
    for field in _COLOURS:
        check.optional_string(field)


def create(app: AppData, body: dict, resource_id: str | None = None) -> dict:
    """`resource_id` is passed by seeding, where calendars sit inside their resource."""
    owner = resource_id if resource_id is not None else body.get("resource_id")
    check = Checker(body)
    if resource_id is None:
        check.required_string("resource_id")
        if isinstance(owner, str) and owner and owner not in app.resources:
            # assumed: timekit-api.md §9 (unknown resource_id -> 422 errors.resource_id)
            check.add("resource_id", "The selected resource_id is invalid.")
    check.required_string("name")
    check.required_string("description")
    _check_colours(check)
    check.raise_if_any()
    calendar = _new(owner, body["name"], body["description"], format_timestamp(now_utc()), body)
    app.put("calendars", calendar)
    if body.get("primary") is True:
        _make_primary(app, calendar)
    return calendar


def _make_primary(app: AppData, calendar: dict) -> None:
    # assumed: timekit-api.md §9 (primary is stored as provider_primary and cleared on the others)
    for other in of_resource(app, calendar["resource_id"]):
        if other["id"] != calendar["id"] and other["provider_primary"]:
            app.put("calendars", dict(other, provider_primary=False))
    app.put("calendars", dict(calendar, provider_primary=True))


def update(app: AppData, calendar_id: str, body: dict) -> None:
    calendar = get(app, calendar_id)
    check = Checker(body)
    check.required_string("name", required=False)
    check.required_string("description", required=False)
    _check_colours(check)
    check.boolean("primary")
    check.boolean("provider_sync")
    check.raise_if_any()
    updated = dict(calendar)
    for field in ("name", "description", *_COLOURS):
        if field in body:
            updated[field] = body[field]
    if body.get("provider_sync") is not None:
        updated["provider_sync"] = body["provider_sync"]
    updated["updated_at"] = format_timestamp(now_utc())
    app.put("calendars", updated)
    if body.get("primary") is True:
        _make_primary(app, updated)
    elif body.get("primary") is False and updated["provider_primary"]:
        app.put("calendars", dict(updated, provider_primary=False))


def delete(app: AppData, calendar_id: str) -> None:
    get(app, calendar_id)
    # assumed: timekit-api.md §9 (deleting a resource's last calendar is allowed)
    app.remove("calendars", calendar_id)


def booking_target(app: AppData, resource_id: str) -> str | None:
    """The primary calendar, else the first (the default one) while none is primary (§8)."""
    # assumed: timekit-api.md §8 (default calendar is the booking target while none is primary)
    owned = of_resource(app, resource_id)
    for calendar in owned:
        if calendar["provider_primary"]:
            return calendar["id"]
    return owned[0]["id"] if owned else None


def render(calendar: dict) -> dict:
    # resource_id is write-only (§9); field order as realdata/calendar-default-object.json.
    out = dict(calendar)  # a copy less two keys: several times faster than filtering every key
    out.pop("resource_id", None)
    out.pop("_seq", None)
    return out
