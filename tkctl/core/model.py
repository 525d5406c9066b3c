"""The desired state: what the user's YAML says should exist, in API terms, with no I/O.

`tkctl.config` builds a `DesiredState` from files; the diff compares it with live objects.
Objects are identified by (kind, key): the key is the stable name the user chose in YAML,
never a Timekit id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from tkctl.core.expect import AvailabilityTest
from tkctl.errors import Location

# Dependency order: a calendar needs its resource, a project needs its resources.
KINDS: tuple[str, ...] = ("resource", "calendar", "project")

# Where each kind lives in YAML and in the API.
SECTION_OF_KIND = {"resource": "resources", "calendar": "calendars", "project": "projects"}
KIND_OF_SECTION = {v: k for k, v in SECTION_OF_KIND.items()}


@dataclass(frozen=True, slots=True)
class DesiredObject:
    """One object from the config.

    `fields` holds API field names and the values the user wrote (a project's `ui_file` is
    already read into `ui`); references to other objects are kept apart in `refs` because
    they name keys, which only become Timekit ids at apply time:
      calendar: {"resource": "<resource key>"}
      project:  {"resources": ["<resource key>", ...]}   (only when the user wrote `resources`)
    """

    kind: str
    key: str
    fields: dict[str, Any]
    refs: dict[str, Any] = field(default_factory=dict)
    location: Location | None = None
    field_locations: dict[str, Location] = field(default_factory=dict)
    # tkctl-only settings, never sent to the API: {"protect": bool, "ignore_fields": [paths],
    # "on_remove": "delete" | "forget"}
    lifecycle: dict[str, Any] = field(default_factory=dict)
    # What the plan derives from the object alone, worked out once (`core/plan.py`
    # `desired_record`) and kept with it, in the config cache too. Never compared or shown.
    derived: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.key}"


@dataclass
class DesiredState:
    objects: dict[tuple[str, str], DesiredObject] = field(default_factory=dict)
    # `moved:` entries, (old address, new address): a renamed key keeps its live object.
    moves: list[tuple[str, str]] = field(default_factory=list)
    # Availability tests (`tests:`) by name: run by `tkctl test`, never part of a plan.
    tests: dict[str, AvailabilityTest] = field(default_factory=dict)
    # Keys of each kind in key order, sorted once: a plan walks the objects kind by kind
    # several times, and sorting tens of thousands of objects on each walk adds up. Objects
    # join through `add`, which drops it; the count guards against a direct write.
    _order: dict[str, list[tuple[str, str]]] | None = field(default=None, repr=False, compare=False)
    _order_len: int = field(default=-1, repr=False, compare=False)
    # `core/plan.py` `config_digest`, worked out once; `add` drops it.
    digest: str | None = field(default=None, repr=False, compare=False)

    def add(self, obj: DesiredObject) -> None:
        self.objects[(obj.kind, obj.key)] = obj
        self._order = None
        self.digest = None

    def get(self, kind: str, key: str) -> DesiredObject | None:
        return self.objects.get((kind, key))

    def of_kind(self, kind: str) -> list[DesiredObject]:
        """The objects of one kind, in key order."""
        if self._order is None or self._order_len != len(self.objects):
            order: dict[str, list[tuple[str, str]]] = {}
            for ident in sorted(self.objects):
                order.setdefault(ident[0], []).append(ident)
            self._order, self._order_len = order, len(self.objects)
        objects = self.objects
        return [objects[ident] for ident in self._order.get(kind, ())]

    def __iter__(self) -> Iterator[DesiredObject]:
        for kind in KINDS:
            yield from self.of_kind(kind)

    def __len__(self) -> int:
        return len(self.objects)
