"""`tkctl state ...`: look after the state itself, on any backend.

    tkctl state unlock [DIR] [--force]   remove a lock left behind, saying whose it was
    tkctl state pull [DIR]               print the state (JSON) to stdout
    tkctl state push FILE [DIR]          replace the state with FILE, if it is its newer self

Pull and push together move a state from one backend to another (docs/state-backends.md).
"""

from __future__ import annotations

import sys

import click

from tkctl.cli import options
from tkctl.errors import StateError
from tkctl.fileio import read_regular_file
from tkctl.state.format import MAX_STATE_BYTES, State, dump_state, parse_state
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
