"""What a plan does after comparing the config's objects: the objects the state manages that
left the config (deleted, or forgotten with `lifecycle.on_remove: forget`), two live objects
carrying one key's tag (a problem), and the live objects nothing manages (listed, never
deleted). `core/build.py` calls them once every config object is bound to its live twin: a
deleted project names its members by their keys, and what is bound is what is managed.
Pure: no I/O.
"""

from __future__ import annotations

from typing import Any, Mapping

from tkctl.core import steps as step_rules
from tkctl.core.diff import FieldChange
from tkctl.core.digest import read_fingerprint
from tkctl.core.live import LiveObject, LiveState
from tkctl.core.match import Matcher
from tkctl.core.model import KINDS, DesiredState
from tkctl.core.normalize import is_empty, ordered_fields
from tkctl.core.plan import Change, Plan, Recorded


def plan_removed(plan: Plan, desired: DesiredState, live: LiveState, matcher: Matcher,
                 state: Mapping[tuple[str, str], Recorded]) -> None:
    """Objects the state manages that left the config: deleted, or forgotten when asked."""
    doomed: list[tuple[str, str, LiveObject, Recorded]] = []
    # Only the entries that left the config are sorted (keys are unique: records never compared).
    gone = sorted((ident, rec) for ident, rec in state.items() if desired.get(*ident) is None)
    for (kind, key), rec in gone:
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
                                       protected=remembered(rec)))
            continue
        plan.changes.append(Change("delete", kind, key, obj.id, "config", fields, None,
                                   step_rules.delete_steps(kind, key), protected=remembered(rec)))


def check_tags(plan: Plan, matcher: Matcher) -> None:
    """Two live objects carrying one key's tag mean a create was sent twice: applying would
    manage one and leave its twin, so the plan refuses until a person removes one."""
    for kind in ("resource", "project"):
        # Twins are rare: found first, then sorted by key (as every key is looked at).
        found = [(key, bound, twins) for key, bound in matcher.id_of[kind].items()
                 if (twins := matcher.twins(kind, key, bound))]
        for key, bound, twins in sorted(found, key=lambda item: item[0]):
            ids = ", ".join([bound, *twins])
            plan.problems.append(
                f'{kind} "{key}": {1 + len(twins)} live objects carry its tag (ids {ids}); tkctl manages '
                f"{bound}. Delete the duplicate by hand (the one without bookings) and plan again."
            )


def unmanaged(live: LiveState, matcher: Matcher) -> list[dict[str, Any]]:
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


def remembered(rec: Recorded | None) -> bool:
    """Whether the state remembers the object as protected (its block may have left the config)."""
    return bool(rec and rec.lifecycle.get("protect"))
