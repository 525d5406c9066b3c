"""Making a plan: read the account, check it is the state's app, and ask the core.

Every command that needs a plan (plan, apply, drift, and apply of a saved plan to see whether
it is stale) comes through `make_plan`, so they all read the account the same way: the app
(`GET /app`) and the two listings that hold every object, all three at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import ItemsView, Iterator, ValuesView
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, TypeVar

from tkctl.core.live import LiveState
from tkctl.core.plan import Plan, Recorded
from tkctl.config.settings import Settings
from tkctl.errors import StateError, TkctlError
from tkctl.gcpause import collector_paused
from tkctl.log import took
from tkctl.planapart import plan_on_two_cores
from tkctl.state.format import StateEntry
from tkctl.state.store import State
from tkctl.targets import Target, open_target
from tkctl.core.scope import restrict
from tkctl.timekit.bookings import booking_warnings, bookings_at_risk
from tkctl.timekit.reader import read_live
from tkctl.workspace import Workspace, open_workspace, read_state, state_backend

log = logging.getLogger("tkctl.plan")


Account = tuple[LiveState, dict[str, Any]]
A = TypeVar("A")
R = TypeVar("R")


def read_account(target: Target) -> Account:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        app = pool.submit(target.app)
        live = read_live(target.client)  # runs its own two listings at once
        account = live, app.result()
    log.info("account: %d objects read in %s", live.count(), took(started))
    return account


class EarlyRead:
    """The account read, started as soon as tkctl.yaml is read, while the config and state load.

    Reading the account is mostly waiting on the network; loading the object files and the
    state file is work for the processor. One after the other, a plan takes their sum; with the
    read started first, its waiting hides the loading. Nothing else changes:
    - a problem in the config is still reported first and alone, at once: the read is
      abandoned. Closing its client ends any wait it is in (pacing, Retry-After), shuts down
      its connections so that a thread waiting for an answer wakes up, and lets it send
      nothing more; its daemon thread never holds the command up;
    - failing to reach the account (no token, a refused connection, an API error) is raised
      where it was before, after the config loaded: `target` opens the target again when the
      early attempt failed, and `account` re-raises the read's own error.
    The state is read the same way, in a second thread, as soon as tkctl.yaml names it: a
    state file's errors are raised where they were (`state`), and a config loaded in a second
    process (`config/twocores.py`) leaves this one free to read it meanwhile.
    For commands that only read (`plan_folder`: plan, drift). Apply reads the account under
    the state lock, so that it plans from an account no other apply is changing."""

    def __init__(self, stack: contextlib.ExitStack, *, emulator: bool, environ: Mapping[str, str]):
        self._stack = stack
        self._emulator = emulator
        self._environ = environ
        self._settings: Settings | None = None
        self._target: Target | None = None
        self._read: Future[Account] | None = None
        self._state: Future[State] | None = None

    def start(self, settings: Settings) -> None:
        """Open the target for `settings` and start reading; never raises (see `target`)."""
        try:
            self._target = self._stack.enter_context(open_target(settings, emulator=self._emulator,
                                                                 environ=self._environ))
        except TkctlError:
            return
        self._settings = settings
        self._read = _in_background(read_account, self._target)
        self._state = _in_background(self._read_state, settings, "tkctl-read-state")

    def _read_state(self, settings: Settings) -> State:
        return read_state(state_backend(settings, self._emulator))

    def target(self, settings: Settings) -> Target:
        """The target for the loaded settings: the early one, or one opened now."""
        if self._target is not None and settings is self._settings:
            return self._target
        self._read = None
        return self._stack.enter_context(open_target(settings, emulator=self._emulator, environ=self._environ))

    def account(self) -> Future[Account] | None:
        """The read started early for the target `target` returned, if there is one."""
        return self._read

    def state(self, workspace: Workspace) -> State:
        """The state for the loaded settings: read early (its error raised now), or now."""
        if self._state is not None and workspace.settings is self._settings:
            return self._state.result()
        return workspace.read_state(self._emulator)


def _in_background(fn: Callable[[A], R], arg: A, name: str = "tkctl-read-account") -> Future[R]:
    """`fn(arg)` in a daemon thread: a command ending on a config problem does not wait for it."""
    future: Future[R] = Future()

    def run() -> None:
        try:
            future.set_result(fn(arg))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever asks for the result
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


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


def records(state: State) -> Mapping[tuple[str, str], Recorded]:
    """The state's entries as the plan reads them, by (kind, key)."""
    return _Records(state.entries)


class _Records(Mapping[tuple[str, str], StateEntry]):
    """A view of the state's entries keyed (kind, key), each entry the plan's record of its
    object (`core.plan.Recorded`). A copy made a record, a key and a slot per entry, 9 MB at
    20,000 resources, just as the plan starts: where a first plan's memory peaks."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Mapping[str, StateEntry]):
        self._entries = entries  # keyed by address: "kind.key"

    def __getitem__(self, ident: tuple[str, str]) -> StateEntry:
        found = self.get(ident)
        if found is None:
            raise KeyError(ident)
        return found

    def get(self, ident: tuple[str, str], default: Any = None) -> Any:  # type: ignore[override]
        kind, key = ident
        entry = self._entries.get(f"{kind}.{key}")
        # "resource.a.b" is ("resource", "a.b"), never ("resource.a", "b").
        return entry if entry is not None and entry.key == key else default

    def __contains__(self, ident: object) -> bool:
        return isinstance(ident, tuple) and len(ident) == 2 and self.get(ident) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((e.kind, e.key) for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def values(self) -> ValuesView[StateEntry]:
        return _Values(self)

    def items(self) -> ItemsView[tuple[str, str], StateEntry]:
        return _Items(self)


class _Values(ValuesView):
    def __iter__(self) -> Iterator[StateEntry]:
        return iter(self._mapping._entries.values())


class _Items(ItemsView):
    def __iter__(self) -> Iterator[tuple[tuple[str, str], StateEntry]]:
        return (((e.kind, e.key), e) for e in self._mapping._entries.values())


def make_plan(workspace: Workspace, target: Target, state: State, *, warn_bookings: bool = True,
              targets: list[str] | None = None, excludes: list[str] | None = None,
              account: Future[Account] | None = None) -> Plan:
    """Read the account (or take `account`, read by `EarlyRead`) and plan; `targets` /
    `excludes` (address globs) make it partial.

    `warn_bookings` counts the future bookings of what the plan deletes or replaces (one search
    per such object); checking a saved plan for staleness does not need them."""
    with collector_paused():  # tkctl/gcpause.py
        return _make_plan(workspace, target, state, warn_bookings, targets, excludes, account)


def _make_plan(workspace: Workspace, target: Target, state: State, warn_bookings: bool,
               targets: list[str] | None, excludes: list[str] | None, account: Future[Account] | None) -> Plan:
    if account is not None:
        started = time.perf_counter()
        live, app = account.result()
        log.info("plan: waited %s for the account read", took(started))
    else:
        live, app = read_account(target)
    check_app(state, app, workspace.state_name(target.emulator))
    plan = plan_on_two_cores(
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


def plan_folder(config_dir: str, *, env: str | None, emulator: bool, environ: Mapping[str, str],
                warn: Callable[[str], None] | None = None, warn_bookings: bool = True,
                targets: list[str] | None = None, excludes: list[str] | None = None) -> tuple[Workspace, Plan]:
    """Load a config folder and plan it, the account read while the config loads (`EarlyRead`)."""
    with contextlib.ExitStack() as stack:
        early = EarlyRead(stack, emulator=emulator, environ=environ)
        workspace = open_workspace(config_dir, env=env, warn=warn, on_settings=early.start)
        target = early.target(workspace.settings)
        plan = make_plan(workspace, target, early.state(workspace), warn_bookings=warn_bookings,
                         targets=targets, excludes=excludes, account=early.account())
    return workspace, plan
