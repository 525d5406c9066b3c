"""Partial plans: `--target` and `--exclude` address globs. Pure.

`--target project.physio-*` keeps the changes of matching objects and of what they depend on
(a calendar's resource, a project's member resources), so the plan can still be applied on
its own; `--exclude` drops matching objects. The whole account is still read and matched, so
references keep their keys and nothing outside the scope is ever deleted. A partial plan says
so in every format.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Iterable

from tkctl.core.model import DesiredState
from tkctl.core.plan import Plan


def matches(address: str, globs: Iterable[str]) -> bool:
    return any(fnmatchcase(address, g) for g in globs)


def _dependencies(desired: DesiredState, address: str) -> set[str]:
    kind, key = address.split(".", 1)
    obj = desired.get(kind, key)
    if obj is None:
        return set()
    if kind == "calendar" and obj.refs.get("resource"):
        return {f"resource.{obj.refs['resource']}"}
    if kind == "project":
        return {f"resource.{k}" for k in obj.refs.get("resources") or ()}
    return set()


def restrict(plan: Plan, desired: DesiredState, targets: list[str], excludes: list[str]) -> Plan:
    """`plan` cut down to the targeted objects and what they depend on, minus the excluded."""
    if not targets and not excludes:
        return plan
    addresses = {c.address for c in plan.changes} | {s.address for s in plan.state_steps} | \
        {f"{o.kind}.{o.key}" for o in desired}
    chosen = {a for a in addresses if matches(a, targets)} if targets else set(addresses)
    for address in list(chosen):
        chosen |= _dependencies(desired, address)
    # A replaced resource's calendars and projects move with it: they are part of its change.
    for change in plan.changes:
        if any(b in chosen for b in change.because):
            chosen.add(change.address)
    chosen = {a for a in chosen if not matches(a, excludes)}
    missing = sorted(d for a in chosen for d in _dependencies(desired, a) if d not in chosen
                     and any(c.address == d and c.action in ("create", "replace") for c in plan.changes))
    plan.changes = [c for c in plan.changes if c.address in chosen]
    plan.state_steps = [s for s in plan.state_steps if s.address in chosen]
    plan.no_change = sum(1 for o in desired if f"{o.kind}.{o.key}" in chosen) - \
        sum(1 for c in plan.changes if c.desired is not None)
    plan.scope = {"targets": list(targets), "excludes": list(excludes), "partial": True}
    for address in missing:
        plan.problems.append(f"{address} is excluded, but objects in the plan need it to be created first; "
                             "target it too, or apply without --exclude")
    return plan
