"""Which objects a plan will find unchanged, worked out apart while the plan does the others.

Planning an unchanged object is most of a plan's work on a large account (its canonical
forms, their comparison, its record), and each object's answer depends on the object, its
live twin and its state entry only, once the resources it refers to are bound. So a second
process (`tkctl/planapart.py`) takes the objects from number `start` on, in the order
`build_plan` plans them, and answers for each: unchanged with nothing to record, or not.
Meanwhile the plan does the objects before `start`; from there it binds each object found
unchanged without comparing it again, and plans every other one as always. The result is
the plan the one process makes, because:
- a verdict is `build.unchanged_verdict`: the same functions, on the same object, as
  `_plan_object`; an object that is moved, untracked, has fields left as they are live, or
  needs a state step is answered "not", and the plan does it in full;
- a calendar or project names its resources by the keys bound to them: the verdicts assume
  every resource bound as the state tracks it and none replaced, and `build_plan` checks
  that once it has planned the resources, dropping the verdicts when it does not hold.
Pure: no I/O.
"""

from __future__ import annotations

from itertools import islice
from typing import Mapping

from tkctl.core.build import PlanContext, apply_moves, tracked_resources, unchanged_verdict
from tkctl.core.live import LiveState
from tkctl.core.model import DesiredObject, DesiredState
from tkctl.core.plan import Plan, Recorded

# What planning an object costs, in microseconds, measured at 20,000 resources (2 cores, the
# benchmark's account): an unchanged object planned in full, by kind; what working out its
# canonical form and record adds when the config cache did not keep them; binding an object
# found unchanged; and what sharing the memory costs the two processes per object (a fork
# shares it copy-on-write, and every object either one touches has a page copied). Only the
# choice of splitting, and where, depends on them.
_COST = {"resource": 24, "calendar": 10, "project": 57}
_DERIVE = {"resource": 32, "calendar": 12, "project": 40}
_BIND = 4
_SHARING = 8
# The second process is slower at the same work by this much: every page it touches is
# copied first, and it starts by indexing the account and the state as the plan does.
_APART = 1.2


def cost(obj: DesiredObject) -> int:
    """What planning `obj` in full costs, roughly (see `_COST`)."""
    return _COST[obj.kind] + (0 if obj.derived else _DERIVE[obj.kind])


def split_point(desired: DesiredState, overhead: float = 0, *, least: float = 0) -> int | None:
    """Where to split the objects so that both processes finish at about the same time (the
    plan does the objects before it in full and binds the rest; the second process, which
    starts `overhead` microseconds later, answers for the rest), or None when splitting
    would save less than `least` microseconds."""
    costs = [cost(obj) for obj in desired]
    total = sum(costs)
    mine, theirs = 0.0, total * _APART + overhead
    for index, each in enumerate(costs):
        if mine + _BIND * (len(costs) - index) >= theirs:
            break
        mine += each
        theirs -= each * _APART
    else:
        return None
    saved = total - max(mine + _BIND * (len(costs) - index), theirs) - _SHARING * len(costs)
    return index if saved >= least else None


def unchanged_objects(desired: DesiredState, live: LiveState, state: Mapping[tuple[str, str], Recorded],
                      *, ignore: Mapping[str, list[str]] | None = None, start: int = 0) -> bytes:
    """One byte per object from number `start` on, in the order planned: 1 when the plan
    would find it unchanged with nothing to record (see the module's docstring), else 0."""
    state, moved = apply_moves(Plan(changes=[]), desired, state)
    ctx = PlanContext(live, state, ignore or {})
    for id_, key in tracked_resources(desired, live, state).items():
        ctx.matcher.bind("resource", key, id_)
    out = bytearray()
    for obj in islice(desired, start, None):
        out.append(f"{obj.kind}.{obj.key}" not in moved
                   and unchanged_verdict(ctx, obj, state.get((obj.kind, obj.key))))
    return bytes(out)
