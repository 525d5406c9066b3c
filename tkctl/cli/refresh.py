"""`tkctl refresh`: accept the account as it is, without changing it.

Records each managed object's live values in the state as "what was last applied", forgets
objects deleted from the account, and records which Timekit app the state belongs to. Drift
reports then go quiet, and the next plan shows the config's differences as config changes.
Takes the state lock, like apply."""

from __future__ import annotations

import os

import click

from tkctl.cli import options
from tkctl.cli.state import note
from tkctl.core.drift import refresh
from tkctl.planner import check_app, read_account, records
from tkctl.state.store import StateEntry
from tkctl.targets import open_target
from tkctl.workspace import open_workspace


@click.command(name="refresh")
@options.config_dir
@options.env
@options.lock_timeout
@options.emulator
def command(config_dir: str, env: str | None, lock_timeout: float, emulator: bool) -> int:
    """Record the live state of CONFIG_DIR's objects (default: .) in the state file."""
    workspace = open_workspace(config_dir, env=env)
    with open_target(workspace.settings, emulator=emulator, environ=os.environ) as target, \
            workspace.locked(emulator, "refresh", lock_timeout, note) as store:
        live, app = read_account(target)
        check_app(store.state, app, store.name)
        store.bind_app({"id": app["id"], "slug": app["slug"]})
        items = refresh(workspace.desired, live, records(store.state))
        recorded = forgotten = 0
        for item in items:
            if item.record is None:
                store.forget(item.kind, item.key)
                forgotten += 1
                click.echo(f"- {item.address}: gone from the account; forgotten")
                continue
            store.record(StateEntry(item.kind, item.key, item.id, item.record.fingerprint, dict(item.record.fields)))
            recorded += 1
            fields = ", ".join(item.changed) if item.changed else "fingerprint"
            click.echo(f"~ {item.address}: recorded the live {fields}")
    if items:
        click.echo(f"Refresh complete: {recorded} recorded, {forgotten} forgotten; nothing was changed in the account.")
    else:
        click.echo("Nothing to refresh: the state already describes the account.")
    return 0
