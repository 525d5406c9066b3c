"""`tkctl state ...`: look after the state file itself (the lock, for now)."""

from __future__ import annotations

import click

from tkctl.cli import options
from tkctl.state.lock import StateLock, describe_holder
from tkctl.workspace import open_workspace


@click.group(name="state")
def command() -> None:
    """Inspect and repair the state file."""


@command.command(name="unlock")
@options.config_dir
@click.option("--force", is_flag=True,
              help="Remove the lock even if its holder may still be running (another host's lock).")
@options.env
@options.emulator
def unlock(config_dir: str, force: bool, env: str | None, emulator: bool) -> int:
    """Remove the state lock of CONFIG_DIR (default: .) and say whose it was.

    Without --force only a lock whose holder is surely gone is removed (a dead process on this
    host, or a lock file left empty by a killed tkctl)."""
    workspace = open_workspace(config_dir, env=env)
    lock = StateLock(workspace.state_path(emulator), "unlock")
    holder, problem = lock.holder()
    if holder is None and problem is None:
        click.echo(f"The state file {lock.state_path} is not locked.")
        return 0
    who = describe_holder(holder) if holder else f"nobody readable ({problem})"
    if not force and not lock.is_stale(holder):
        raise click.ClickException(
            f"the state lock {lock.path} is held by {who}, which may still be running. If it is not, "
            "run again with --force."
        )
    lock.remove()
    click.echo(f"Removed the state lock {lock.path}, held by {who}.")
    return 0
