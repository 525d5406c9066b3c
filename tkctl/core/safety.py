"""The one place a plan passes through before apply: what would be refused, and why. Pure.

A resource or project carries customers' bookings, so nothing bookable goes by accident:
- deletes are opt-in (`--allow-deletes`, or `allow_deletes: true` in the environment);
- a replacement (Timekit cannot change a resource's e-mail or a calendar's resource) loses
  the old object's bookings: opt-in with `--allow-replace`;
- a protected object (`lifecycle: {protect: true}`, remembered in the state after its block is
  removed, or an environment's `protect: ["project.*"]` globs) is never deleted or replaced,
  whatever the flags;
- a plan that updates or deletes more than a share of the managed objects of a kind (30% when
  at least 10 are managed, by default) needs `--force`.

`refusals` judges a plan's data form, so a saved plan is judged again with the flags given to
`apply`; a refused plan is still shown in full first (octoDNS's `raise_if_unsafe`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Mapping

DEFAULT_MAX_SHARE = 0.30
DEFAULT_MIN_MANAGED = 10
PLURAL = {"resource": "resources", "calendar": "calendars", "project": "projects"}


@dataclass(frozen=True)
class Policy:
    allow_deletes: bool = False
    allow_replace: bool = False
    force: bool = False
    protect: tuple[str, ...] = ()  # address globs protected in this environment
    max_share: float = DEFAULT_MAX_SHARE
    min_managed: int = DEFAULT_MIN_MANAGED


def _address(change: Mapping[str, Any]) -> str:
    return f"{change['kind']}.{change['key']}"


def protected(change: Mapping[str, Any], policy: Policy) -> bool:
    return bool(change.get("protected")) or any(fnmatchcase(_address(change), g) for g in policy.protect)


def _cost(change: Mapping[str, Any], bookings: Mapping[str, int]) -> str:
    n = bookings.get(_address(change), 0)
    booked = f", {n} future booking{'s' if n != 1 else ''}" if n else ""
    return f"{_address(change)} ({change.get('id') or 'no id'}{booked})"


def refusals(plan: Mapping[str, Any], policy: Policy) -> list[dict[str, str]]:
    """Every reason apply would refuse `plan` under `policy`: `{"rule", "message", "override"}`;
    `override` is the flag that lifts it, or "" when nothing does."""
    changes = plan.get("changes") or []
    bookings = plan.get("bookings") or {}
    out: list[dict[str, str]] = []
    destructive = [c for c in changes if c.get("action") in ("delete", "replace")]
    for change in destructive:
        if protected(change, policy):
            verb = "deleted" if change["action"] == "delete" else "replaced"
            out.append({"rule": "protect", "override": "",
                        "message": f"{_address(change)} is protected and would be {verb}: remove its protection "
                                   "(lifecycle protect, or the environment's protect list) first, or keep it"})
    deletes = [c for c in changes if c.get("action") == "delete" and not protected(c, policy)]
    if deletes and not policy.allow_deletes:
        listed = "\n  - ".join(_cost(c, bookings) for c in deletes)
        out.append({"rule": "deletes", "override": "--allow-deletes",
                    "message": f"the plan deletes {len(deletes)} object{'s' if len(deletes) != 1 else ''}; deletes "
                               "need --allow-deletes (or allow_deletes: true in the environment):\n  - " + listed})
    replaces = [c for c in changes if c.get("action") == "replace" and not protected(c, policy)]
    if replaces and not policy.allow_replace:
        listed = "\n  - ".join(f"{_cost(c, bookings)}: {c.get('reason', '')}" for c in replaces)
        out.append({"rule": "replace", "override": "--allow-replace",
                    "message": f"the plan replaces {len(replaces)} object{'s' if len(replaces) != 1 else ''}; the "
                               "old one's id and bookings are lost, so this needs --allow-replace:\n  - " + listed})
    if not policy.force:
        out.extend(_thresholds(changes, plan.get("managed") or {}, policy))
    return out


def _thresholds(changes: list[Mapping[str, Any]], managed: Mapping[str, int], policy: Policy) -> list[dict[str, str]]:
    out = []
    for what, actions in (("updates", ("update",)), ("deletes", ("delete", "replace"))):
        for kind, total in managed.items():
            if total < policy.min_managed:
                continue
            n = sum(1 for c in changes if c.get("kind") == kind and c.get("action") in actions)
            share = n / total
            if share > policy.max_share:
                out.append({"rule": "threshold", "override": "--force", "message": (
                    f"Too many {what}: {share:.0%} of {total} {PLURAL.get(kind, kind)} ({n}), over "
                    f"{policy.max_share:.0%}; check the plan, then apply with --force")})
    return out
