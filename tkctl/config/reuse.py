"""What the config cache keeps of each file and object, so that an edit re-reads only what changed.

The config cache (`config/cache.py`) answers at once for an unchanged config. After an edit
(a handful of objects in files of thousands) it used to be no help: the whole config was read
again. With each entry it now also saves a `FileIndex` per file: the digest of the file's
text, and per object the digest of its block (`config/chunks.py`), the line of its key, its
place in the loaded state and the warnings it gave. The next load of the same folder reads a
file whose digest is unchanged from the entry, and of a changed file parses only the blocks
whose text changed; every other object, with its warnings, is the entry's, moved down or up by
the lines added or removed above it.

Why that is the same as reading the files. An object, its checks and its warnings depend on
its block's text, on the anchored values its aliases read (a block's digest covers both,
`config/blocks.py`; tags, which could change how a value reads, make `chunks.split_objects`
refuse the file) and on nothing else of the file, given the same tkctl, folder, working
directory and settings (the entry's header). An object is moved with its block only if every
position it carries is in that block (`self_contained`: not so for an object that is an
alias, or a warning about an aliased value); objects that read another file (`ui_file`) are
read again every time. Everything that looks across
objects or files (unique keys, references, slugs, e-mails, moves, tests) is checked again
over the whole config, and a load that finds any problem is done again from the files, so
errors are always exactly those of a full read. `tests/unit/config/test_reuse.py` compares
loads after random edits with full reads.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from tkctl.config.references import Entry
from tkctl.core.expect import AvailabilityTest
from tkctl.core.model import KIND_OF_SECTION, DesiredObject, DesiredState, FieldLocations
from tkctl.errors import Location, Problem


@dataclass(slots=True)
class ObjectRead:
    """One object of a file as the loader read it (or took it from the cache).

    `obj` is None for an object the chosen environment leaves out; `reusable` is False for
    one whose value depends on another file (a project's `ui_file`)."""

    section: str
    key: str
    line: int  # 0-based line of the object's key
    entry: Entry
    obj: DesiredObject | None
    warnings: list[Problem] = field(default_factory=list)  # (the loader shares one empty list)
    reusable: bool = True
    chunk: str | None = None  # digest of its block, when the file was split
    position: int = -1  # in the loaded state, in the order objects were added
    anchors: dict[str, str] | None = None  # anchors its block defines (`config/blocks.py`), once split

    def __reduce__(self) -> tuple:
        # Pickled as a call (a second process sends them, tens of thousands): a slotted
        # dataclass otherwise pickles a dict of its slots, which the unpickler keeps (its
        # memo) until the whole load is done: 11 MB at 20,000 resources.
        return (ObjectRead, (self.section, self.key, self.line, self.entry, self.obj, self.warnings, self.reusable,
                             self.chunk, self.position, self.anchors))


@dataclass(slots=True)
class ObjectIndex:
    """What the cache keeps of one object: enough to take it from the entry's state."""

    section: str
    key: str
    line: int
    chunk: str | None
    position: int  # in the entry's state, in the order objects were added; -1 when left out
    warnings: list[Problem]
    reusable: bool
    anchors: dict[str, str] | None

    def __reduce__(self) -> tuple:
        return (ObjectIndex, (self.section, self.key, self.line, self.chunk, self.position, self.warnings,
                              self.reusable, self.anchors))  # as ObjectRead's


@dataclass
class FileIndex:
    """What the cache keeps of one object file. `split`: its objects' blocks were found (and
    agree with YAML's parse), so a changed file re-reads only its changed blocks."""

    path: str
    digest: str
    split: bool
    objects: list[Any]  # ObjectIndex (ObjectRead while the loader fills it in)
    warnings: list[Problem]  # the file's warnings about no one object
    moves: list[tuple[str, str, Location]]
    tests: list[AvailabilityTest]
    # Values its aliases added when read (`yamlfile.ALIAS_ALLOWANCE`); after reuse, at least that.
    added: int = 0
    # Its text, while its blocks are not indexed yet: a file read whole on a first load is
    # split only once it has changed (`blocks.index_known`), so a first load pays nothing for it.
    text: str | None = None

    @property
    def reusable(self) -> bool:
        """Whether the file, if unchanged, can be taken whole from the entry."""
        return all(o.reusable for o in self.objects)


class Previous:
    """A cache entry of an earlier load of the folder: its objects (in the order they were
    added) and what each file gave, by path."""

    def __init__(self, result: tuple[Any, list[Problem]], index: list[FileIndex], zones: list[str]):
        self.objects: list[DesiredObject] = list(result[0].objects.values())
        self.files = {f.path: f for f in index}
        self.zones = zones


def object_index(read: ObjectRead) -> ObjectIndex:
    return ObjectIndex(read.section, read.key, read.line, read.chunk, read.position, read.warnings, read.reusable,
                       read.anchors)


class Reread(Exception):
    """The cache cannot answer for this load (a problem, or something it did not keep):
    the loader reads the whole config from its files."""


def reused(index: ObjectIndex, objects: list[DesiredObject], file: str, line: int) -> ObjectRead:
    """The object of `index` from the entry's state, its key now on `line` (0-based)."""
    lines = line - index.line
    obj = objects[index.position] if index.position >= 0 else None
    if obj is not None and lines:
        obj = moved_object(obj, file, lines)
    location = obj.location if obj is not None and obj.location is not None else Location(file, line + 1)
    entry = Entry(KIND_OF_SECTION[index.section], index.key, _entry_data(obj), location, unlocated)
    warnings = [moved_problem(p, file, lines) for p in index.warnings] if lines else index.warnings
    return ObjectRead(index.section, index.key, line, entry, obj, warnings, index.reusable, index.chunk,
                      anchors=index.anchors)


def self_contained(obj: DesiredObject | None, warnings: list[Problem], file: str, first: int, last: int) -> bool:
    """Whether every position an object and its warnings carry is in its own block, lines
    `first` to `last` (1-based): only then does moving the block move them all. An object that
    is an alias, or a warning about a value it aliases, points into another block: such objects
    are read again."""
    places: list[Location | None] = [p.location for p in warnings]
    if obj is not None:
        places.append(obj.location)
        spans = obj.field_locations.line_span(file) if isinstance(obj.field_locations, FieldLocations) else None
        if spans is None and len(obj.field_locations):
            return False
        if spans is not None and (spans[0] < first or spans[1] > last):
            return False
    return all(p is not None and p.file == file and first <= p.line <= last for p in places)


def moved_object(obj: DesiredObject, file: str, lines: int) -> DesiredObject:
    """`obj` with its positions in `file` moved `lines` lines down (what it derives is kept).
    Only a self-contained object is moved, and its field positions are packed (the loader's)."""
    assert isinstance(obj.field_locations, FieldLocations)
    return dataclasses.replace(obj, location=_moved(obj.location, file, lines),
                               field_locations=obj.field_locations.moved(file, lines))


@dataclass
class StateDelta:
    """A load that reused an entry, as the second process that did it sends it back to a
    process holding the same entry's state (`loader._reuse_apart`): far less to pickle and
    unpickle than the whole state.

    `layout` has one item per object, in the load's order: an int, the place of that very
    object in the entry's state; (place, file, lines), that object moved `lines` down in
    `file` (`moved_object`); or the object itself, read again."""

    layout: list[Any]
    moves: list[tuple[str, str]]
    tests: dict[str, AvailabilityTest]
    warnings: list[Problem]
    digest: str | None  # the config digest, worked out by the second process


def state_delta(previous: list[DesiredObject], state: DesiredState, warnings: list[Problem]) -> StateDelta:
    """`state` (loaded reusing the entry whose objects are `previous`) as a StateDelta."""
    place = {id(obj): i for i, obj in enumerate(previous)}
    by_key = {(obj.kind, obj.key): i for i, obj in enumerate(previous)}
    layout: list[Any] = []
    for obj in state.objects.values():
        i = place.get(id(obj))
        if i is None:
            i = by_key.get((obj.kind, obj.key))
            moved = None if i is None else _moved_from(previous[i], obj)
            layout.append(obj if moved is None else (i, *moved))
        else:
            layout.append(i)
    return StateDelta(layout, list(state.moves), dict(state.tests), list(warnings), state.digest)


def _moved_from(old: DesiredObject, new: DesiredObject) -> tuple[str, int] | None:
    """(file, lines) if `new` is exactly `moved_object(old, file, lines)`; else None."""
    if not (new.derived is old.derived and new.derived_untagged is old.derived_untagged
            and new.fields is old.fields and new.refs is old.refs
            and new.lifecycle is old.lifecycle and new.kind == old.kind and new.key == old.key
            and new.location is not None and old.location is not None
            and isinstance(new.field_locations, FieldLocations) and isinstance(old.field_locations, FieldLocations)):
        return None
    file, lines = new.location.file, new.location.line - old.location.line
    if not lines or _moved(old.location, file, lines) != new.location:
        return None
    if not old.field_locations.moved(file, lines).packed_like(new.field_locations):
        return None
    return file, lines


def from_delta(previous: DesiredState, delta: StateDelta) -> tuple[DesiredState, list[Problem]]:
    """The load `delta` describes, made from `previous`, the state of the entry it reused."""
    objects = list(previous.objects.values())
    state = DesiredState(moves=delta.moves, tests=delta.tests)
    into = state.objects
    for item in delta.layout:
        if type(item) is int:
            obj = objects[item]
        elif type(item) is tuple:
            obj = moved_object(objects[item[0]], item[1], item[2])
        else:
            obj = item
        into[(obj.kind, obj.key)] = obj
    state.digest = delta.digest
    return state, delta.warnings


def moved_problem(problem: Problem, file: str, lines: int) -> Problem:
    location = _moved(problem.location, file, lines)
    return problem if location is problem.location else dataclasses.replace(problem, location=location)


def _moved(location: Location | None, file: str, lines: int) -> Location | None:
    if location is None or location.file != file or not location.line:
        return location
    return Location(file, location.line + lines, location.column)


def _entry_data(obj: DesiredObject | None) -> dict[str, Any]:
    """What the checks across objects read of an object (`references.py`: its references,
    slug, e-mail, primary): its fields and references, as written."""
    return {} if obj is None else {**obj.fields, **obj.refs}


def unlocated(path: Any) -> Location:
    """An object taken from the cache (or read by a forked child) has no node tree to locate a
    problem in: a problem found across objects sends the load back to the files (`Reread`),
    where it has one."""
    raise Reread()
