"""Desired state + live state + state file -> a Plan. Pure: no I/O, no clock.

A plan holds the changes a reviewer reads (field by field, each with its cause) and the
steps apply executes (`core/steps.py`), plus what a saved plan needs to be checked before it
is applied (`core/planfile.py`): the digest of the config, the state's lineage and serial,
and the fingerprint of every live object the steps touch or name.

Causes. The state records, per object, a digest of each field tkctl last applied. A field
that differs is then `drift` when the config still holds what was applied (someone changed
the account), `config` when the account still holds it (the YAML changed), and `both` when
neither does. An object deleted outside tkctl is recreated with cause `drift`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from tkctl.core import steps as step_rules
from tkctl.core.diff import FieldChange, field_changes
from tkctl.core.digest import field_digest, field_digests, fingerprint
from tkctl.core.live import LiveObject, LiveState
from tkctl.core.match import Matcher
from tkctl.core.model import KINDS, DesiredObject, DesiredState
from tkctl.core.normalize import MARKER, canonical, is_empty, ordered_fields
from tkctl.core.steps import Record, Step

FORMAT_VERSION = 2
ACTIONS = ("create", "update", "delete", "adopt")


@dataclass(frozen=True)
class StateRecord:
    """What the plan needs from the state file for one object."""

    id: str
    fingerprint: str = ""
    fields: Mapping[str, str] | None = None  # per-field digests of what was last applied


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

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.key}"

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
    # Steps that touch only the state file: an unchanged object whose recorded fingerprint
    # is out of date, an entry whose object left both the config and the account.
    state_steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    target: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # address -> Timekit id, known at plan time
    live_fingerprints: dict[str, str | None] = field(default_factory=dict)  # address -> fp, None = absent
    config_digest: str = ""
    state: dict[str, Any] = field(default_factory=dict)  # {"lineage", "serial"} of the state read

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

    def touched(self) -> list[str]:
        """Addresses the plan's steps act on or refer to."""
        out = step_rules.referenced(self.steps)
        out.update(c.address for c in self.changes)
        return sorted(out)

    def data(self, tkctl_version: str) -> dict[str, Any]:
        """The one serialisable form of the plan: the plan file, the JSON output, the
        renderers, the checksum and apply all use only this."""
        from tkctl.core.planfile import checksum  # planfile reads plan data; no cycle at import

        touched = self.touched()
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
            "steps": [s.data() for s in self.steps],
            "ids": {a: self.ids[a] for a in touched if a in self.ids},
            "reads": {a: self.live_fingerprints.get(a) for a in touched},
            "warnings": list(self.warnings),
            "problems": list(self.problems),
        }
        data["checksum"] = checksum(data)
        return data


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
    return canonical(obj.kind, desired_fields(obj), compare_only=frozenset(obj.fields),
                     ordered=ordered_fields(obj.kind, obj.fields))


def record_of(canon: Mapping[str, Any]) -> Record:
    return Record(fingerprint(canon), field_digests(canon))


def config_digest(desired: DesiredState) -> str:
    """A digest of everything the config says, after loading (ui files read in, keys as refs).

    Comments and layout do not count: a reformatted file does not make a saved plan stale."""
    from tkctl.core.digest import sha256

    return sha256([[o.kind, o.key, o.fields, o.refs] for o in desired])


def _problems(obj: DesiredObject, live: LiveObject, changes: list[FieldChange]) -> list[str]:
    """Changes Timekit cannot make in place: they block the plan rather than fail mid-apply."""
    out = []
    if obj.kind == "calendar" and any(c.path == "resource" for c in changes):
        out.append(
            f'calendar "{obj.key}": cannot move to resource "{obj.refs.get("resource")}": Timekit cannot '
            "change which resource a calendar belongs to. Give the calendar a new key to create it on "
            "the new resource (the old one is then deleted)."
        )
    if obj.kind == "resource" and any(c.path == "email" for c in changes):
        want, have = obj.fields.get("email"), live.fields.get("email")
        if want and have:
            out.append(
                f'resource "{obj.key}": e-mail cannot change from {have} to {want}: Timekit cannot change '
                "a resource's e-mail address. To replace the resource (a new Timekit resource; its "
                f"bookings stay with the old one), give it a new key; to keep it, set the e-mail back to {have}."
            )
    return out


def _with_causes(changes: list[FieldChange], rec: StateRecord | None, have: Mapping[str, Any],
                 want: Mapping[str, Any], want_fp: str) -> list[FieldChange]:
    """Who moved each differing field since tkctl last applied the object (see module doc)."""
    if rec is None:
        return changes
    if rec.fields is None:  # a state written before per-field digests: the object as a whole
        cause = "drift" if rec.fingerprint == want_fp else "config"
        return [replace(c, cause=cause) for c in changes]
    out = []
    for change in changes:
        applied = rec.fields.get(change.top)
        if field_digest(want.get(change.top)) == applied:
            cause = "drift"
        elif field_digest(have.get(change.top)) == applied:
            cause = "config"
        else:
            cause = "both"
        out.append(replace(change, cause=cause))
    return out


def object_cause(fields: list[FieldChange]) -> str:
    causes = {f.cause for f in fields}
    if not causes or causes == {"config"}:
        return "config"
    if causes == {"drift"}:
        return "drift"
    return "both"


def build_plan(
    desired: DesiredState,
    live: LiveState,
    state: Mapping[tuple[str, str], StateRecord],
    *,
    target: Mapping[str, Any] | None = None,
    state_info: Mapping[str, Any] | None = None,
) -> Plan:
    """Compare config, account and state; return every change and step in execution order."""
    plan = Plan(changes=[], target=dict(target or {}), state=dict(state_info or {}),
                config_digest=config_digest(desired))
    matcher = Matcher(live, {k: rec.id for k, rec in state.items() if rec.id})
    defaults: set[str] = set()  # resources this plan creates whose default calendar is untaken
    for kind in KINDS:
        for obj in desired.of_kind(kind):
            _plan_object(plan, matcher, obj, state.get((kind, obj.key)), defaults)
    _plan_deletes(plan, desired, live, state, matcher)
    _check_tags(plan, matcher)
    plan.changes.sort(key=execution_order)
    return plan


def _plan_object(plan: Plan, matcher: Matcher, obj: DesiredObject, rec: StateRecord | None,
                 defaults: set[str]) -> None:
    want = desired_canonical(obj)
    want_fp = fingerprint(want)
    record = record_of(want)
    tracked = matcher.live.get(obj.kind, rec.id if rec else None)
    live_obj = tracked if tracked is not None else matcher.untracked(obj)
    if live_obj is None:
        plan.live_fingerprints[f"{obj.kind}.{obj.key}"] = None
        # A state entry whose object vanished means someone deleted it outside tkctl.
        cause = "drift" if rec else "config"
        fields = [FieldChange(n, None, v, cause) for n, v in want.items() if v is not None]
        takeover = obj.kind == "calendar" and _takes_default_calendar(obj, defaults)
        if takeover:
            defaults.discard(obj.refs["resource"])
        if obj.kind == "resource":
            defaults.add(obj.key)
        steps = step_rules.create_steps(obj, record, takeover=takeover)
        plan.changes.append(Change("create", obj.kind, obj.key, None, cause, fields, obj, steps))
        return
    address = f"{obj.kind}.{obj.key}"
    matcher.bind(obj.kind, obj.key, live_obj.id)
    plan.ids[address] = live_obj.id
    have = matcher.live_canonical(live_obj, frozenset(obj.fields), ordered_fields(obj.kind, obj.fields))
    plan.live_fingerprints[address] = fingerprint(have)
    changes = field_changes(have, want)
    plan.problems.extend(_problems(obj, live_obj, changes))
    if tracked is None:
        steps = step_rules.update_steps(obj, _top_fields(changes), record, adopt=True)
        plan.changes.append(Change("adopt", obj.kind, obj.key, live_obj.id, "config", changes, obj, steps))
    elif changes:
        changes = _with_causes(changes, rec, have, want, want_fp)
        steps = step_rules.update_steps(obj, _top_fields(changes), record)
        plan.changes.append(Change("update", obj.kind, obj.key, live_obj.id, object_cause(changes), changes, obj, steps))
    else:
        plan.no_change += 1
        if rec is None or rec.fingerprint != want_fp or rec.fields != record.fields:
            plan.state_steps.append(step_rules.record_step(obj.kind, obj.key, record))


def _takes_default_calendar(obj: DesiredObject, defaults: set[str]) -> bool:
    """The first config calendar named like Timekit's default, on a resource this plan
    creates, takes that calendar over (calendars are planned in key order)."""
    return obj.fields.get("name") == step_rules.DEFAULT_CALENDAR_NAME and obj.refs.get("resource") in defaults


def _top_fields(changes: list[FieldChange]) -> list[str]:
    """Top-level field names to send: nested values are replaced wholesale."""
    return list(dict.fromkeys(c.top for c in changes))


def _plan_deletes(
    plan: Plan,
    desired: DesiredState,
    live: LiveState,
    state: Mapping[tuple[str, str], StateRecord],
    matcher: Matcher,
) -> None:
    doomed: list[tuple[str, str, LiveObject]] = []
    for (kind, key), rec in sorted(state.items()):
        if desired.get(kind, key) is not None:
            continue
        obj = live.get(kind, rec.id)
        if obj is None:
            plan.state_steps.append(step_rules.forget_step(kind, key))
            continue
        # Bind every doomed object first so a deleted project names its members by key.
        matcher.bind(kind, key, obj.id)
        plan.ids[f"{kind}.{key}"] = obj.id
        doomed.append((kind, key, obj))
    for kind, key, obj in doomed:
        have = matcher.live_canonical(obj, None, ordered_fields(kind, obj.fields))
        plan.live_fingerprints[f"{kind}.{key}"] = fingerprint(have)
        fields = [FieldChange(n, v, None) for n, v in have.items() if not is_empty(v)]
        plan.changes.append(Change("delete", kind, key, obj.id, "config", fields, None,
                                   step_rules.delete_steps(kind, key)))


def _check_tags(plan: Plan, matcher: Matcher) -> None:
    """Two live objects carrying one key's tag mean a create was sent twice: applying would
    manage one and leave its twin, so the plan refuses until a person removes one."""
    for kind in ("resource", "project"):
        for key, bound in sorted(matcher.id_of[kind].items()):
            twins = [o.id for o in matcher.tagged(kind, key)
                     if o.id != bound and matcher.key_of[kind].get(o.id) in (None, key)]
            if twins:
                ids = ", ".join([bound, *twins])
                plan.problems.append(
                    f'{kind} "{key}": {1 + len(twins)} live objects carry its tag (ids {ids}); tkctl manages '
                    f"{bound}. Delete the duplicate by hand (the one without bookings) and plan again."
                )


def execution_order(change: Change) -> tuple:
    """Writes in dependency order (resources, calendars, projects); deletes after, reversed."""
    rank = KINDS.index(change.kind)
    if change.action == "delete":
        return (1, -rank, change.key)
    return (0, rank, change.key)
