"""The live account as the diff sees it: plain objects built from API payloads, no I/O.

The HTTP side lists resources with `include=calendars,availability_constraints` and projects
with `include=resources` (timekit-api.md §16.7) and hands the raw payloads to
`LiveState.from_payloads`, which keeps what the diff needs and drops secrets (§3, §16.15).
The client has checked the shapes this relies on (`tkctl/timekit/envelope.py`): every item
and calendar is an object with a string id, project members are objects with ids or ids.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from collections.abc import Iterable, Mapping
from typing import Any

from tkctl.core.sharing import SharedValues
from tkctl.secrets import is_secret_field


@dataclass(frozen=True, slots=True)  # slots: 50,000 of them at 20,000 resources
class LiveObject:
    """One live object. Calendars carry `resource_id` (their owner, from the include);
    projects carry `resource_ids`; calendars carry `primary` read from `provider_primary`."""

    kind: str
    id: str
    fields: dict[str, Any]


@dataclass
class LiveState:
    by_kind: dict[str, dict[str, LiveObject]] = field(
        default_factory=lambda: {"resource": {}, "calendar": {}, "project": {}}
    )

    def get(self, kind: str, id_: str | None) -> LiveObject | None:
        return self.by_kind[kind].get(id_) if id_ else None

    def of_kind(self, kind: str) -> Iterable[LiveObject]:
        return self.by_kind[kind].values()

    def count(self) -> int:
        return sum(len(v) for v in self.by_kind.values())

    @classmethod
    def from_payloads(
        cls, resources: Iterable[Mapping[str, Any]], projects: Iterable[Mapping[str, Any]]
    ) -> "LiveState":
        return cls.from_objects(map(resource_objects, resources), map(project_object, projects))

    @classmethod
    def from_objects(cls, resources: Iterable[tuple[LiveObject, list[LiveObject]]],
                     projects: Iterable[LiveObject]) -> "LiveState":
        """From `resource_objects` and `project_object` of each listed item, in list order."""
        state = cls()
        listed = state.by_kind["resource"]
        for resource, calendars in resources:
            listed[resource.id] = resource
            for cal in calendars:
                state.by_kind["calendar"][cal.id] = cal
        for project in projects:
            # Each member id is an equal string of its own, from the project page: the listed
            # resource's id is kept instead, one string per id (54,000 fewer at 20,000 resources).
            members = project.fields.get("resource_ids")
            if members:
                project.fields["resource_ids"] = [
                    listed[m].id if isinstance(m, str) and m in listed else m for m in members]
            state.by_kind["project"][project.id] = project
        return state


def resource_objects(raw: Mapping[str, Any], shared: SharedValues | None = None
                     ) -> tuple[LiveObject, list[LiveObject]]:
    """A resource listed with its calendars: the resource and its calendars, secrets dropped.

    The reader calls this on each item as its page arrives, so only what the diff needs is
    kept, never the pages; with `shared`, values equal to one an earlier object has are that
    object's (`core/sharing.py`)."""
    id_ = raw["id"]
    calendars = []
    for cal in raw.get("calendars") or []:
        cfields = _kept_fields(cal, None, shared, "calendar")
        cfields["resource_id"] = id_
        cfields["primary"] = bool(cal.get("provider_primary"))
        calendars.append(LiveObject("calendar", cal["id"], cfields))
    return LiveObject("resource", id_, _kept_fields(raw, "calendars", shared, "resource")), calendars


def project_object(raw: Mapping[str, Any], shared: SharedValues | None = None) -> LiveObject:
    """A project listed with its resources: their ids are all the diff uses of them."""
    fields = _kept_fields(raw, "resources", shared, "project")
    members = raw.get("resources") or []
    fields["resource_ids"] = [m["id"] if isinstance(m, Mapping) else m for m in members]
    return LiveObject("project", raw["id"], fields)


def _kept_fields(raw: Mapping[str, Any], nested: str | None, values: SharedValues | None,
                 kind: str) -> dict[str, Any]:
    """The fields of a `kind` API object but its secrets and its `nested` include, in their
    order, values shared with the kind's other objects if `values` is given.

    The field names are the ones of the first object of the same shape: a page decoded item
    by item (`tkctl/timekit/pages.py`) gives each item its own copies of the names, and
    50,000 live objects would otherwise keep half a million of them."""
    names = tuple(raw)
    # An object of many fields is not one of a listing's shared shapes: not cached.
    shared, left_out = _shape(names, nested) if len(names) <= 100 else _shape.__wrapped__(names, nested)
    fields = dict(zip(shared, raw.values(), strict=True))
    for name in left_out:
        del fields[name]
    return fields if values is None else values.share(kind, fields)


@functools.lru_cache(maxsize=1024)
def _shape(names: tuple[str, ...], nested: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An object's field names as first seen, and those `_kept_fields` drops. Cached by the
    whole list: the objects of a listing share theirs, so 20,000 resources cost a few lookups,
    not a secret test per field of each (issue 12)."""
    return names, tuple(name for name in names if name == nested or is_secret_field(name))
