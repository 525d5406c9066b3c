"""Desired state + live state + state file -> a Plan. Pure: no I/O, no clock.

Matching a config object to a live object, in order:
1. the id recorded in the state file, if that object still exists;
2. otherwise an untracked live object tagged with the key (`meta.tkctl_key`, written in the
   create request itself), so an object created by an apply that died before saving state is
   adopted, never created twice;
3. otherwise a natural key (timekit-api.md §15): a resource's `email`, a project's `slug`, a
   calendar's owner and `name`. This is how tkctl adopts objects made by hand, including the
   "Bookings" calendar Timekit creates with every resource.
Live objects that nothing matches and that the state does not know are left alone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from tkctl.core.diff import FieldChange, field_changes
from tkctl.core.live import LiveObject, LiveState
from tkctl.core.model import KINDS, DesiredObject, DesiredState
from tkctl.core.normalize import MARKER, canonical, is_empty

FORMAT_VERSION = 1


@dataclass(frozen=True)
class StateRecord:
    """What the plan needs from the state file for one object."""

    id: str
    fingerprint: str = ""


@dataclass
class Change:
    action: str  # create | update | delete | adopt
    kind: str
    key: str
    id: str | None
    cause: str = "config"  # config | drift
    fields: list[FieldChange] = field(default_factory=list)
    desired: DesiredObject | None = None
    fingerprint: str = ""

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.key}"

    @property
    def changed_top_fields(self) -> list[str]:
        """Top-level field names to send: nested values are replaced wholesale (§3)."""
        return list(dict.fromkeys(f.path.split(".", 1)[0] for f in self.fields))

    def data(self) -> dict[str, Any]:
        loc = self.desired.location if self.desired else None
        return {
            "action": self.action,
            "kind": self.kind,
            "key": self.key,
            "id": self.id,
            "cause": self.cause,
            "source": f"{loc.file}:{loc.line}" if loc else None,
            "fields": [f.data() for f in self.fields],
        }


@dataclass
class Plan:
    changes: list[Change]
    no_change: int = 0
    # Objects whose live form already matches but whose recorded fingerprint is stale, and
    # state entries whose objects are gone from both config and account: apply fixes the
    # state file for these without any API call.
    refresh: list[tuple[str, str, str, str]] = field(default_factory=list)
    stale: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    target: dict[str, Any] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "delete": 0, "adopt": 0}
        for c in self.changes:
            counts[c.action] += 1
        counts["no_change"] = self.no_change
        return counts

    def data(self, tkctl_version: str) -> dict[str, Any]:
        """The one serialisable form of the plan: JSON output and renderers use only this."""
        return {
            "format_version": FORMAT_VERSION,
            "tkctl_version": tkctl_version,
            "target": dict(self.target),
            "summary": self.summary(),
            "has_changes": self.has_changes,
            "changes": [c.data() for c in self.changes],
            "warnings": list(self.warnings),
            "problems": list(self.problems),
        }


def fingerprint(canon: Mapping[str, Any]) -> str:
    blob = json.dumps(canon, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


def desired_fields(obj: DesiredObject) -> dict[str, Any]:
    """The object's API fields with references as keys and the tkctl tag in `meta`."""
    fields = dict(obj.fields)
    if obj.kind in ("resource", "project"):
        fields["meta"] = {**(fields.get("meta") or {}), MARKER: obj.key}
    if obj.kind == "calendar":
        fields["resource"] = obj.refs.get("resource")
    if obj.kind == "project":
        fields["resources"] = list(obj.refs.get("resources") or [])
    return fields


def desired_canonical(obj: DesiredObject) -> dict[str, Any]:
    return canonical(obj.kind, desired_fields(obj), compare_only=frozenset(obj.fields))


class _Matcher:
    """Pairs config objects with live objects, kind by kind, and remembers id <-> key."""

    def __init__(self, live: LiveState, state: Mapping[tuple[str, str], StateRecord]):
        self.live = live
        self.state = state
        self.key_of: dict[str, dict[str, str]] = {k: {} for k in KINDS}
        self.id_of: dict[str, dict[str, str]] = {k: {} for k in KINDS}
        # Ids the state file already binds to a key are never adopted by another key.
        self.claimed = {rec.id for rec in state.values() if rec.id}

    def bind(self, kind: str, key: str, id_: str) -> None:
        self.key_of[kind][id_] = key
        self.id_of[kind][key] = id_
        self.claimed.add(id_)

    def resource_key(self, id_: str | None) -> str | None:
        if id_ is None:
            return None
        return self.key_of["resource"].get(id_, f"<unmanaged {id_}>")

    def live_canonical(self, obj: LiveObject, compare_only: frozenset[str] | None) -> dict[str, Any]:
        fields = dict(obj.fields)
        if obj.kind == "calendar":
            fields["resource"] = self.resource_key(fields.get("resource_id"))
        if obj.kind == "project":
            fields["resources"] = [self.resource_key(i) for i in fields.get("resource_ids") or []]
        return canonical(obj.kind, fields, compare_only=compare_only)

    def untracked(self, obj: DesiredObject) -> LiveObject | None:
        candidates = [o for o in self.live.of_kind(obj.kind) if o.id not in self.claimed]
        if obj.kind in ("resource", "project"):
            for o in candidates:
                meta = o.fields.get("meta")
                if isinstance(meta, Mapping) and meta.get(MARKER) == obj.key:
                    return o
            natural = "email" if obj.kind == "resource" else "slug"
            want = obj.fields.get(natural)
            if not want:
                return None
            for o in candidates:
                meta = o.fields.get("meta")
                tagged_other = isinstance(meta, Mapping) and meta.get(MARKER) not in (None, obj.key)
                have = o.fields.get(natural)
                if not tagged_other and isinstance(have, str) and have.lower() == str(want).lower():
                    return o
            return None
        # calendar: same owner and name
        owner = self.id_of["resource"].get(obj.refs.get("resource", ""))
        if owner is None:
            return None
        for o in candidates:
            if o.fields.get("resource_id") == owner and o.fields.get("name") == obj.fields.get("name"):
                return o
        return None


def _problems(obj: DesiredObject, live: LiveObject, changes: list[FieldChange]) -> list[str]:
    """Changes Timekit cannot make in place: they block the plan rather than fail mid-apply."""
    out = []
    if obj.kind == "calendar" and any(c.path == "resource" for c in changes):
        # `resource_id` is create-only (§9).
        out.append(
            f'calendar "{obj.key}": cannot move to resource "{obj.refs.get("resource")}": '
            "Timekit cannot change a calendar's resource (timekit-api.md §9). Give the "
            "calendar a new key to create it on the new resource."
        )
    if obj.kind == "resource":
        want, have = obj.fields.get("email"), live.fields.get("email")
        if want and have and str(want).lower() != str(have).lower():
            out.append(
                f'resource "{obj.key}": email cannot change from {have} to {want}: Timekit keeps a '
                "resource's email (timekit-api.md §16.16). To replace the resource (losing its "
                "bookings), give it a new key."
            )
    return out


def build_plan(
    desired: DesiredState,
    live: LiveState,
    state: Mapping[tuple[str, str], StateRecord],
    *,
    target: Mapping[str, Any] | None = None,
) -> Plan:
    """Compare config, account and state; return every change in execution order."""
    plan = Plan(changes=[], target=dict(target or {}))
    matcher = _Matcher(live, state)
    for kind in KINDS:
        for obj in desired.of_kind(kind):
            _plan_object(plan, matcher, obj)
    _plan_deletes(plan, desired, live, state, matcher)
    plan.changes.sort(key=execution_order)
    return plan


def _plan_object(plan: Plan, matcher: _Matcher, obj: DesiredObject) -> None:
    want = desired_canonical(obj)
    fp = fingerprint(want)
    rec = matcher.state.get((obj.kind, obj.key))
    tracked = matcher.live.get(obj.kind, rec.id if rec else None)
    if tracked is not None:
        live_obj, action = tracked, "update"
    else:
        live_obj = matcher.untracked(obj)
        action = "adopt" if live_obj is not None else "create"
    if live_obj is None:
        # A state entry whose object vanished means someone deleted it outside tkctl.
        cause = "drift" if rec else "config"
        fields = [FieldChange(n, None, v) for n, v in want.items() if v is not None]
        plan.changes.append(Change("create", obj.kind, obj.key, None, cause, fields, obj, fp))
        return
    matcher.bind(obj.kind, obj.key, live_obj.id)
    have = matcher.live_canonical(live_obj, frozenset(obj.fields))
    changes = field_changes(have, want)
    plan.problems.extend(_problems(obj, live_obj, changes))
    if action == "adopt":
        plan.changes.append(Change("adopt", obj.kind, obj.key, live_obj.id, "config", changes, obj, fp))
    elif changes:
        cause = "drift" if rec and rec.fingerprint == fp else "config"
        plan.changes.append(Change("update", obj.kind, obj.key, live_obj.id, cause, changes, obj, fp))
    else:
        plan.no_change += 1
        if rec is None or rec.fingerprint != fp:
            plan.refresh.append((obj.kind, obj.key, live_obj.id, fp))


def _plan_deletes(
    plan: Plan,
    desired: DesiredState,
    live: LiveState,
    state: Mapping[tuple[str, str], StateRecord],
    matcher: _Matcher,
) -> None:
    doomed: list[tuple[str, str, LiveObject]] = []
    for (kind, key), rec in sorted(state.items()):
        if desired.get(kind, key) is not None:
            continue
        obj = live.get(kind, rec.id)
        if obj is None:
            plan.stale.append((kind, key))
            continue
        # Bind every doomed object first so a deleted project names its members by key.
        matcher.bind(kind, key, obj.id)
        doomed.append((kind, key, obj))
    for kind, key, obj in doomed:
        have = matcher.live_canonical(obj, None)
        fields = [FieldChange(n, v, None) for n, v in have.items() if not is_empty(v)]
        plan.changes.append(Change("delete", kind, key, obj.id, "config", fields))


def execution_order(change: Change) -> tuple:
    """Writes in dependency order (resources, calendars, projects); deletes after, reversed."""
    rank = KINDS.index(change.kind)
    if change.action == "delete":
        return (1, -rank, change.key)
    return (0, rank, change.key)
