"""`tkctl state ...`: look after the state itself, on any backend.

    tkctl state list [DIR]               what the state manages: address and Timekit id
    tkctl state show ADDRESS [DIR]       one entry, as JSON
    tkctl state mv OLD NEW [DIR]         rename a key, keeping its Timekit id
    tkctl state rm ADDRESS... [DIR]      forget objects (nothing is deleted in the account)
    tkctl state rebuild [DIR]            recover a lost state from the tags on live objects
    tkctl state unlock [DIR] [--force]   remove a lock left behind, saying whose it was
    tkctl state pull [DIR]               print the state (JSON) to stdout
    tkctl state push FILE [DIR]          replace the state with FILE, if it is its newer self

Pull and push together move a state from one backend to another (docs/state-backends.md).
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
import uuid

import click

from tkctl.cli import options
from tkctl.errors import StateError
from tkctl.fileio import read_regular_file
from tkctl.state.format import MAX_STATE_BYTES, State, StateEntry, dump_state, parse_state
from tkctl.state.lock import describe_holder
from tkctl.workspace import open_workspace


def note(line: str) -> None:
    """Notes about the state lock (waiting for it, taking over an expired one) go to stderr."""
    click.echo(line, err=True)


@click.group(name="state")
def command() -> None:
    """Inspect, copy and repair the state."""


@command.command(name="unlock")
@options.config_dir
@click.option("--force", is_flag=True,
              help="Remove the lock even if its holder may still be running (another host's lock).")
@options.env
@options.emulator
def unlock(config_dir: str, force: bool, env: str | None, emulator: bool) -> int:
    """Remove the state lock of CONFIG_DIR (default: .) and say whose it was.

    Without --force only a lock whose holder is surely gone is removed (a dead process on this
    host, a lock left unwritten by a killed tkctl, or an S3 lock past its expiry)."""
    backend = open_workspace(config_dir, env=env).backend(emulator)
    view = backend.lock_view()
    if view is None:
        click.echo(f"The state file {backend.name} is not locked.")
        return 0
    who = describe_holder(view.holder) if view.holder else f"nobody readable ({view.problem})"
    if not force and not view.stale:
        raise click.ClickException(
            f"the state lock {view.name} is held by {who}, which may still be running. If it is not, "
            "run again with --force."
        )
    backend.remove_lock(view)
    click.echo(f"Removed the state lock {view.name}, held by {who}.")
    return 0


@command.command(name="pull")
@options.config_dir
@options.env
@options.emulator
def pull(config_dir: str, env: str | None, emulator: bool) -> int:
    """Print the state of CONFIG_DIR (default: .) as JSON on standard output.

    Takes no lock, like plan. Redirect it to a file for a backup, or to push it to another
    backend."""
    backend = open_workspace(config_dir, env=env).backend(emulator)
    state = backend.read()
    if not state.lineage:
        raise StateError(f"there is no state at {backend.name} yet: no apply or refresh has saved one there")
    click.echo(dump_state(state), nl=False)
    return 0


@command.command(name="push")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=str))
@options.config_dir
@click.option("--force", is_flag=True,
              help="Replace the state even if FILE has another lineage or is not newer than it.")
@options.env
@options.lock_timeout
@options.emulator
def push(file: str, config_dir: str, force: bool, env: str | None, lock_timeout: float, emulator: bool) -> int:
    """Replace the state of CONFIG_DIR (default: .) with FILE (`-`: standard input).

    FILE must be a newer copy of the same state: the same lineage and a higher serial (a state
    pulled from another backend is, for an empty one). With --force it replaces the state
    whatever it holds, and its serial is raised past the current one, so plans saved before
    go stale. Takes the state lock."""
    pushed = _read_state_file(file)
    workspace = open_workspace(config_dir, env=env)
    with workspace.locked(emulator, "push", lock_timeout, note) as store:
        current = store.state
        refusal = _refusal(file, pushed, current, store.name) if current.lineage else None
        if refusal and not force:
            raise StateError(refusal + " Use --force to replace it anyway.")
        if refusal:
            pushed.serial = max(pushed.serial, current.serial) + 1
        store.replace(pushed)
        name = store.name
    click.echo(f"Pushed {file} to {name}: lineage {pushed.lineage}, serial {pushed.serial}, "
               f"{len(pushed.entries)} object{'s' if len(pushed.entries) != 1 else ''}.")
    return 0


def _read_state_file(file: str) -> State:
    name = "standard input" if file == "-" else file
    try:
        raw = sys.stdin.buffer.read(MAX_STATE_BYTES + 1) if file == "-" else read_regular_file(file, MAX_STATE_BYTES)
    except OSError as exc:
        raise StateError(f"cannot read the state file {name}: {exc.strerror or exc}") from None
    return parse_state(raw, name)


def _refusal(file: str, pushed: State, current: State, name: str) -> str | None:
    """Why FILE is not a newer copy of the current state, or None when it is."""
    if pushed.lineage != current.lineage:
        return (f"refusing to push {file}: its lineage {pushed.lineage} is not the lineage {current.lineage} of the "
                f"state {name}, so it is the state of another account or setup.")
    if pushed.serial <= current.serial:
        return (f"refusing to push {file}: its serial {pushed.serial} is not newer than the serial {current.serial} "
                f"of the state {name}, which has been written since {file} was made. Pull the state again.")
    return None


@command.command(name="list")
@options.config_dir
@options.env
@options.emulator
def list_(config_dir: str, env: str | None, emulator: bool) -> int:
    """List what the state of CONFIG_DIR (default: .) manages: address and Timekit id."""
    backend = open_workspace(config_dir, env=env).backend(emulator)
    state = backend.read()
    for address, entry in sorted(state.entries.items(), key=lambda item: (_KIND_RANK[item[1].kind], item[0])):
        click.echo(f"{address}  {entry.id}")
    n = len(state.entries)
    click.echo(f"{n} object{'s' if n != 1 else ''} in {backend.name}.", err=True)
    return 0


@command.command(name="show")
@click.argument("address")
@options.config_dir
@options.env
@options.emulator
def show(address: str, config_dir: str, env: str | None, emulator: bool) -> int:
    """Show one state entry (JSON): ADDRESS is kind.key, e.g. resource.dr-jones."""
    backend = open_workspace(config_dir, env=env).backend(emulator)
    entry = backend.read().entries.get(address)
    if entry is None:
        raise StateError(_unknown(address, backend.read(), backend.name))
    data = {"address": address, "kind": entry.kind, "key": entry.key, "id": entry.id,
            "fingerprint": entry.fingerprint, "fields": entry.fields}
    if entry.lifecycle:
        data["lifecycle"] = entry.lifecycle
    click.echo(json.dumps(data, indent=2))
    return 0


@command.command(name="mv")
@click.argument("old")
@click.argument("new")
@options.config_dir
@options.env
@options.lock_timeout
@options.emulator
def mv(old: str, new: str, config_dir: str, env: str | None, lock_timeout: float, emulator: bool) -> int:
    """Rename OLD to NEW in the state (same kind), keeping its Timekit id: the next plan treats
    the object as NEW's. A `moved:` entry in the config does the same as part of a plan."""
    kind, _, new_key = new.partition(".")
    if kind not in _KIND_RANK or not _KEY.match(new_key):
        raise click.UsageError(f"{new!r} is not an address such as resource.dr-jones")
    workspace = open_workspace(config_dir, env=env)
    with workspace.locked(emulator, "state mv", lock_timeout, note) as store:
        state = copy.deepcopy(store.state)
        entry = state.entries.get(old)
        if entry is None:
            raise StateError(_unknown(old, state, store.name))
        if entry.kind != kind:
            raise StateError(f"{old} is a {entry.kind}; it can only be renamed to another {entry.kind}.* address")
        if new in state.entries:
            raise StateError(f"{new} is already in the state (id {state.entries[new].id}); remove it first with "
                             "tkctl state rm")
        state.remove(entry.kind, entry.key)
        state.put(StateEntry(kind, new_key, entry.id, entry.fingerprint, dict(entry.fields), dict(entry.lifecycle)))
        state.serial += 1  # plans saved before this no longer describe the state
        store.replace(state)
        name = store.name
    click.echo(f"Moved {old} to {new} ({entry.id}) in {name}.")
    return 0


@command.command(name="rm")
@click.argument("addresses", nargs=-1, required=True)
@options.config_dir
@options.env
@options.lock_timeout
@options.emulator
def rm(addresses: tuple[str, ...], config_dir: str, env: str | None, lock_timeout: float, emulator: bool) -> int:
    """Forget ADDRESSES: the state stops managing them; nothing is deleted in the account."""
    workspace = open_workspace(config_dir, env=env)
    with workspace.locked(emulator, "state rm", lock_timeout, note) as store:
        missing = [a for a in addresses if a not in store.state.entries]
        if missing:
            raise StateError("; ".join(_unknown(a, store.state, store.name) for a in missing))
        state = copy.deepcopy(store.state)
        gone = [state.entries[a] for a in addresses]
        for entry in gone:
            state.remove(entry.kind, entry.key)
        state.serial += 1
        store.replace(state)
        name = store.name
    for entry in gone:
        click.echo(f"Forgot {entry.address} ({entry.id}) in {name}; it stays in the account.")
    return 0


@command.command(name="rebuild")
@options.config_dir
@click.option("--force", is_flag=True, help="Replace a state that exists (its lineage is kept).")
@options.env
@options.lock_timeout
@options.emulator
def rebuild(config_dir: str, force: bool, env: str | None, lock_timeout: float, emulator: bool) -> int:
    """Recover a lost state from the tags tkctl writes on live objects.

    Every tagged resource and project is recorded under its tag, also those whose key has left
    the config (the next plan shows them as deletes to review, never deleted silently); config
    calendars are found by their resource and name. Changes nothing in the account."""
    from tkctl.core.drift import rebuild as rebuilt_ids
    from tkctl.core.drift import refresh
    from tkctl.core.plan import StateRecord
    from tkctl.planner import check_app, read_account
    from tkctl.targets import open_target

    workspace = open_workspace(config_dir, env=env)
    with open_target(workspace.settings, emulator=emulator, environ=os.environ) as target, \
            workspace.locked(emulator, "state rebuild", lock_timeout, note) as store:
        if store.state.entries and not force:
            raise StateError(f"the state {store.name} holds {len(store.state.entries)} objects; rebuilding replaces "
                             "it: add --force to do so")
        live, app = read_account(target)
        check_app(store.state, app, store.name)
        ids, problems = rebuilt_ids(workspace.desired, live)
        items = refresh(workspace.desired, live, {k: StateRecord(i) for k, i in ids.items()})
        state = State(lineage=store.state.lineage or str(uuid.uuid4()), serial=store.state.serial + 1,
                      app={"id": app["id"], "slug": app["slug"]})
        for item in items:
            assert item.id is not None and item.record is not None
            state.put(StateEntry(item.kind, item.key, item.id, item.record.fingerprint, dict(item.record.fields)))
        store.replace(state)
        name = store.name
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    configured = {f"{o.kind}.{o.key}" for o in workspace.desired}
    for address, entry in sorted(state.entries.items()):
        note_ = "" if address in configured else "  (not in the config: the next plan deletes it, review it)"
        click.echo(f"= {address}: {entry.id}{note_}")
    missing = sorted(configured - set(state.entries))
    click.echo(f"Rebuilt {name}: {len(state.entries)} recorded"
               + (f"; {len(missing)} in the config not found live (the next plan creates them)" if missing else "")
               + ". Nothing was changed in the account; run tkctl plan to review.")
    return 0


_KIND_RANK = {"resource": 0, "calendar": 1, "project": 2}
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def _unknown(address: str, state: State, name: str) -> str:
    from tkctl.config.schema import did_you_mean

    guess = did_you_mean(address, list(state.entries))
    return f"{address} is not in the state {name}" + (f'; did you mean "{guess}"?' if guess else "")
