"""Making a plan: read the account, check it is the state's app, and ask the core.

Every command that needs a plan (plan, apply, drift, and apply of a saved plan to see whether
it is stale) comes through `make_plan`, so they all read the account the same way: the app
(`GET /app`) and the two listings that hold every object, all three at once.
"""

from __future__ import annotations

import contextlib
import gc
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from tkctl.core.live import LiveState
from tkctl.core.build import build_plan
from tkctl.core.plan import Plan, StateRecord
from tkctl.errors import StateError
from tkctl.state.store import State
from tkctl.targets import Target
from tkctl.core.scope import restrict
from tkctl.timekit.bookings import booking_warnings, bookings_at_risk
from tkctl.timekit.reader import read_live
from tkctl.workspace import Workspace


def read_account(target: Target) -> tuple[LiveState, dict[str, Any]]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        app = pool.submit(target.app)
        live = read_live(target.client)  # runs its own two listings at once
        return live, app.result()


def check_app(state: State, app: dict[str, Any], state_path: str) -> None:
    """Refuse to use a state that describes another Timekit app than the token reaches."""
    bound = state.app
    if bound and bound.get("id") != app["id"]:
        raise StateError(
            f"the state file {state_path} belongs to Timekit app {bound.get('slug') or '?'} ({bound.get('id')}), "
            f"but the token reaches app {app['slug'] or '?'} ({app['id']}). Use the token of that app, or "
            "point `state` in tkctl.yaml at this app's own state file. tkctl will not treat every "
            "object of one account as deleted from another."
        )


def records(state: State) -> dict[tuple[str, str], StateRecord]:
    return {(e.kind, e.key): StateRecord(e.id, e.fingerprint, e.fields or None, e.lifecycle)
            for e in state.entries.values()}


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector paused while the account is read and compared.

    Reading and planning a large account makes hundreds of thousands of containers that live
    until the plan is done and form no cycles; every full collection would walk all of them,
    and the config, again (about a sixth of the CPU time of a 5,000-resource plan). It runs
    again, as before, once the plan is made; nothing it would have freed is lost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def make_plan(workspace: Workspace, target: Target, state: State, *, warn_bookings: bool = True,
              targets: list[str] | None = None, excludes: list[str] | None = None) -> Plan:
    """Read the account and plan; `targets` / `excludes` (address globs) make it partial.

    `warn_bookings` counts the future bookings of what the plan deletes or replaces (one search
    per such object); checking a saved plan for staleness does not need them."""
    with _collector_paused():
        return _make_plan(workspace, target, state, warn_bookings, targets, excludes)


def _make_plan(workspace: Workspace, target: Target, state: State, warn_bookings: bool,
               targets: list[str] | None, excludes: list[str] | None) -> Plan:
    live, app = read_account(target)
    check_app(state, app, workspace.state_name(target.emulator))
    plan = build_plan(
        workspace.desired,
        live,
        records(state),
        target={"api_url": target.api_url, "config_dir": workspace.display_dir, "emulator": target.emulator,
                "app": app, "environment": workspace.environment},
        state_info={"lineage": state.lineage or None, "serial": state.serial},
        ignore={kind: list(paths) for kind, paths in workspace.settings.ignore_fields.items()},
    )
    plan = restrict(plan, workspace.desired, list(targets or ()), list(excludes or ()))
    if warn_bookings:
        plan.bookings = bookings_at_risk(target.client, plan.changes, datetime.now(timezone.utc))
        plan.warnings.extend(booking_warnings(plan.changes, plan.bookings))
    return plan
