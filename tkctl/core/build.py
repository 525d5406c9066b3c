"""Desired state + live state + state file -> a Plan. Pure: no I/O, no clock.

For each config object: match it to a live object (`core/match.py`), compare canonical forms,
attribute each difference to the config or to drift (`core/causes.py`), and turn the change
into steps (`core/steps.py`). Then the objects the state manages that left the config are
deleted (or forgotten, with `lifecycle.on_remove: forget`), and the live objects nothing
manages are counted (`core/removed.py`). Safety rules are not applied here: `core/safety.py`
judges the finished plan, so a refused plan can still be shown in full.

Fields left as they are live (`ignore_fields`, unnamed `meta.t_*` keys: `core/ignore.py`)
are copied into the desired object before it is compared, so they neither show nor get sent.

Replacement. Timekit cannot change a resource's e-mail address, nor move a calendar to another
resource. Such a change is planned as a replacement: create the new object, point the projects
and calendars that depend on it at the new one, then delete the old. Its bookings stay with the
old object, which is why `core/safety.py` refuses a replacement unless it is allowed.
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any, Callable, Mapping

from tkctl.core import steps as step_rules
from tkctl.core.causes import object_cause, with_causes
from tkctl.core.diff import FieldChange, field_changes
from tkctl.core.digest import fingerprint, read_fingerprint
from tkctl.core.ignore import keep_live, kept_meta_paths
from tkctl.core.live import LiveObject, LiveState
from tkctl.core.match import Matcher, live_form, live_refs, tag_of
from tkctl.core.model import KINDS, DesiredObject, DesiredState
from tkctl.core.normalize import ordered_fields
from tkctl.core.plan import (Change, Plan, Recorded, config_digest, desired_canonical, desired_record,
                             execution_order, same_form)
from tkctl.core.removed import check_tags, plan_removed, remembered, unmanaged


class PlanContext:
    """What planning one object needs from the others: the live objects and their bindings
    (`Matcher`), the state as moved, and what earlier objects decided (replaced resources,
    default calendars taken over). `core/apart.py` makes one of its own."""

    def __init__(self, live: LiveState, state: Mapping[tuple[str, str], Recorded],
                 ignore: Mapping[str, list[str]]):
        self.matcher = Matcher(live, (rec.id for rec in state.values() if rec.id))
        self.state = state
        self.ignore = ignore
        self.defaults: set[str] = set()  # resources created here whose default calendar is untaken
        self.replaced: set[str] = set()  # resource keys replaced here
        self._sets: dict[frozenset[str], frozenset[str]] = {}
        self.resource_keys: Mapping[str, str] = {}  # {id: key} of the resources once planned

    def shared(self, names: frozenset[str]) -> frozenset[str]:
        """One instance of each set of field names: tens of thousands of objects share a few."""
        return self._sets.setdefault(names, names)


def build_plan(
    desired: DesiredState,
    live: LiveState,
    state: Mapping[tuple[str, str], Recorded],
    *,
    target: Mapping[str, Any] | None = None,
    state_info: Mapping[str, Any] | None = None,
    ignore: Mapping[str, list[str]] | None = None,
    unchanged: Callable[[], bytes | None] | None = None,
    start: int = 0,
) -> Plan:
    """Compare config, account and state; return every change and step in execution order.

    `ignore` lists, per kind, paths left as they are live for every object of that kind
    (settings and environments); objects add their own with `lifecycle.ignore_fields`.

    `unchanged` (with `start`): the verdicts of `core/apart.py` on the objects from number
    `start` on (in the order planned), worked out meanwhile by a second process; asked for
    when the plan reaches that object (None: plan every object here)."""
    plan = Plan(changes=[], target=dict(target or {}), state=dict(state_info or {}),
                config_digest=config_digest(desired))
    state, moved = apply_moves(plan, desired, state)
    ctx = PlanContext(live, state, ignore or {})
    managed = Counter(kind for kind, _ in state)
    index = 0
    verdicts: bytes | None = None
    resources_checked = False
    for kind in KINDS:
        plan.managed[kind] = managed[kind]
        for obj in desired.of_kind(kind):
            if index == start and unchanged is not None:
                verdicts = unchanged()
                if verdicts is not None and len(verdicts) != len(desired) - start:
                    verdicts = None
            if verdicts is not None and kind != "resource" and not resources_checked:
                # The resources are planned: their bindings hold until `plan_removed`.
                resources_checked = True
                ctx.resource_keys = dict(ctx.matcher.key_of["resource"])
                if not _resources_as_assumed(ctx, desired, live, state):
                    verdicts = None  # a resource bound otherwise than apart.py assumed: its verdicts may not hold
            rec = state.get((kind, obj.key))
            if verdicts is not None and index >= start and verdicts[index - start]:
                _plan_unchanged(plan, ctx, obj, rec)  # type: ignore[arg-type]
            else:
                _plan_object(plan, ctx, obj, rec, moved.get(f"{kind}.{obj.key}") if moved else None)
            index += 1
    plan_removed(plan, desired, live, ctx.matcher, ctx.state)
    check_tags(plan, ctx.matcher)
    plan.unmanaged = unmanaged(live, ctx.matcher)
    plan.changes.sort(key=execution_order)
    return plan


def apply_moves(plan: Plan, desired: DesiredState, state: Mapping[tuple[str, str], Recorded]
                ) -> tuple[Mapping[tuple[str, str], Recorded], dict[str, str]]:
    """The state as if each `moved:` rename had happened: the new key takes the old key's
    record. Returns it and {new address: old address} for the renames still to make.

    With no `moved:` in the config, the state is returned as it is: a copy of its 52,000
    records (at 20,000 resources) was made at the plan's busiest moment for nothing."""
    if not desired.moves:
        return state, {}
    out = dict(state)
    moved: dict[str, str] = {}
    for old, new in desired.moves:
        old_key, new_key = tuple(old.split(".", 1)), tuple(new.split(".", 1))
        if old_key not in out:
            continue  # already renamed, or never applied: nothing to carry over
        if new_key in out:
            plan.problems.append(f"moved: {old} -> {new}, but the state has both; forget one with tkctl state rm")
            continue
        out[new_key] = out.pop(old_key)
        moved[new] = old
    return out, moved


def _ignored_paths(ctx: PlanContext, obj: DesiredObject, live_obj: LiveObject) -> list[str]:
    named = [*ctx.ignore.get(obj.kind, ()), *(obj.lifecycle.get("ignore_fields") or ())]
    kept = kept_meta_paths(obj.fields.get("meta"), live_obj.fields.get("meta"))
    if not named:
        return kept  # one path per meta key: nothing to deduplicate
    return list(dict.fromkeys(named + kept))


def _effective(obj: DesiredObject, live_obj: LiveObject, paths: list[str]) -> DesiredObject:
    """The object as it will be sent: the live value at every path left as it is."""
    if not paths:
        return obj
    fields = keep_live(obj.fields, live_obj.fields, paths)
    return DesiredObject(obj.kind, obj.key, fields, obj.refs, obj.location, obj.field_locations, obj.lifecycle)


def _plan_object(plan: Plan, ctx: PlanContext, obj: DesiredObject, rec: Recorded | None,
                 moved_from: str | None = None) -> None:
    matcher = ctx.matcher
    address = f"{obj.kind}.{obj.key}"
    protected = bool(obj.lifecycle.get("protect"))
    tracked = matcher.live.get(obj.kind, rec.id if rec else None)
    if moved_from is not None and tracked is not None:
        _plan_move(plan, ctx, obj, rec, tracked, moved_from)
        return
    live_obj = tracked if tracked is not None else matcher.untracked(obj)
    if live_obj is None:
        plan.live_fingerprints[address] = None
        record = desired_record(obj).record
        # A state entry whose object vanished means someone deleted it outside tkctl.
        cause = "drift" if rec else "config"
        fields = [FieldChange(n, None, v, cause) for n, v in desired_canonical(obj).items() if v is not None]
        steps = step_rules.create_steps(obj, record, takeover=_takeover(ctx, obj))
        plan.changes.append(Change("create", obj.kind, obj.key, None, cause, fields, obj, steps, protected=protected))
        return
    kept = _ignored_paths(ctx, obj, live_obj)
    effective = _effective(obj, live_obj, kept)
    # The tag is how a lost create is found again; an object the state tracks needs none, so a
    # tracked object made without one (imported, exported) is not changed just to add it. The
    # tag is still sent whenever `meta` is.
    untagged = tracked is not None and tag_of(live_obj) is None
    record = desired_record(effective, tag=not untagged).record
    matcher.bind(obj.kind, obj.key, live_obj.id)
    plan.ids[address] = live_obj.id
    refs = matcher.live_refs(live_obj)
    compare_only, ordered = ctx.shared(frozenset(effective.fields)), ordered_fields(obj.kind, obj.fields)
    have = live_form(live_obj, refs, compare_only, ordered)
    changes, have_fp, want = _compare(effective, not untagged, have)
    if changes and tracked is not None:
        changes = with_causes(changes, rec, have, want, record.fingerprint)
    if kept:
        kept = [p for p in kept if _present(live_obj.fields, p)]

    # Without a change, only a replaced owner makes a replacement (see `_replacement`).
    reason = _replacement(ctx, obj, live_obj, changes) if changes or ctx.replaced else None
    if reason is not None:
        plan.live_fingerprints[address] = have_fp or read_fingerprint(have)
        if obj.kind == "resource":
            ctx.replaced.add(obj.key)
        # The old calendar of a replaced resource goes with it: no delete of its own.
        live_owner = _live_owner(ctx, live_obj)
        owner_replaced = obj.kind == "calendar" and live_owner in ctx.replaced
        old_id = None if owner_replaced else live_obj.id
        because = (f"resource.{live_owner}",) if owner_replaced else ()
        steps = step_rules.replace_steps(effective, old_id, record, takeover=_takeover(ctx, obj))
        plan.changes.append(Change("replace", obj.kind, obj.key, live_obj.id, object_cause(changes), changes,
                                   obj, steps, reason=reason, kept=kept, protected=protected or remembered(rec),
                                   because=because))
        return
    top = list(dict.fromkeys(c.top for c in changes)) if changes else []
    forced = None
    because: tuple[str, ...] = ()
    if obj.kind == "project" and ctx.replaced:
        because = tuple(f"resource.{k}" for k in obj.refs.get("resources") or () if k in ctx.replaced)
        if because and "resources" not in top:
            top.append("resources")
            forced = f"its member {', '.join(because)} is replaced: the project's members now point at the replacement"
    if tracked is None or top or have_fp is not None:
        plan.live_fingerprints[address] = have_fp or read_fingerprint(have)
    else:
        # Unchanged: hashed only if another object's step names it or a saved plan is checked.
        plan.live_fingerprints.defer(address, partial(_live_fingerprint, live_obj, refs, compare_only, ordered))
    if tracked is None:
        steps = step_rules.update_steps(effective, top, record, adopt=True)
        plan.changes.append(Change("adopt", obj.kind, obj.key, live_obj.id, "config", changes, obj, steps,
                                   reason=forced, kept=kept, protected=protected, because=because))
    elif top:
        steps = step_rules.update_steps(effective, top, record)
        plan.changes.append(Change("update", obj.kind, obj.key, live_obj.id, object_cause(changes), changes, obj,
                                   steps, reason=forced, kept=kept, protected=protected, because=because))
    else:
        plan.no_change += 1
        if rec is None or _to_record(rec, record):
            plan.state_steps.append(step_rules.record_step(obj.kind, obj.key, record))


def _plan_unchanged(plan: Plan, ctx: PlanContext, obj: DesiredObject, rec: Recorded) -> None:
    """What `_plan_object` does for a tracked object found unchanged with nothing to record
    (`core/apart.py` found it so): bind it to the id the state tracks, and defer its live
    fingerprint. Kept to the least, as it runs for most objects of a large plan."""
    kind, key, id_ = obj.kind, obj.key, rec.id
    address = f"{kind}.{key}"
    ctx.matcher.bind(kind, key, id_)
    plan.ids[address] = id_
    plan.live_fingerprints.defer(address, partial(_unchanged_fingerprint, ctx.matcher.live, obj, id_,
                                                  ctx.resource_keys))
    plan.no_change += 1


def _unchanged_fingerprint(live: LiveState, obj: DesiredObject, id_: str, resource_keys: Mapping[str, str]) -> str:
    """The fingerprint `_plan_object` defers for an unchanged object, its references named
    as the resources were bound when it was planned (`resource_keys`)."""
    live_obj = live.get(obj.kind, id_)
    assert live_obj is not None, "a verdict of unchanged is only given to a tracked object"
    return _live_fingerprint(live_obj, live_refs(live_obj, resource_keys), frozenset(obj.fields),
                             ordered_fields(obj.kind, obj.fields))


def unchanged_verdict(ctx: PlanContext, obj: DesiredObject, rec: Recorded | None) -> bool:
    """Whether `_plan_object` would find `obj` unchanged, with no state step and no field
    left as it is live, when no resource is replaced and every resource it refers to is
    bound as the state says (`tracked_resources`). A moved object is never asked about."""
    if rec is None:
        return False
    live_obj = ctx.matcher.live.get(obj.kind, rec.id)
    if live_obj is None or _ignored_paths(ctx, obj, live_obj):
        return False
    tag = tag_of(live_obj) is not None
    if _to_record(rec, desired_record(obj, tag=tag).record):
        return False
    refs = ctx.matcher.live_refs(live_obj)
    have = live_form(live_obj, refs, ctx.shared(frozenset(obj.fields)), ordered_fields(obj.kind, obj.fields))
    return not _compare(obj, tag, have)[0]


def _compare(obj: DesiredObject, tag: bool,
             have: dict[str, Any]) -> tuple[list[FieldChange], str | None, dict[str, Any] | None]:
    """`field_changes(have, want)` for `want = desired_canonical(obj, tag=tag)`, `have`'s read
    fingerprint when it was worked out on the way (else None), and `want` when it was worked
    out (always, when there is a change). An unchanged object, most of a large plan, is told
    so by its form's key (`same_form`): its desired form is worked out again only when the
    key does not say "equal"."""
    same, fp = same_form(have, desired_record(obj, tag=tag).key)
    if same:
        return [], fp, None
    want = desired_canonical(obj, tag=tag)
    return field_changes(have, want), fp, want


def tracked_resources(desired: DesiredState, live: LiveState,
                      state: Mapping[tuple[str, str], Recorded]) -> dict[str, str]:
    """{id: key} of the config's resources the state tracks to a live resource: how the
    resources are bound after planning them when none is adopted, created or replaced."""
    out: dict[str, str] = {}
    for obj in desired.of_kind("resource"):
        rec = state.get(("resource", obj.key))
        if rec is not None and live.get("resource", rec.id) is not None:
            out[rec.id] = obj.key
    return out


def _resources_as_assumed(ctx: PlanContext, desired: DesiredState, live: LiveState,
                          state: Mapping[tuple[str, str], Recorded]) -> bool:
    """Whether calendars and projects may take the verdicts: they name their resources by
    the keys bound to them (`ctx.resource_keys`, once the resources are planned), and a
    replaced resource changes them."""
    return not ctx.replaced and ctx.resource_keys == tracked_resources(desired, live, state)


def _to_record(rec: Recorded, record: step_rules.Record) -> bool:
    """Whether the state's entry differs from what an unchanged object would record now
    (an entry with no digests always does: a record's `fields` is a mapping, never None)."""
    return rec.fingerprint != record.fingerprint or (rec.fields or None) != record.fields or \
        _differ(rec.lifecycle, record.lifecycle)


def _differ(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """`dict(a) != dict(b)`, without copying two dicts (one check per unchanged object)."""
    if type(a) is dict and type(b) is dict:
        return a != b
    if not a and not b:
        return False
    return dict(a) != dict(b)


def _live_fingerprint(obj: LiveObject, refs: Mapping[str, Any], compare_only: frozenset[str],
                      ordered: frozenset[str]) -> str:
    return read_fingerprint(live_form(obj, refs, compare_only, ordered))


def _plan_move(plan: Plan, ctx: PlanContext, obj: DesiredObject, rec: Recorded | None, live_obj: LiveObject,
               moved_from: str) -> None:
    """A renamed key: the state entry moves to the new key, then fields are brought in line
    (the tag, at least, names the new key)."""
    address = f"{obj.kind}.{obj.key}"
    ctx.matcher.bind(obj.kind, obj.key, live_obj.id)
    plan.ids[address] = live_obj.id
    kept = _ignored_paths(ctx, obj, live_obj)
    effective = _effective(obj, live_obj, kept)
    untagged = tag_of(live_obj) is None
    record = desired_record(effective, tag=not untagged).record
    want = desired_canonical(effective, tag=not untagged)
    have = ctx.matcher.live_canonical(live_obj, frozenset(effective.fields), ordered_fields(obj.kind, obj.fields))
    plan.live_fingerprints[address] = read_fingerprint(have)
    plan.live_fingerprints[moved_from] = read_fingerprint(have)
    changes = with_causes(field_changes(have, want), rec, have, want, fingerprint(want))
    top = list(dict.fromkeys(c.top for c in changes))
    steps = [step_rules.move_step(moved_from, obj, record if not top else None),
             *step_rules.update_steps(effective, top, record)]
    plan.changes.append(Change("move", obj.kind, obj.key, live_obj.id, object_cause(changes), changes, obj, steps,
                               reason=f"renamed from {moved_from}: the same Timekit object, under its new key",
                               kept=[p for p in kept if _present(live_obj.fields, p)],
                               protected=bool(obj.lifecycle.get("protect"))))


def _present(fields: Mapping[str, Any], path: str) -> bool:
    value: Any = fields
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False
        value = value[part]
    return value is not None


def _takeover(ctx: PlanContext, obj: DesiredObject) -> bool:
    """The first config calendar named like Timekit's default, on a resource this plan
    creates, takes that calendar over (calendars are planned in key order)."""
    if obj.kind == "resource":
        ctx.defaults.add(obj.key)
        return False
    owner = obj.refs.get("resource")
    if obj.kind == "calendar" and obj.fields.get("name") == step_rules.DEFAULT_CALENDAR_NAME and owner in ctx.defaults:
        ctx.defaults.discard(owner)
        return True
    return False


def _live_owner(ctx: PlanContext, calendar: LiveObject) -> str | None:
    """The key of the resource a live calendar is on now (None for other kinds)."""
    return ctx.matcher.key_of["resource"].get(calendar.fields.get("resource_id") or "")


def _replacement(ctx: PlanContext, obj: DesiredObject, live_obj: LiveObject, changes: list[FieldChange]) -> str | None:
    """Why `obj` cannot be updated in place, or None."""
    if obj.kind == "resource" and changes and any(c.path == "email" for c in changes):
        have = live_obj.fields.get("email")
        return (f"Timekit cannot change a resource's e-mail address ({have or 'none'} -> {obj.fields.get('email')}): "
                "a new resource replaces it, and its bookings stay with the old one, which is deleted")
    if obj.kind == "calendar" and (changes or ctx.replaced):  # else neither reason below can hold
        owner = obj.refs.get("resource")
        live_owner = _live_owner(ctx, live_obj)
        if live_owner in ctx.replaced:  # Timekit deletes a calendar with the resource it is on now
            return (f"its resource resource.{live_owner} is replaced, and Timekit deletes a resource's calendars with "
                    f"it: the calendar is made again on resource.{owner}")
        if any(c.path == "resource" for c in changes):
            return (f"Timekit cannot move a calendar to another resource (now resource.{owner}): a new calendar "
                    "replaces it, and the old one is deleted with its bookings")
    return None
