"""Resources (§8): create with a default calendar, partial update, delete, public shape."""

from __future__ import annotations

import secrets
from typing import Iterable

from tkctl.emulator.constraints import validate_constraints
from tkctl.emulator.encoding import Encoded
from tkctl.emulator.errors import ValidationFailed, not_found
from tkctl.emulator.models import calendars
from tkctl.emulator.store import AppData, new_id
from tkctl.emulator.validation import Checker, format_timestamp, now_utc

MODEL = "Resource"
_STRINGS = ("first_name", "last_name", "password", "image")

# assumed: timekit-api.md §8 (searchable fields)
SEARCHABLE = {
    field: (lambda f: lambda obj: obj.get(f))(field)
    for field in ("id", "name", "email", "first_name", "last_name", "timezone", "tags")
}


def get(app: AppData, resource_id: str) -> dict:
    obj = app.resources.get(resource_id)
    if obj is None:
        raise not_found(MODEL)
    return obj


def _check_common(check: Checker) -> None:
    for field in _STRINGS:
        check.optional_string(field)
    check.string_array("tags")
    check.obj("meta")
    if check.body.get("availability_constraints") is not None:
        check.merge(validate_constraints(check.body["availability_constraints"]))


def create(app: AppData, body: dict) -> dict:
    check = Checker(body)
    check.required_string("name")
    check.timezone("timezone")
    if check.email("email") and isinstance(body.get("email"), str):
        if body["email"].lower() in app.emails:
            check.add("email", "Email already exists")
    _check_common(check)
    check.raise_if_any()
    stamp = format_timestamp(now_utc())
    name = body["name"]
    resource = {
        "id": new_id(),
        "name": name,
        # The docs' create response copies name into first_name and leaves last_name "".
        "first_name": body.get("first_name", name),
        "last_name": body.get("last_name", "" if "first_name" not in body else None),
        "email": body.get("email"),
        "timezone": body["timezone"],
        "image": body.get("image"),
        "tags": body.get("tags"),
        "meta": body.get("meta"),
        "availability_constraints": body.get("availability_constraints"),
        # assumed: timekit-api.md §3 (E includes api_token in every resource object)
        "api_token": secrets.token_urlsafe(24),
        "password": body.get("password") or secrets.token_urlsafe(12),
        "created_at": stamp,
        "updated_at": stamp,
    }
    app.put("resources", resource)
    calendars.create_default(app, resource["id"], stamp)
    return resource


def update(app: AppData, resource_id: str, body: dict) -> None:
    resource = get(app, resource_id)
    check = Checker(body)
    check.required_string("name", required=False)
    check.timezone("timezone", required=False)
    if "email" in body and body["email"] != resource.get("email"):
        # assumed: timekit-api.md §8 (changing email -> 422; sending the current value is accepted)
        if check.email("email"):
            check.add("email", "Email cannot be changed")
    _check_common(check)
    check.raise_if_any()
    updated = dict(resource)
    for field in ("name", "timezone", "first_name", "last_name", "image", "tags", "meta",
                  "availability_constraints", "password"):
        if field in body:
            # assumed: timekit-api.md §3 (nested values replaced wholesale; null clears)
            updated[field] = body[field]
    updated["updated_at"] = format_timestamp(now_utc())
    app.put("resources", updated)


def delete(app: AppData, resource_id: str) -> None:
    get(app, resource_id)
    # assumed: timekit-api.md §8 (delete removes calendars and drops it from every project)
    for calendar in [c for c in app.calendars.values() if c["resource_id"] == resource_id]:
        app.remove("calendars", calendar["id"])
    for project in list(app.projects.values()):
        if resource_id in project["resources"]:
            changed = dict(project)
            changed["resources"] = [r for r in project["resources"] if r != resource_id]
            app.put("projects", changed)
    app.remove("resources", resource_id)


def require_known(app: AppData, ids: object, field: str) -> list[str]:
    """The ids as a de-duplicated list; 422 on `field` when any is unknown or not a string."""
    if not isinstance(ids, list):
        raise ValidationFailed({field: [f"The {field} must be an array."]})
    if not all(isinstance(i, str) and i in app.resources for i in ids):
        raise ValidationFailed({field: [f"The selected {field} is invalid."]})
    return list(dict.fromkeys(ids))


def render(app: AppData, resource: dict, include: set[str] = frozenset()) -> dict:
    # assumed: timekit-api.md §3 (every field emitted, null when never set; password never returned)
    # Field order follows the docs' create response (realdata/resource-create-response.json).
    out = {
        "id": resource["id"],
        "first_name": resource["first_name"],
        "last_name": resource["last_name"],
        "name": resource["name"],
        "email": resource["email"],
        "timezone": resource["timezone"],
        "image": resource["image"],
        "tags": resource["tags"],
        "meta": resource["meta"],
        "api_token": resource["api_token"],
        "created_at": resource["created_at"],
        "updated_at": resource["updated_at"],
    }
    if "availability_constraints" in include:
        out["availability_constraints"] = resource["availability_constraints"] or []
    if "calendars" in include:
        out["calendars"] = [calendars.render(c) for c in calendars.of_resource(app, resource["id"])]
    return out


def encoded(app: AppData, resources: Iterable[dict]) -> list[Encoded]:
    """Each resource's `render` (no includes), serialised once and kept until it changes.

    A project read with `include=resources` embeds every member whole, so a resource is
    rendered in each project it belongs to (5 times on average in the scale benchmark), on every
    read. `AppData.put` and `remove` forget a resource's entry when it changes; an entry also
    holds the very object it was made from, and serves no other."""
    cache = app.encoded_resources
    out = []
    for resource in resources:
        entry = cache.get(resource["id"])
        if entry is None or entry[0] is not resource:
            entry = cache[resource["id"]] = (resource, Encoded(render(app, resource)))
        out.append(entry[1])
    return out
