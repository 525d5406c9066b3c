"""Projects (§10): CRUD, slugs, the resource set, embed/hosted views, public shape."""

from __future__ import annotations

import re

from tkctl.emulator.availability import MODES
from tkctl.emulator.constraints import validate_constraints
from tkctl.emulator.errors import ValidationFailed, not_found
from tkctl.emulator.models import resources as resource_model
from tkctl.emulator.models.bookings import GRAPHS
from tkctl.emulator.store import AppData, new_id
from tkctl.emulator.validation import Checker, format_timestamp, now_utc

MODEL = "Project"
WIDGET_MODEL = "Widget"  # assumed: timekit-api.md §6 (model name on the embed/hosted endpoints)

# assumed: timekit-api.md §10.1 (searchable: id, name, slug)
SEARCHABLE = {field: (lambda f: lambda obj: obj.get(f))(field) for field in ("id", "name", "slug")}

_OBJECTS = ("availability", "booking", "customer_fields", "ui", "meta")
# assumed: timekit-api.md §10.2 (undocumented keys seen on real objects: stored and echoed when sent)
_EXTRAS = ("allow_conference", "allow_double_bookings", "enabled_email_notification", "latitude",
           "longitude", "distance", "reservation_time", "use_hours_from")
_FIELD_FORMATS = ("text", "email", "tel", "textarea", "select", "checkbox", "label")
_REMINDER_TYPES = ("email", "webhook")
_WEBHOOK_METHODS = ("post", "get")
_EMAIL_RECIPIENTS = ("owner", "customer")


def get(app: AppData, project_id: str, model: str = MODEL) -> dict:
    obj = app.projects.get(project_id)
    if obj is None:
        raise not_found(model)
    return obj


def by_slug(app: AppData, slug: str) -> dict:
    project_id = app.slugs.get(slug)
    if project_id is None:
        raise not_found(WIDGET_MODEL)
    return app.projects[project_id]


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "project"


def _free_slug(app: AppData, name: str) -> str:
    # assumed: timekit-api.md §10.2 (slug derived from name; -2, -3, ... when taken)
    base = slugify(name)
    slug, n = base, 1
    while slug in app.slugs:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_reminders(check: Checker, value: object) -> None:
    # assumed: timekit-api.md §10.6 (reminder shape)
    if value is None:
        return
    if not isinstance(value, list):
        check.add("reminders", "The reminders must be an array.")
        return
    for i, item in enumerate(value):
        key = f"reminders.{i}"
        if not isinstance(item, dict):
            check.add(key, f"The {key} must be an object.")
            continue
        if item.get("type") not in _REMINDER_TYPES:
            check.add(f"{key}.type", f"The selected {key}.type is invalid.")
        settings = item.get("settings")
        if settings is not None and not isinstance(settings, dict):
            check.add(f"{key}.settings", f"The {key}.settings must be an object.")
        elif item.get("type") == "webhook":
            _check_webhook_settings(check, f"{key}.settings", settings or {})
        elif item.get("type") == "email" and settings:
            _check_email_settings(check, f"{key}.settings", settings)
        _check_when(check, f"{key}.when", item.get("when"))


def _check_webhook_settings(check: Checker, key: str, settings: dict) -> None:
    # assumed: timekit-api.md §10.6 (webhook: url required; method post|get; expected_response_code an integer)
    url = settings.get("url")
    if url in (None, ""):
        check.add(f"{key}.url", f"The {key}.url field is required.")
    elif not isinstance(url, str):
        check.add(f"{key}.url", f"The {key}.url must be a string.")
    if settings.get("method") is not None and settings["method"] not in _WEBHOOK_METHODS:
        check.add(f"{key}.method", f"The selected {key}.method is invalid.")
    code = settings.get("expected_response_code")
    if code is not None and (not isinstance(code, int) or isinstance(code, bool) or not 100 <= code <= 599):
        check.add(f"{key}.expected_response_code",
                  f"The {key}.expected_response_code must be an HTTP status code (100-599).")


def _check_email_settings(check: Checker, key: str, settings: dict) -> None:
    # assumed: timekit-api.md §10.6 (email: recipient owner|customer, subject a string; both optional)
    if settings.get("recipient") is not None and settings["recipient"] not in _EMAIL_RECIPIENTS:
        check.add(f"{key}.recipient", f"The selected {key}.recipient is invalid.")
    if settings.get("subject") is not None and not isinstance(settings["subject"], str):
        check.add(f"{key}.subject", f"The {key}.subject must be a string.")


def _check_when(check: Checker, key: str, when: object) -> None:
    # `after` counts from the booking's start (§10.6); E sends no reminders, so only the shape matters.
    if not isinstance(when, dict):
        check.add(key, f"The {key} field is required.")
        return
    if when.get("type") not in ("before", "after"):
        check.add(f"{key}.type", f"The selected {key}.type is invalid.")
    if when.get("unit") not in ("secs", "mins", "hours"):
        check.add(f"{key}.unit", f"The selected {key}.unit is invalid.")
    if not isinstance(when.get("time"), int) or isinstance(when.get("time"), bool):
        check.add(f"{key}.time", f"The {key}.time must be an integer.")


def _check_customer_fields(check: Checker, value: object) -> None:
    # assumed: timekit-api.md §10.4 (attribute types checked, contents otherwise free)
    if not isinstance(value, dict):
        return
    for name, spec in value.items():
        key = f"customer_fields.{name}"
        if not isinstance(spec, dict):
            check.add(key, f"The {key} must be an object.")
            continue
        for attr in ("required", "readonly", "hidden", "split_name"):
            if attr in spec and not isinstance(spec[attr], bool):
                check.add(f"{key}.{attr}", f"The {key}.{attr} field must be true or false.")
        for attr in ("title", "type"):
            if attr in spec and not isinstance(spec[attr], str):
                check.add(f"{key}.{attr}", f"The {key}.{attr} must be a string.")
        if "prefilled" in spec and not (isinstance(spec["prefilled"], str) or spec["prefilled"] is False):
            check.add(f"{key}.prefilled", f"The {key}.prefilled must be a string or false.")
        if "format" in spec and spec["format"] not in _FIELD_FORMATS:
            check.add(f"{key}.format", f"The selected {key}.format is invalid.")
        enum = spec.get("enum")
        if enum is not None and not (isinstance(enum, list) and all(isinstance(e, str) for e in enum)):
            check.add(f"{key}.enum", f"The {key}.enum must be an array of strings.")


def _check(app: AppData, body: dict, *, creating: bool, project_id: str | None = None) -> list[str] | None:
    """Validate a create/update body; return the resolved resource ids when `resources` is sent."""
    check = Checker(body)
    check.required_string("name", required=creating)
    if body.get("slug") is not None:
        check.required_string("slug", required=False)
        slug = body["slug"]
        if isinstance(slug, str) and app.slugs.get(slug, project_id) != project_id:
            # assumed: timekit-api.md §10.2 (duplicate explicit slug -> 422 errors.slug)
            check.add("slug", "The slug has already been taken.")
    objects_ok = {field: check.obj(field) for field in _OBJECTS}
    if objects_ok["availability"] and isinstance(body.get("availability"), dict):
        # assumed: timekit-api.md §10.2 (availability.mode must be a §11 mode)
        check.one_of("availability.mode", body["availability"].get("mode"), MODES)
    if objects_ok["booking"] and isinstance(body.get("booking"), dict):
        # assumed: timekit-api.md §10.2 (booking.graph must be a §12 graph)
        check.one_of("booking.graph", body["booking"].get("graph"), GRAPHS)
    if objects_ok["customer_fields"]:
        _check_customer_fields(check, body.get("customer_fields"))
    if body.get("availability_constraints") is not None:
        check.merge(validate_constraints(body["availability_constraints"]))
    _check_reminders(check, body.get("reminders"))
    ids = None
    if body.get("resources") is not None:
        try:
            ids = resource_model.require_known(app, body["resources"], "resources")
        except ValidationFailed as exc:
            check.merge(exc.errors)
    check.raise_if_any()
    return ids


def create(app: AppData, body: dict) -> dict:
    # assumed: timekit-api.md §3 (free-form objects stored exactly as sent; no defaults injected)
    ids = _check(app, body, creating=True)
    stamp = format_timestamp(now_utc())
    project = {
        "id": new_id(),
        "name": body["name"],
        "slug": body.get("slug") or _free_slug(app, body["name"]),
        "resources": ids or [],
        "availability_constraints": body.get("availability_constraints"),
        "reminders": body.get("reminders"),
        **{field: body.get(field) for field in _OBJECTS},
        **{field: body[field] for field in _EXTRAS if field in body},
        "created_at": stamp,
        "updated_at": stamp,
    }
    return app.put("projects", project)


def update(app: AppData, project_id: str, body: dict) -> None:
    project = get(app, project_id)
    ids = _check(app, body, creating=False, project_id=project_id)
    updated = dict(project)
    for field in ("name", "availability_constraints", "reminders", *_OBJECTS, *_EXTRAS):
        if field in body:
            # assumed: timekit-api.md §3 (nested values replaced wholesale; null clears)
            updated[field] = body[field]
    if body.get("slug"):
        updated["slug"] = body["slug"]
    if "resources" in body:
        updated["resources"] = ids or []
    updated["updated_at"] = format_timestamp(now_utc())
    app.put("projects", updated)


def delete(app: AppData, project_id: str) -> None:
    get(app, project_id)
    app.remove("projects", project_id)


def _set_resources(app: AppData, project: dict, ids: list[str]) -> None:
    app.put("projects", dict(project, resources=ids, updated_at=format_timestamp(now_utc())))


def add_resource(app: AppData, project_id: str, body: dict) -> None:
    project = get(app, project_id)
    check = Checker(body)
    check.required_string("resource_id")
    rid = body.get("resource_id")
    if isinstance(rid, str) and rid and rid not in app.resources:
        # assumed: timekit-api.md §10.1 (unknown id in the POST body -> errors.resource_id)
        check.add("resource_id", "The selected resource_id is invalid.")
    check.raise_if_any()
    if rid not in project["resources"]:  # assumed: timekit-api.md §10.1 (adding twice is a no-op)
        _set_resources(app, project, [*project["resources"], rid])


def replace_resources(app: AppData, project_id: str, body: object) -> None:
    project = get(app, project_id)
    # assumed: timekit-api.md §10.1 (bare array; unknown ids -> errors.resources)
    _set_resources(app, project, resource_model.require_known(app, body, "resources"))


def remove_resource(app: AppData, project_id: str, resource_id: str) -> None:
    project = get(app, project_id)
    if resource_id not in project["resources"]:
        # assumed: timekit-api.md §10.1 (removing one not in the set -> 404 Resource)
        raise not_found(resource_model.MODEL)
    _set_resources(app, project, [r for r in project["resources"] if r != resource_id])


def render(app: AppData, project: dict, include: set[str] = frozenset()) -> dict:
    """The public shape; with `include=resources`, the members are `Encoded` (answers are
    written with encoding.dumps)."""
    out = {
        "id": project["id"],
        "name": project["name"],
        "slug": project["slug"],
        "availability": project["availability"],
        "availability_constraints": project["availability_constraints"],
        "booking": project["booking"],
        "reminders": project["reminders"],
        "customer_fields": project["customer_fields"],
        "ui": project["ui"],
        "meta": project["meta"],
        **{field: project[field] for field in _EXTRAS if field in project},
        "created_at": project["created_at"],
        "updated_at": project["updated_at"],
    }
    if "resources" in include:
        # assumed: timekit-api.md §5 (projects include=resources gives resource objects)
        out["resources"] = resource_model.encoded(
            app, [app.resources[r] for r in project["resources"] if r in app.resources])
    return out


def render_embed(app: AppData, project: dict) -> dict:
    """The widget view (realdata/project-embed-response.json): what booking.js needs.

    booking.js merges these objects into its defaults and reads keys inside them, so an unset one
    is `{}`, never `null` (lodash's merge copies a null over the default object)."""
    # assumed: timekit-api.md §10.1 (ui, booking, customer_fields are {} when unset)
    return {
        "id": project["id"],
        "slug": project["slug"],
        "name": project["name"],
        "app_key": app.widget_key,
        **{field: project[field] if isinstance(project[field], dict) else {}
           for field in ("ui", "booking", "customer_fields")},
    }
