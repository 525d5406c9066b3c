"""A live account as tkctl config: keys, object files and widget files. Pure: no I/O.

Keys are derived readably and stably (README, "Export"):
- an object tkctl tagged (`meta.tkctl_key`) keeps its tag as key;
- a resource: the local part of its e-mail address, else its name (`anna.jones@x` -> `anna-jones`);
- a project: its slug, else its name;
- a calendar: its resource's key and its name (`anna-jones-bookings`);
lower-cased, runs of other characters made `-`, at most 63 characters. When two objects of a
kind would share a key, the one created first keeps it and the others get `-2`, `-3`, ... in
creation order, so exporting an unchanged account twice gives the same keys.

Widget `ui`s go to `widgets/<key>.json`, named by `ui_file` relative to the project's file.

Each object keeps the fields tkctl manages that are set: values the server fills in by itself
(a `first_name` equal to the name, an empty `last_name`) and empty values are left out, so the
exported config reads like a hand-written one and plans no change against the account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Iterable

from tkctl.core.live import LiveObject, LiveState
from tkctl.core.match import tag_of
from tkctl.core.model import KINDS, SECTION_OF_KIND
from tkctl.core.normalize import MARKER, is_empty

MAX_KEY = 63
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_RESOURCE_FIELDS = ("name", "timezone", "email", "first_name", "last_name", "image", "tags", "meta",
                    "availability_constraints")
_CALENDAR_FIELDS = ("name", "description", "foregroundcolor", "backgroundcolor")
_PROJECT_FIELDS = ("name", "slug", "availability", "availability_constraints", "booking", "customer_fields",
                   "reminders", "meta")


@dataclass
class Exported:
    """The config of an account: object documents by section, widget `ui`s by project key,
    and which key each live id became."""

    documents: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {SECTION_OF_KIND[k]: {} for k in KINDS})
    widgets: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # live id -> (kind, key)

    def addresses(self) -> list[str]:
        return [f"{kind}.{key}" for kind, key in self.keys.values()]


def slug(text: Any, default: str) -> str:
    value = re.sub(r"[^a-z0-9]+", "-", str(text or "").lower()).strip("-")[:MAX_KEY].strip("-")
    return value or default


def _creation_order(objects: Iterable[LiveObject]) -> list[LiveObject]:
    """By creation time; objects made within one second keep the account's own listing order
    (its creation order) rather than an order of their random ids."""
    return sorted(objects, key=lambda o: str(o.fields.get("created_at") or ""))


def _wanted_key(obj: LiveObject, owner_key: str | None) -> str:
    tag = tag_of(obj)
    if tag and _KEY.match(tag):
        return tag
    if obj.kind == "resource":
        email = obj.fields.get("email")
        local = email.split("@", 1)[0] if isinstance(email, str) and "@" in email else None
        return slug(local or obj.fields.get("name"), "resource")
    if obj.kind == "project":
        return slug(obj.fields.get("slug") or obj.fields.get("name"), "project")
    return slug(f"{owner_key}-{obj.fields.get('name') or 'calendar'}", "calendar")


def _unique(wanted: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = wanted[:MAX_KEY - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


def _fields(obj: LiveObject, names: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for name in names:
        value = obj.fields.get(name)
        if name == "meta" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k != MARKER}
        if not is_empty(value):
            out[name] = value
    return out


def export_account(live: LiveState, only: list[str] | None = None, *, widgets_dir: str = "widgets") -> Exported:
    """The config of `live`; with `only` (address globs), just the matching objects.
    `widgets_dir` is the widget folder as the project files name it."""
    out = Exported()
    taken: dict[str, set[str]] = {k: set() for k in KINDS}
    key_of: dict[str, str] = {}
    for kind in KINDS:
        for obj in _creation_order(live.of_kind(kind)):
            owner = key_of.get(obj.fields.get("resource_id") or "") if kind == "calendar" else None
            if kind == "calendar" and owner is None:
                continue  # its resource is not in the account's listing: nothing to attach it to
            key = _unique(_wanted_key(obj, owner), taken[kind])
            taken[kind].add(key)
            key_of[obj.id] = key
            out.keys[obj.id] = (kind, key)
    for obj_id, (kind, key) in sorted(out.keys.items(), key=lambda item: item[1]):
        obj = live.get(kind, obj_id)
        assert obj is not None
        if kind == "resource":
            data = _fields(obj, _RESOURCE_FIELDS)
            if data.get("first_name") == data.get("name") and not data.get("last_name"):
                data.pop("first_name", None)  # what Timekit fills in by itself
                data.pop("last_name", None)
        elif kind == "calendar":
            data = {"resource": key_of[obj.fields["resource_id"]], **_fields(obj, _CALENDAR_FIELDS)}
            if obj.fields.get("primary"):
                data["primary"] = True
        else:
            data = _fields(obj, _PROJECT_FIELDS)
            members = [key_of[i] for i in obj.fields.get("resource_ids") or () if i in key_of]
            if members:
                data["resources"] = members  # the writer puts fields in their schema's order
            ui = obj.fields.get("ui")
            if isinstance(ui, dict) and ui:
                out.widgets[key] = ui
                data["ui_file"] = f"{widgets_dir}/{key}.json"
        out.documents[SECTION_OF_KIND[kind]][key] = data
    if only:
        keep = {a for a in out.addresses() if any(fnmatchcase(a, g) for g in only)}
        for kind in KINDS:
            section = out.documents[SECTION_OF_KIND[kind]]
            for key in [k for k in section if f"{kind}.{k}" not in keep]:
                del section[key]
        out.widgets = {k: ui for k, ui in out.widgets.items() if f"project.{k}" in keep}
        out.keys = {i: ak for i, ak in out.keys.items() if f"{ak[0]}.{ak[1]}" in keep}
    return out
