"""The planner's comparison as it was before its fast paths (tkctl c1dd41d), kept as the reference.

`test_compare_fast_paths.py` checks that the planner of today gives exactly what this gives:
the same canonical forms (so the same fingerprints in users' state files), field changes and
plans. The code below is copied verbatim from `tkctl/core/normalize.py`, `diff.py`, `ignore.py`,
`match.py` and `build.py` at that commit, and `_nested` (the DeepDiff walk of nested fields)
from `diff.py` at 61f4170, before its own walk replaced it; only imports are rewired so it
uses itself. What it imports from tkctl is code those fast paths did not change.
"""

# ruff: noqa
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from functools import partial
from json.encoder import encode_basestring_ascii
from typing import Any, Mapping

from tkctl.core import steps as step_rules
from tkctl.core.causes import object_cause, with_causes
from tkctl.core.diff import FieldChange
from tkctl.core.digest import fingerprint, read_fingerprint  # reads: plan format 3 hashes them so
from tkctl.core.ignore import UI_META_PREFIX, keep_live
from tkctl.core.live import LiveObject, LiveState
from tkctl.core.model import KINDS, DesiredObject, DesiredState
from tkctl.core.normalize import (
    _DAYS, _HHMM, _HOUR_TYPES, MANAGED_FIELDS, MARKER, SERVER_DEFAULTED, UNORDERED, _availability, is_empty,
    ordered_fields,
)
from tkctl.core.plan import Change, Plan, StateRecord, config_digest, desired_fields, execution_order, record_of
from tkctl.secrets import SECRET_FIELDS


# -- tkctl/core/normalize.py ----------------------------------------------------------------

def _hour(value: Any) -> Any:
    """9, "9", "9:00" and "09:00" are one hour; unknown shapes pass through unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and float(value).is_integer():
        return f"{int(value):02d}:00"
    if isinstance(value, str):
        m = _HHMM.match(value.strip())
        if m:
            return f"{int(m.group(1)):02d}:{m.group(2) or '00'}"
    return value


def constraint(item: Any) -> Any:
    """One constraint `{type: params}` in canonical spelling."""
    if not isinstance(item, Mapping) or len(item) != 1:
        return item
    (ctype, params), = item.items()
    if not isinstance(params, Mapping):
        return {ctype: params}
    # Worked out once per constraint, not per parameter (only a string type can be hour-based).
    hours = ctype.split("_", 1)[-1] in _HOUR_TYPES if isinstance(ctype, str) else None
    out = {}
    for name, value in params.items():
        if name == "day" and isinstance(value, str):
            value = _DAYS.get(value.strip().lower(), value)
        elif name in ("start", "end") and (hours if hours is not None else ctype.split("_", 1)[-1] in _HOUR_TYPES):
            value = _hour(value)
        out[name] = value
    return {ctype: out}


# What `json.dumps(value, sort_keys=True, default=str)` uses, built once instead of per call;
# a string encodes as `encode_basestring_ascii` alone (as `JSONEncoder.encode` does).
_SORT_ENCODER = json.JSONEncoder(sort_keys=True, default=str)


def _sort_key(value: Any) -> str:
    if type(value) is str:
        return encode_basestring_ascii(value)
    return _SORT_ENCODER.encode(value)


def field_value(name: str, value: Any, ordered: frozenset[str] = frozenset()) -> Any:
    """Canonical value of one top-level field; empty values become None."""
    if is_empty(value):
        return None
    if name == "availability_constraints" and isinstance(value, list):
        value = [constraint(c) for c in value]
    if name == "email" and isinstance(value, str):
        value = value.lower()
    if name == "availability" and isinstance(value, Mapping):
        value = _availability(value)
    if name in UNORDERED and name not in ordered and isinstance(value, list):
        value = sorted({_sort_key(v): v for v in value}.values(), key=_sort_key)
    return value


def canonical(
    kind: str,
    fields: Mapping[str, Any],
    *,
    compare_only: frozenset[str] | None = None,
    ordered: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The managed fields of one object in canonical form (None = not set).

    `compare_only`, when given, drops server-defaulted fields not in it: the desired object
    passes the fields the user set, so `first_name` filled in by Timekit is not a change.
    `ordered` names list fields compared in order (see `ordered_fields`); the desired
    object decides it for both sides, so a change of mode is compared by the new rule.
    """
    out: dict[str, Any] = {}
    defaulted = SERVER_DEFAULTED[kind]
    for name in MANAGED_FIELDS[kind]:
        if name in SECRET_FIELDS:
            continue
        if compare_only is not None and name in defaulted and name not in compare_only:
            continue
        out[name] = field_value(name, fields.get(name), ordered)
    return out


# -- tkctl/core/plan.py (desired_canonical, on the canonical above) -------------------------

def desired_canonical(obj: DesiredObject, *, tag: bool = True) -> dict[str, Any]:
    return canonical(obj.kind, desired_fields(obj, tag=tag), compare_only=frozenset(obj.fields),
                     ordered=ordered_fields(obj.kind, obj.fields))


# -- tkctl/core/diff.py --------------------------------------------------------------------

def _value(v: Any) -> Any:
    from deepdiff.helper import NotPresent

    return None if isinstance(v, NotPresent) else v


def _equal(a: Any, b: Any) -> bool:
    """Both present and equal. DeepDiff reports 1 -> 1.0 as a type change; the plan compares
    values as the rest of the diff does (`==`), so it is no change."""
    from deepdiff.helper import NotPresent

    return not isinstance(a, NotPresent) and not isinstance(b, NotPresent) and a == b


def _get(obj: Any, parts: list) -> Any:
    for p in parts:
        if isinstance(obj, Mapping):
            obj = obj.get(p)
        else:
            return None
    return obj


def _nested(name: str, old: Mapping, new: Mapping) -> list[FieldChange]:
    """Changes inside one object-valued field, by dotted path; list items collapse to the list."""
    # Imported here, as only a changed nested field needs it: a plan with no change (and
    # `tkctl validate`) does without deepdiff and pydantic, a tenth of a second of start-up.
    from deepdiff import DeepDiff

    # DeepDiff skips keys starting "__" by default (Python's private names); in a widget `ui`
    # or `meta` they are data like any other, and a change to one must not go unseen.
    tree = DeepDiff(old, new, view="tree", verbose_level=2, ignore_private_variables=False)
    seen: dict[str, FieldChange] = {}
    for levels in tree.values():
        for level in levels:
            parts = level.path(output_format="list")
            # Stop at the first list index: the whole list is the unit of change.
            cut = next((i for i, p in enumerate(parts) if isinstance(p, int)), len(parts))
            parts = parts[:cut]
            path = ".".join([name, *map(str, parts)])
            if path in seen:
                continue
            if cut == len(level.path(output_format="list")):
                if _equal(level.t1, level.t2):
                    continue
                old_v, new_v = _value(level.t1), _value(level.t2)
            else:
                old_v, new_v = _get(old, parts), _get(new, parts)
                if old_v == new_v:
                    continue
            seen[path] = FieldChange(path, old_v, new_v)
    return sorted(seen.values(), key=lambda c: c.path)


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """Every managed field that differs, in the order of `new`'s keys."""
    changes: list[FieldChange] = []
    for name in dict.fromkeys([*new, *old]):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            changes.extend(_nested(name, a, b))
        else:
            changes.append(FieldChange(name, a, b))
    return changes


# -- tkctl/core/ignore.py ------------------------------------------------------------------

def kept_meta_paths(desired_meta: Any, live_meta: Any) -> list[str]:
    """`meta.t_*` keys live that the config does not name."""
    if not isinstance(live_meta, Mapping):
        return []
    named = desired_meta if isinstance(desired_meta, Mapping) else {}
    return [f"meta.{k}" for k in sorted(live_meta) if isinstance(k, str) and k.startswith(UI_META_PREFIX)
            and k not in named]


# -- tkctl/core/match.py -------------------------------------------------------------------

NATURAL_KEY = {"resource": "email", "project": "slug"}


def tag_of(obj: LiveObject) -> str | None:
    meta = obj.fields.get("meta")
    tag = meta.get(MARKER) if isinstance(meta, Mapping) else None
    return tag if isinstance(tag, str) else None


def live_form(obj: LiveObject, refs: Mapping[str, Any], compare_only: frozenset[str] | None,
              ordered: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The canonical form of a live object whose references are `refs` (`Matcher.live_refs`)."""
    fields = dict(obj.fields)
    fields.update(refs)
    return canonical(obj.kind, fields, compare_only=compare_only, ordered=ordered)


def _natural(kind: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return value.lower() if kind == "resource" else value


class Matcher:
    """Binds keys to live ids, kind by kind; an id is bound to at most one key."""

    def __init__(self, live: LiveState, state_ids: Mapping[tuple[str, str], str]):
        self.live = live
        self.key_of: dict[str, dict[str, str]] = {k: {} for k in KINDS}
        self.id_of: dict[str, dict[str, str]] = {k: {} for k in KINDS}
        # Ids the state file already binds to a key are never adopted by another key.
        self.claimed = set(state_ids.values())
        self._by_tag: dict[tuple[str, str], list[LiveObject]] = defaultdict(list)
        self._by_natural: dict[tuple[str, str], list[LiveObject]] = defaultdict(list)
        self._by_owner_name: dict[tuple[str, Any], list[LiveObject]] = defaultdict(list)
        for kind in KINDS:
            for obj in live.of_kind(kind):
                self._index(obj)

    def _index(self, obj: LiveObject) -> None:
        if obj.kind == "calendar":
            self._by_owner_name[(obj.fields.get("resource_id"), obj.fields.get("name"))].append(obj)
            return
        tag = tag_of(obj)
        if tag is not None:
            self._by_tag[(obj.kind, tag)].append(obj)
        natural = _natural(obj.kind, obj.fields.get(NATURAL_KEY[obj.kind]))
        if natural is not None:
            self._by_natural[(obj.kind, natural)].append(obj)

    def bind(self, kind: str, key: str, id_: str) -> None:
        self.key_of[kind][id_] = key
        self.id_of[kind][key] = id_
        self.claimed.add(id_)

    def resource_key(self, id_: str | None) -> str | None:
        if id_ is None:
            return None
        return self.key_of["resource"].get(id_, f"<unmanaged {id_}>")

    def live_refs(self, obj: LiveObject) -> dict[str, Any]:
        """The live object's references, named by key as the config names them, as bound now."""
        if obj.kind == "calendar":
            return {"resource": self.resource_key(obj.fields.get("resource_id"))}
        if obj.kind == "project":
            return {"resources": [self.resource_key(i) for i in obj.fields.get("resource_ids") or []]}
        return {}

    def live_canonical(self, obj: LiveObject, compare_only: frozenset[str] | None,
                       ordered: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The live object in canonical form, references named by key as the config names them."""
        return live_form(obj, self.live_refs(obj), compare_only, ordered)

    def _free(self, candidates: Iterable[LiveObject]) -> list[LiveObject]:
        return [o for o in candidates if o.id not in self.claimed]

    def untracked(self, obj: DesiredObject) -> LiveObject | None:
        """An untracked live object that `obj` should adopt, or None."""
        if obj.kind in NATURAL_KEY:
            tagged = self._free(self._by_tag.get((obj.kind, obj.key), ()))
            if tagged:
                return tagged[0]
            want = _natural(obj.kind, obj.fields.get(NATURAL_KEY[obj.kind]))
            if want is None:
                return None
            for candidate in self._free(self._by_natural.get((obj.kind, want), ())):
                tag = tag_of(candidate)
                if tag is None or tag == obj.key:  # never take an object tagged for another key
                    return candidate
            return None
        owner = self.id_of["resource"].get(obj.refs.get("resource", ""))
        if owner is None:
            return None
        found = self._free(self._by_owner_name.get((owner, obj.fields.get("name")), ()))
        return found[0] if found else None

    def duplicates(self) -> list[tuple[str, str, list[str]]]:
        """(kind, tag, ids) for every tag carried by more than one live object."""
        return [(kind, tag, sorted(o.id for o in objs))
                for (kind, tag), objs in sorted(self._by_tag.items()) if len(objs) > 1]

    def tagged(self, kind: str, tag: str) -> list[LiveObject]:
        return list(self._by_tag.get((kind, tag), ()))


# -- tkctl/core/build.py -------------------------------------------------------------------

class _Context:
    def __init__(self, live: LiveState, state: Mapping[tuple[str, str], StateRecord],
                 ignore: Mapping[str, list[str]]):
        self.matcher = Matcher(live, {k: rec.id for k, rec in state.items() if rec.id})
        self.state = state
        self.ignore = ignore
        self.defaults: set[str] = set()  # resources created here whose default calendar is untaken
        self.replaced: set[str] = set()  # resource keys replaced here
        self._sets: dict[frozenset[str], frozenset[str]] = {}

    def shared(self, names: frozenset[str]) -> frozenset[str]:
        """One instance of each set of field names: tens of thousands of objects share a few."""
        return self._sets.setdefault(names, names)


def build_plan(
    desired: DesiredState,
    live: LiveState,
    state: Mapping[tuple[str, str], StateRecord],
    *,
    target: Mapping[str, Any] | None = None,
    state_info: Mapping[str, Any] | None = None,
    ignore: Mapping[str, list[str]] | None = None,
) -> Plan:
    """Compare config, account and state; return every change and step in execution order.

    `ignore` lists, per kind, paths left as they are live for every object of that kind
    (settings and environments); objects add their own with `lifecycle.ignore_fields`."""
    plan = Plan(changes=[], target=dict(target or {}), state=dict(state_info or {}),
                config_digest=config_digest(desired))
    state, moved = _apply_moves(plan, desired, state)
    ctx = _Context(live, state, ignore or {})
    for kind in KINDS:
        plan.managed[kind] = sum(1 for (k, _) in state if k == kind)
        for obj in desired.of_kind(kind):
            _plan_object(plan, ctx, obj, state.get((kind, obj.key)), moved.get(f"{kind}.{obj.key}"))
    _plan_removed(plan, desired, live, ctx)
    _check_tags(plan, ctx.matcher)
    plan.unmanaged = _unmanaged(live, ctx.matcher)
    plan.changes.sort(key=execution_order)
    return plan


def _apply_moves(plan: Plan, desired: DesiredState, state: Mapping[tuple[str, str], StateRecord]
                 ) -> tuple[dict[tuple[str, str], StateRecord], dict[str, str]]:
    """The state as if each `moved:` rename had happened: the new key takes the old key's
    record. Returns it and {new address: old address} for the renames still to make."""
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


def _ignored_paths(ctx: _Context, obj: DesiredObject, live_obj: LiveObject) -> list[str]:
    paths = [*ctx.ignore.get(obj.kind, ()), *(obj.lifecycle.get("ignore_fields") or ())]
    paths += kept_meta_paths(obj.fields.get("meta"), live_obj.fields.get("meta"))
    return list(dict.fromkeys(paths))


def _effective(obj: DesiredObject, live_obj: LiveObject, paths: list[str]) -> DesiredObject:
    """The object as it will be sent: the live value at every path left as it is."""
    if not paths:
        return obj
    fields = keep_live(obj.fields, live_obj.fields, paths)
    return DesiredObject(obj.kind, obj.key, fields, obj.refs, obj.location, obj.field_locations, obj.lifecycle)


def _plan_object(plan: Plan, ctx: _Context, obj: DesiredObject, rec: StateRecord | None,
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
        want = desired_canonical(obj)
        # A state entry whose object vanished means someone deleted it outside tkctl.
        cause = "drift" if rec else "config"
        fields = [FieldChange(n, None, v, cause) for n, v in want.items() if v is not None]
        steps = step_rules.create_steps(obj, record_of(want, obj.lifecycle), takeover=_takeover(ctx, obj))
        plan.changes.append(Change("create", obj.kind, obj.key, None, cause, fields, obj, steps, protected=protected))
        return
    kept = _ignored_paths(ctx, obj, live_obj)
    effective = _effective(obj, live_obj, kept)
    # The tag is how a lost create is found again; an object the state tracks needs none, so a
    # tracked object made without one (imported, exported) is not changed just to add it. The
    # tag is still sent whenever `meta` is.
    untagged = tracked is not None and tag_of(live_obj) is None
    want = desired_canonical(effective, tag=not untagged)
    record = record_of(want, obj.lifecycle)
    want_fp = record.fingerprint
    matcher.bind(obj.kind, obj.key, live_obj.id)
    plan.ids[address] = live_obj.id
    refs = matcher.live_refs(live_obj)
    compare_only, ordered = ctx.shared(frozenset(effective.fields)), ordered_fields(obj.kind, obj.fields)
    have = live_form(live_obj, refs, compare_only, ordered)
    changes = field_changes(have, want)
    if tracked is not None:
        changes = with_causes(changes, rec, have, want, want_fp)
    kept = [p for p in kept if _present(live_obj.fields, p)]

    reason = _replacement(ctx, obj, live_obj, changes)
    if reason is not None:
        plan.live_fingerprints[address] = read_fingerprint(have)
        if obj.kind == "resource":
            ctx.replaced.add(obj.key)
        # The old calendar of a replaced resource goes with it: no delete of its own.
        live_owner = _live_owner(ctx, live_obj)
        owner_replaced = obj.kind == "calendar" and live_owner in ctx.replaced
        old_id = None if owner_replaced else live_obj.id
        because = (f"resource.{live_owner}",) if owner_replaced else ()
        steps = step_rules.replace_steps(effective, old_id, record, takeover=_takeover(ctx, obj))
        plan.changes.append(Change("replace", obj.kind, obj.key, live_obj.id, object_cause(changes), changes,
                                   obj, steps, reason=reason, kept=kept, protected=protected or _remembered(rec),
                                   because=because))
        return
    top = list(dict.fromkeys(c.top for c in changes))
    forced = None
    because: tuple[str, ...] = ()
    if obj.kind == "project":
        because = tuple(f"resource.{k}" for k in obj.refs.get("resources") or () if k in ctx.replaced)
        if because and "resources" not in top:
            top.append("resources")
            forced = f"its member {', '.join(because)} is replaced: the project's members now point at the replacement"
    if tracked is None or top:
        plan.live_fingerprints[address] = read_fingerprint(have)
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
        if rec is None or rec.fingerprint != want_fp or rec.fields != record.fields or \
                dict(rec.lifecycle) != dict(record.lifecycle):
            plan.state_steps.append(step_rules.record_step(obj.kind, obj.key, record))


def _live_fingerprint(obj: LiveObject, refs: Mapping[str, Any], compare_only: frozenset[str],
                      ordered: frozenset[str]) -> str:
    return read_fingerprint(live_form(obj, refs, compare_only, ordered))


def _plan_move(plan: Plan, ctx: _Context, obj: DesiredObject, rec: StateRecord | None, live_obj: LiveObject,
               moved_from: str) -> None:
    """A renamed key: the state entry moves to the new key, then fields are brought in line
    (the tag, at least, names the new key)."""
    address = f"{obj.kind}.{obj.key}"
    ctx.matcher.bind(obj.kind, obj.key, live_obj.id)
    plan.ids[address] = live_obj.id
    kept = _ignored_paths(ctx, obj, live_obj)
    effective = _effective(obj, live_obj, kept)
    untagged = tag_of(live_obj) is None
    want = desired_canonical(effective, tag=not untagged)
    record = record_of(want, obj.lifecycle)
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


def _remembered(rec: StateRecord | None) -> bool:
    return bool(rec and rec.lifecycle.get("protect"))


def _takeover(ctx: _Context, obj: DesiredObject) -> bool:
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


def _live_owner(ctx: _Context, calendar: LiveObject) -> str | None:
    """The key of the resource a live calendar is on now (None for other kinds)."""
    return ctx.matcher.key_of["resource"].get(calendar.fields.get("resource_id") or "")


def _replacement(ctx: _Context, obj: DesiredObject, live_obj: LiveObject, changes: list[FieldChange]) -> str | None:
    """Why `obj` cannot be updated in place, or None."""
    if obj.kind == "resource" and any(c.path == "email" for c in changes):
        have = live_obj.fields.get("email")
        return (f"Timekit cannot change a resource's e-mail address ({have or 'none'} -> {obj.fields.get('email')}): "
                "a new resource replaces it, and its bookings stay with the old one, which is deleted")
    if obj.kind == "calendar":
        owner = obj.refs.get("resource")
        live_owner = _live_owner(ctx, live_obj)
        if live_owner in ctx.replaced:  # Timekit deletes a calendar with the resource it is on now
            return (f"its resource resource.{live_owner} is replaced, and Timekit deletes a resource's calendars with "
                    f"it: the calendar is made again on resource.{owner}")
        if any(c.path == "resource" for c in changes):
            return (f"Timekit cannot move a calendar to another resource (now resource.{owner}): a new calendar "
                    "replaces it, and the old one is deleted with its bookings")
    return None


def _plan_removed(plan: Plan, desired: DesiredState, live: LiveState, ctx: _Context) -> None:
    """Objects the state manages that left the config: deleted, or forgotten when asked."""
    matcher = ctx.matcher
    doomed: list[tuple[str, str, LiveObject, StateRecord]] = []
    for (kind, key), rec in sorted(ctx.state.items()):
        if desired.get(kind, key) is not None:
            continue
        obj = live.get(kind, rec.id)
        if obj is None:
            plan.state_steps.append(step_rules.forget_step(kind, key))
            continue
        # Bind every doomed object first so a deleted project names its members by key.
        matcher.bind(kind, key, obj.id)
        plan.ids[f"{kind}.{key}"] = obj.id
        doomed.append((kind, key, obj, rec))
    for kind, key, obj, rec in doomed:
        have = matcher.live_canonical(obj, None, ordered_fields(kind, obj.fields))
        plan.live_fingerprints[f"{kind}.{key}"] = read_fingerprint(have)
        fields = [FieldChange(n, v, None) for n, v in have.items() if not is_empty(v)]
        if rec.lifecycle.get("on_remove") == "forget":
            steps = [step_rules.forget_step(kind, key)]
            reason = "lifecycle on_remove: forget: tkctl stops managing it and leaves it in the account"
            plan.changes.append(Change("forget", kind, key, obj.id, "config", [], None, steps, reason=reason,
                                       protected=_remembered(rec)))
            continue
        plan.changes.append(Change("delete", kind, key, obj.id, "config", fields, None,
                                   step_rules.delete_steps(kind, key), protected=_remembered(rec)))


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


def _unmanaged(live: LiveState, matcher: Matcher) -> list[dict[str, Any]]:
    """Live objects tkctl neither manages nor adopts: counted and listed, never deleted.

    The calendar Timekit creates with every resource ("Bookings") belongs to its resource: on
    a managed resource it is not listed unless the config names it."""
    out = []
    for kind in KINDS:
        for obj in live.of_kind(kind):
            if obj.id in matcher.claimed:
                continue
            if kind == "calendar" and obj.fields.get("name") == step_rules.DEFAULT_CALENDAR_NAME and \
                    obj.fields.get("resource_id") in matcher.key_of["resource"]:
                continue
            item: dict[str, Any] = {"kind": kind, "id": obj.id, "name": obj.fields.get("name")}
            if kind == "calendar":
                owner = matcher.key_of["resource"].get(obj.fields.get("resource_id") or "")
                item["resource"] = f"resource.{owner}" if owner else obj.fields.get("resource_id")
            out.append(item)
    return out
