"""Planning a large account on two processor cores.

Once the config, the state and the account are read, a plan compares each object with its
live twin: pure Python work on one core, while the second core of a two-core machine (a CI
runner's usual size) sits idle. On Linux with two usable cores and enough objects to pay for
a fork, tkctl forks: the child answers which of the later objects are unchanged
(`core/apart.py`), and the plan does the earlier ones meanwhile, then takes those answers. It
is the plan one process makes: the answers are what planning each object alone gives, and
`build_plan` drops them where the objects planned before could change them. The child needs
nothing sent to it (a fork shares the config, state and account as they are) and sends back
one byte per object. A child that fails in any way, or has not answered within
`CHILD_WAIT` seconds of being asked, costs only time: the plan does every object itself.

`TKCTL_NO_FORK=1` plans in the tkctl process.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Mapping

from tkctl.core.apart import split_point, unchanged_objects
from tkctl.core.build import build_plan
from tkctl.core.live import LiveState
from tkctl.core.model import DesiredState
from tkctl.core.plan import Plan, Recorded
from tkctl.fork import fork_allowed, forked
from tkctl.log import took

log = logging.getLogger("tkctl.plan")

# Below this many objects no split saves MIN_SAVED: the cost model is not even asked.
MIN_OBJECTS = 2_000
# Microseconds the child starts later than the plan goes on: forking a large process.
FORK_COST = 20_000
# Microseconds a split must save to be worth its second process's CPU.
MIN_SAVED = 30_000
# Seconds the plan waits for the answers once it needs them, beyond which it plans alone.
CHILD_WAIT = 30.0


def plan_on_two_cores(desired: DesiredState, live: LiveState, state: Mapping[tuple[str, str], Recorded],
                      *, ignore: Mapping[str, list[str]] | None = None, environ: Mapping[str, str] = os.environ,
                      **details: Any) -> Plan:
    """`build_plan(desired, live, state, ignore=ignore, **details)`, on two cores when it pays."""
    started = time.perf_counter()
    plan = _plan(desired, live, state, ignore, environ, details)
    log.info("plan: %d objects compared in %s", len(desired), took(started))
    return plan


def _plan(desired: DesiredState, live: LiveState, state: Mapping[tuple[str, str], Recorded],
          ignore: Mapping[str, list[str]] | None, environ: Mapping[str, str], details: dict[str, Any]) -> Plan:
    if len(desired) < MIN_OBJECTS or not fork_allowed(environ):
        return build_plan(desired, live, state, ignore=ignore, **details)
    start = split_point(desired, FORK_COST, least=MIN_SAVED)
    if start is None:
        return build_plan(desired, live, state, ignore=ignore, **details)
    with forked(lambda: unchanged_objects(desired, live, state, ignore=ignore, start=start)) as collect:

        def unchanged() -> bytes | None:
            verdicts = collect(CHILD_WAIT)
            if verdicts is None:
                log.debug("plan: the second process gave no answer; comparing its %d objects here",
                          len(desired) - start)
            else:
                log.debug("plan: %d of %d objects compared in a second process, %d of them unchanged",
                          len(verdicts), len(desired), sum(verdicts))
            return verdicts

        return build_plan(desired, live, state, ignore=ignore, unchanged=unchanged, start=start, **details)
