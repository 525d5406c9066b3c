"""The desired state: what the user's YAML says should exist, in API terms, with no I/O.

`tkctl.config` builds a `DesiredState` from files; the diff compares it with live objects.
Objects are identified by (kind, key): the key is the stable name the user chose in YAML,
never a Timekit id.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Iterator

from tkctl.core.expect import AvailabilityTest
from tkctl.errors import Location

# Dependency order: a calendar needs its resource, a project needs its resources.
KINDS: tuple[str, ...] = ("resource", "calendar", "project")

# Where each kind lives in YAML and in the API.
SECTION_OF_KIND = {"resource": "resources", "calendar": "calendars", "project": "projects"}
KIND_OF_SECTION = {v: k for k, v in SECTION_OF_KIND.items()}


class FieldLocations(Mapping[str, Location]):
    """Where each field of one object is written, packed: a read-only mapping of field name to
    Location that keeps one file name, one shared tuple of names and two numbers per field.

    A config of 20,000 resources has some 400,000 fields; a dict of Location objects held
    their positions in 35 MB (and the config cache wrote each one out), packed they take 8."""

    __slots__ = ("_files", "_names", "_positions")
    _shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per set of field names (or files)

    def __init__(self, locations: Mapping[str, Location] | None = None):
        locations = locations or {}
        names = tuple(locations)
        places = list(locations.values())
        files = tuple({loc.file: None for loc in places})
        self._names = self._shared.setdefault(names, names)
        self._files = self._shared.setdefault(files, files)
        if len(files) == 1:  # the usual case: every field in the object's own file
            self._positions = array("i", [n for loc in places for n in (0, loc.line, loc.column)])
        else:
            self._positions = array("i", [n for loc in places for n in (files.index(loc.file), loc.line, loc.column)])

    @classmethod
    def from_marks(cls, file: str, marks: list[tuple[str, Any]]) -> "FieldLocations":
        """From (field name, YAML mark) pairs of one file: 0-based marks, 1-based positions."""
        out = cls.__new__(cls)
        names = tuple(name for name, _ in marks)
        out._names = cls._shared.setdefault(names, names)
        out._files = cls._shared.setdefault((file,), (file,))
        out._positions = array("i", [n for _, mark in marks for n in (0, mark.line + 1, mark.column + 1)])
        return out

    def with_location(self, name: str, location: Location) -> "FieldLocations":
        """A copy with `name` placed at `location` (added last if it was not there)."""
        return FieldLocations({**dict(self.items()), name: location})

    def moved(self, file: str, lines: int) -> "FieldLocations":
        """A copy with the positions in `file` moved `lines` lines down (lines were added above
        the object; the config cache reuses what an unchanged block gave, `config/reuse.py`)."""
        if not lines or file not in self._files:
            return self
        out = FieldLocations.__new__(FieldLocations)
        out._names, out._files = self._names, self._files
        target = self._files.index(file)
        positions = self._positions.tolist()
        for i in range(0, len(positions), 3):
            if positions[i] == target:
                positions[i + 1] += lines
        out._positions = array("i", positions)
        return out

    def packed_like(self, other: "FieldLocations") -> bool:
        """The same names, in the same order, at the same places: `==` without making a
        Location per field (and, unlike `==`, order counts)."""
        return (self._files, self._names, self._positions) == (other._files, other._names, other._positions)

    def line_span(self, file: str) -> tuple[int, int] | None:
        """(first, last) line of the fields, when all are in `file`; else None."""
        if self._files != (file,) or not self._names:
            return None
        lines = self._positions[1::3]
        return min(lines), max(lines)

    def __getitem__(self, name: str) -> Location:
        try:
            i = self._names.index(name) * 3
        except ValueError:
            raise KeyError(name) from None
        p = self._positions
        return Location(self._files[p[i]], p[i + 1], p[i + 2])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"FieldLocations({dict(self.items())!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_packed_locations, (self._files, self._names, self._positions.tobytes()))


def _packed_locations(files: tuple[str, ...], names: tuple[str, ...], positions: bytes) -> FieldLocations:
    """A FieldLocations from its packed parts (how pickle, and so the config cache, stores one)."""
    out = FieldLocations.__new__(FieldLocations)
    shared = FieldLocations._shared
    out._files, out._names = shared.setdefault(files, files), shared.setdefault(names, names)
    out._positions = array("i")
    out._positions.frombytes(positions)
    return out


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
    field_locations: Mapping[str, Location] = field(default_factory=FieldLocations)
    # tkctl-only settings, never sent to the API: {"protect": bool, "ignore_fields": [paths],
    # "on_remove": "delete" | "forget"}
    lifecycle: dict[str, Any] = field(default_factory=dict)
    # What the plan derives from the object alone, worked out once (`core/plan.py`
    # `desired_record`: of its form with the tag, and without it for an untagged live object
    # to adopt) and kept with it, in the config cache too. Never compared or shown. Two
    # attributes rather than a dict of flavours: a dict per object was 11.6 MB at 20,000
    # resources.
    derived: Any = field(default=None, repr=False, compare=False)
    derived_untagged: Any = field(default=None, repr=False, compare=False)

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.key}"

    def __reduce__(self) -> tuple:
        # Pickled as a call, as `Location` is: a dataclass otherwise pickles a dict of its
        # attributes, which the unpickler keeps (its memo) until the whole load is done.
        return (DesiredObject, (self.kind, self.key, self.fields, self.refs, self.location, self.field_locations,
                                self.lifecycle, self.derived, self.derived_untagged))


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
