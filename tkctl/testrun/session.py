"""One `tkctl test` run: reach the account (or a fresh emulator, after applying the config to
it), find the live ids as a plan does, and run the chosen tests one after the other.

The fresh emulator is the pull-request pipeline's first step ("apply to an emulator, test,
then plan production"): its account starts empty and lives in memory, its state is thrown
away, and neither touches the account or state that `plan --emulator` keeps in `.tkctl/`.
Tests run one at a time: `bookable` books and cancels, and two tests booking at once could
see each other's bookings.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timezone
from typing import Callable, Iterator, Mapping

from tkctl import __version__
from tkctl.apply import Executor
from tkctl.core.expect import AvailabilityTest
from tkctl.errors import ApplyFailed, PlanRefused
from tkctl.planner import make_plan
from tkctl.state.format import State, new_state
from tkctl.state.store import StateStore
from tkctl.targets import Target, fresh_emulator, open_target
from tkctl.testrun.runner import Run, Runner
from tkctl.workspace import Workspace


class _Discarded:
    """The fresh emulator's state: kept in memory for the apply, written nowhere."""

    name = "(the fresh emulator's state, not kept)"

    def write(self, text: str) -> None:
        pass


def run_tests(workspace: Workspace, tests: list[AvailabilityTest], *, fresh: bool, environ: Mapping[str, str],
              now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
              note: Callable[[str], None] = lambda line: None) -> Run:
    """Run `tests` against the account (or a fresh emulator); `note` hears about objects with
    changes not applied yet, whose tests check the account as it is."""
    with _target(workspace, fresh, environ) as target:
        applied, state = _apply_fresh(workspace, target) if fresh else (None, workspace.read_state(False))
        plan = make_plan(workspace, target, state, warn_bookings=False)
        pending = {c.address: c.action for c in plan.changes}
        run = Run(workspace.display_dir, target.api_url, fresh, [], applied)
        for line in _pending_notes(workspace, tests, pending):
            run.notes.append(line)
            note(line)
        runner = Runner(target.client, workspace.desired, plan.ids, may_book=fresh, now=now)
        run.results = [runner.run(test) for test in tests]
    return run


@contextlib.contextmanager
def _target(workspace: Workspace, fresh: bool, environ: Mapping[str, str]) -> Iterator[Target]:
    if fresh:
        with fresh_emulator(workspace.settings) as target:
            yield target
    else:
        with open_target(workspace.settings, emulator=False, environ=environ) as target:
            yield target


def _apply_fresh(workspace: Workspace, target: Target) -> tuple[str, State]:
    plan = make_plan(workspace, target, new_state(), warn_bookings=False)
    if plan.problems:
        raise PlanRefused("the config cannot be applied to the emulator:\n  " + "\n  ".join(plan.problems))
    store = StateStore(_Discarded(), new_state())
    try:
        result = Executor(target.client, store).run(plan.data(__version__))
    except ApplyFailed as exc:
        # Its advice to run apply again is for a real account: this emulator is gone after the run.
        what = str(exc).split("\nFix the cause", 1)[0]
        raise ApplyFailed(f"applying the config to a fresh emulator failed, so nothing was tested: {what}") from None
    return f"{result.done['create']} created", store.state


def _pending_notes(workspace: Workspace, tests: list[AvailabilityTest], pending: Mapping[str, str]) -> list[str]:
    """A note per tested object (or member resource) that the account does not match yet."""
    notes = []
    for test in tests:
        addresses = [test.address]
        obj = workspace.desired.get(test.kind, test.key)
        if obj is not None and test.kind == "project":
            addresses += [f"resource.{key}" for key in obj.refs.get("resources") or ()]
        changed = [f"{a} ({pending[a]})" for a in addresses if pending.get(a) not in (None, "create")]
        if changed and pending.get(test.address) != "create":  # not there at all: the test says so
            notes.append(f"note: test {test.name}: {', '.join(changed)} not applied yet; the test checks the "
                         "account as it is (tkctl plan shows the changes)")
    return notes
