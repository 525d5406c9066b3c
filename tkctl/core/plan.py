"""The plan and its parts, and the plan's one serialisable form (`Plan.data`). Pure.

A plan holds the changes a reviewer reads (field by field, each with its cause) and the
steps apply executes (`core/steps.py`), plus what a saved plan needs to be checked before it
is applied (`core/planfile.py`): the digest of the config, the state's lineage and serial,
and the fingerprint of every live object the steps touch or name. `core/build.py` makes one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple, Protocol

from tkctl.core import steps as step_rules
from tkctl.core.diff import FieldChange
from tkctl.core.digest import digests, quick_json, text_fingerprint
from tkctl.core.digest import fingerprint  # noqa: F401 (re-exported: benchmarks use it)
from tkctl.core.model import KINDS, DesiredObject, DesiredState
from tkctl.core.normalize import MARKER, canonical, ordered_fields
from tkctl.core.steps import Record, Step

FORMAT_VERSION = 4
# replace: Timekit cannot change a field in place, so a new object replaces the old one.
# forget: the object leaves the config with `on_remove: forget`; it stays live, unmanaged.
ACTIONS = ("create", "update", "replace", "move", "delete", "adopt", "forget")


@dataclass(frozen=True, slots=True)
class StateRecord:
    """What the plan needs from the state file for one object."""

    id: str
    fingerprint: str = ""
    fields: Mapping[str, str] | None = None  # per-field digests of what was last applied
    lifecycle: Mapping[str, Any] = field(default_factory=dict)  # protect / on_remove, as last applied


class Recorded(Protocol):
    """What the plan reads of the state for one object: a `StateRecord`, or the state file's
    entry itself (`planner.records`: a view, not a copy). No digests recorded is None in a
    `StateRecord` and may be empty in an entry: the plan reads both alike."""

    @property
    def id(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...

    @property
    def fields(self) -> Mapping[str, str] | None: ...

    @property
    def lifecycle(self) -> Mapping[str, Any]: ...


@dataclass
class Change:
    action: str  # create | update | delete | adopt
    kind: str
    key: str
    id: str | None
    cause: str = "config"  # config | drift | both
    fields: list[FieldChange] = field(default_factory=list)
    desired: DesiredObject | None = None
    steps: list[Step] = field(default_factory=list)
    reason: str | None = None  # why a replace or a forced update happens, in words
    kept: list[str] = field(default_factory=list)  # paths left as they are live (ignored, t_*)
    protected: bool = False  # lifecycle protect, from the config or (once removed) the state
    because: tuple[str, ...] = ()  # replaced objects that force this change (it moves with them)

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.key}"

    def data(self) -> dict[str, Any]:
        loc = self.desired.location if self.desired else None
        fields = self.fields
        out = {
            "action": self.action,
            "kind": self.kind,
            "key": self.key,
            "id": self.id,
            "cause": self.cause,
            "source": f"{loc.file}:{loc.line}" if loc else None,
            "fields": [f.data() for f in fields] if fields else [],  # none for most adopts
        }
        if self.reason:
            out["reason"] = self.reason
        if self.kept:
            out["kept"] = list(self.kept)
        if self.protected:
            out["protected"] = True
        return out


class LiveReads(MutableMapping[str, "str | None"]):
    """Address -> fingerprint of the live object as read (None: absent from the account).

    Most objects of a large account are unchanged and no step names them, so their
    fingerprint is never asked for: `defer` keeps how to compute it from what was read, and
    it is computed the first time anyone asks, from the same inputs, so the value is the one
    computing it at once would have given."""

    def __init__(self, values: Mapping[str, str | None] | None = None):
        self._values: dict[str, str | None] = dict(values or {})
        self._pending: dict[str, Callable[[], str | None]] = {}

    def defer(self, address: str, compute: Callable[[], str | None]) -> None:
        self._values.pop(address, None)
        self._pending[address] = compute

    def _settle(self, address: str) -> None:
        compute = self._pending.pop(address, None)
        if compute is not None:
            self._values[address] = compute()

    def __getitem__(self, address: str) -> str | None:
        self._settle(address)
        return self._values[address]

    def __setitem__(self, address: str, fp: str | None) -> None:
        self._pending.pop(address, None)
        self._values[address] = fp

    def __delitem__(self, address: str) -> None:
        if self._pending.pop(address, None) is None:
            del self._values[address]
        else:
            self._values.pop(address, None)

    def __contains__(self, address: object) -> bool:
        return address in self._values or address in self._pending

    def pick(self, addresses: list[str]) -> dict[str, str | None]:
        """{address: fingerprint, or None when absent or unknown} for `addresses`: a plan's
        `reads`, settling only the deferred ones it names."""
        for address in self._pending.keys() & addresses:
            self._settle(address)
        values = self._values
        return {a: values.get(a) for a in addresses}

    def get(self, address: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """`Mapping.get` without its `try`/`KeyError` round: a plan's data asks once per object."""
        if address in self._pending:
            self._settle(address)
        return self._values.get(address, default)

    def __iter__(self) -> Iterator[str]:
        for address in list(self._pending):
            self._settle(address)
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values) + len(self._pending)


@dataclass
class Plan:
    changes: list[Change]
    no_change: int = 0
    # Steps that touch only the state file: an unchanged object whose recorded fingerprint
    # is out of date, an entry whose object left both the config and the account.
    state_steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    target: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # address -> Timekit id, known at plan time
    live_fingerprints: LiveReads = field(default_factory=LiveReads)  # address -> fp, None = absent
    config_digest: str = ""
    state: dict[str, Any] = field(default_factory=dict)  # {"lineage", "serial"} of the state read
    managed: dict[str, int] = field(default_factory=dict)  # objects of each kind the state manages
    unmanaged: list[dict[str, Any]] = field(default_factory=list)  # live objects nothing manages
    scope: dict[str, Any] = field(default_factory=dict)  # {"targets", "excludes"} of a partial plan
    bookings: dict[str, int] = field(default_factory=dict)  # future bookings of deleted/replaced objects

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def steps(self) -> list[Step]:
        """Every step in execution order: by phase, each object's steps in their own order."""
        all_steps = [*self.state_steps, *(s for c in self.changes for s in c.steps)]
        return sorted(all_steps, key=lambda s: s.phase)  # stable: keeps each object's order

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for c in self.changes:
            counts[c.action] += 1
        counts["no_change"] = self.no_change
        return counts

    def touched(self, steps: list[Step] | None = None) -> list[str]:
        """Addresses the plan's steps (`steps`: `self.steps`, when the caller has them) act on
        or refer to."""
        out = step_rules.referenced(self.steps if steps is None else steps)
        out.update([f"{c.kind}.{c.key}" for c in self.changes])
        return sorted(out)

    def data(self, tkctl_version: str) -> dict[str, Any]:
        """The one serialisable form of the plan: the plan file, the JSON output, the
        renderers, the checksum and apply all use only this."""
        from tkctl.core.planfile import checksum  # planfile reads plan data; no cycle at import

        steps = self.steps  # sorted once: a plan without a state file has a step per object
        touched = self.touched(steps)
        ids = self.ids
        data = {
            "format_version": FORMAT_VERSION,
            "tkctl_version": tkctl_version,
            "checksum": "",
            "target": dict(self.target),
            "config": {"digest": self.config_digest},
            "state": dict(self.state),
            "summary": self.summary(),
            "has_changes": self.has_changes,
            "changes": [c.data() for c in self.changes],
            "steps": [s.data() for s in steps],
            "ids": {a: ids[a] for a in touched if a in ids},
            "reads": self.live_fingerprints.pick(touched),
            "managed": dict(self.managed),
            "unmanaged": list(self.unmanaged),
            "bookings": dict(self.bookings),
            "warnings": list(self.warnings),
            "problems": list(self.problems),
        }
        if self.scope:
            data["scope"] = dict(self.scope)
        data["checksum"] = checksum(data)
        return data


# The kinds whose objects carry tkctl's tag in `meta` (calendars have no `meta`).
TAGGED = ("resource", "project")


def desired_fields(obj: DesiredObject, *, tag: bool = True) -> dict[str, Any]:
    """The object's API fields with references as keys and (with `tag`) the tkctl tag in `meta`."""
    fields = dict(obj.fields)
    if obj.kind in TAGGED and tag:
        fields["meta"] = {**(fields.get("meta") or {}), MARKER: obj.key}
    if obj.kind == "calendar":
        fields["resource"] = obj.refs.get("resource")
    if obj.kind == "project":
        fields["resources"] = list(obj.refs.get("resources") or [])
    return fields


def desired_canonical(obj: DesiredObject, *, tag: bool = True) -> dict[str, Any]:
    return canonical(obj.kind, desired_fields(obj, tag=tag), compare_only=frozenset(obj.fields),
                     ordered=ordered_fields(obj.kind, obj.fields))


class FormKey(NamedTuple):
    """What tells a live object's canonical form equal to an object's desired one, so that
    the desired form need not be kept (`same_form`).

    `fingerprint` is the desired form's `read_fingerprint`, from orjson's text; `nulls` are
    its fields that are None, the text's only nulls. Equal texts of two forms mean equal
    values, but for one thing: orjson writes NaN and the infinities as null too, so a live
    value NaN where the config's is None would pass; a check of the `nulls` rules it out."""

    fingerprint: str
    nulls: tuple[str, ...]


class Derived(NamedTuple):
    """What every plan derives from one desired object (`desired_record`)."""

    key: FormKey | None  # None: its form is compared in full, every time
    record: Record


def desired_record(obj: DesiredObject, *, tag: bool = True) -> Derived:
    """The record of `desired_canonical(obj, tag=tag)` and its `FormKey`, worked out once per
    object.

    Both depend only on the object, which does not change once loaded; a plan asks for them
    for every object, and the config cache keeps them, so an unchanged config is not
    canonicalised and hashed again. The form itself is not kept: at 20,000 resources the
    forms of 52,000 objects held about 60 MB, and a plan needs one only for an object whose
    live form differs from it (`desired_canonical` works it out again)."""
    tag = tag or obj.kind not in TAGGED  # the same form either way for a kind that has no tag
    memo = obj.derived if tag else obj.derived_untagged
    if memo is None:
        canon = desired_canonical(obj, tag=tag)
        key = form_key(canon)
        memo = Derived(key, record_of(canon, obj.lifecycle, like=key.fingerprint if key else None))
        # The object is frozen for what it says; this memo of what follows from it is not.
        object.__setattr__(obj, "derived" if tag else "derived_untagged", memo)
    return memo


def forget_derived(obj: DesiredObject) -> None:
    """Drop what `desired_record` kept for `obj`, to be worked out again (after its fields
    were changed in place, which only tests do)."""
    object.__setattr__(obj, "derived", None)
    object.__setattr__(obj, "derived_untagged", None)


# What `desired_record` keeps is held by every object of a config and pickled with it into the
# config cache, where each distinct object is written (and later rebuilt) once: the parts most
# objects have alike are one object each, not one per object. At 20,000 resources that is 52,000
# fingerprint strings and empty dicts fewer (with the key tuples a dict of flavours had, about
# 13 MB by their sizes); a 5,000-resource cache entry went from 8.7 to 7.8 MB, its config
# unpickled in 0.118 s instead of 0.129 s.
# The lifecycle that most objects remember, none. Shared, so never changed in place (a Record's
# lifecycle is a read-only Mapping; `Record.data` and the state copy it).
_NOTHING_REMEMBERED: Mapping[str, Any] = {}


# One tuple per distinct set of None fields: 52,000 objects share a handful.
_NULLS: dict[tuple[str, ...], tuple[str, ...]] = {}


def form_key(canon: Mapping[str, Any]) -> FormKey | None:
    """The `FormKey` of a desired canonical form, or None when its text cannot stand for it:
    orjson refuses it (a key that is not a string, an integer past 64 bits), or it holds a
    null below its top level (or a field's text merely contains one), which `nulls` would
    not cover."""
    text = quick_json(canon)
    if text is None:
        return None
    nulls = tuple(name for name, value in canon.items() if value is None)
    if text.count(b"null") != len(nulls):
        return None
    return FormKey(text_fingerprint(text), _NULLS.setdefault(nulls, nulls))


def same_form(have: Mapping[str, Any], key: FormKey | None) -> tuple[bool, str | None]:
    """Whether the live canonical form `have` equals the desired form `key` stands for (as
    `field_changes` compares them: no change), and `have`'s `read_fingerprint` when it was
    worked out on the way. False means "compare in full", not "different".

    Both forms hold JSON's types only (`canonical` makes them from JSON and YAML values), for
    which one orjson text is one value: equal texts are equal forms, once no NaN or infinity
    stands where the desired form has None (both write null)."""
    if key is None:
        return False, None
    text = quick_json(have)
    if text is None:
        return False, None
    fp = text_fingerprint(text)
    return fp == key.fingerprint and all(have.get(name) is None for name in key.nulls), fp


def record_of(canon: Mapping[str, Any], lifecycle: Mapping[str, Any] | None = None, *,
              like: str | None = None) -> Record:
    """The Record of a canonical form. `like`: a fingerprint the caller keeps anyway (its
    `FormKey`'s, which is the same text but for floats), kept instead of an equal string."""
    fp, fields = digests(canon)
    return Record(like if like == fp else fp, fields, remembered_lifecycle(lifecycle) or _NOTHING_REMEMBERED)


def remembered_lifecycle(lifecycle: Mapping[str, Any] | None) -> dict[str, Any]:
    """The lifecycle settings the state keeps, so that they still hold once the object's
    block has left the config (its delete is when `protect` and `on_remove` matter)."""
    out: dict[str, Any] = {}
    if lifecycle and lifecycle.get("protect"):
        out["protect"] = True
    if lifecycle and lifecycle.get("on_remove") == "forget":
        out["on_remove"] = "forget"
    return out


def config_digest(desired: DesiredState) -> str:
    """A digest of everything the config says, after loading (ui files read in, keys as refs).

    Comments and layout do not count: a reformatted file does not make a saved plan stale.
    Only a plan of the same format version is compared with it, so it is hashed from the
    quicker encoding (`digest.read_fingerprint`): a sixth of the time at 5,000 resources.
    It is hashed an object at a time (`digest.items_fingerprint`: the same digest): as one
    text, the config's 14 MB (at 20,000 resources) were made just as a first plan starts,
    where its memory peaks."""
    from tkctl.core.digest import items_fingerprint, read_fingerprint

    if desired.digest is None:
        def parts() -> Iterator[list[Any]]:
            return ([o.kind, o.key, o.fields, o.refs, o.lifecycle] for o in desired)

        desired.digest = items_fingerprint(parts(), desired.moves) or read_fingerprint([list(parts()), desired.moves])
    return desired.digest


def execution_order(change: Change) -> tuple:
    """Writes in dependency order (resources, calendars, projects); deletes after, reversed."""
    rank = KINDS.index(change.kind)
    if change.action == "delete":
        return (1, -rank, change.key)
    return (0, rank, change.key)
