"""`tkctl import [DIR] ADDRESS ID`: adopt one live object into the state, by its Timekit id.

For an object made by hand that no natural key finds (a calendar renamed in the admin UI, a
resource with no e-mail): the config must already define ADDRESS; the object must exist in
the account and not be managed under another key. It is recorded as it is live, so the next
plan shows only the real differences between it and the config. Nothing changes in the
account.
"""

from __future__ import annotations

import os

import click

from tkctl.cli import options
from tkctl.cli.state import note
from tkctl.core.drift import refresh
from tkctl.core.plan import StateRecord
from tkctl.errors import StateError
from tkctl.planner import check_app, read_account
from tkctl.state.format import StateEntry
from tkctl.targets import open_target
from tkctl.workspace import open_workspace


@click.command(name="import")
@click.argument("args", nargs=-1, required=True, metavar="[DIR] ADDRESS ID")
@options.env
@options.lock_timeout
@options.emulator
def command(args: tuple[str, ...], env: str | None, lock_timeout: float, emulator: bool) -> int:
    """Record the live object ID as ADDRESS (kind.key, defined in the config of DIR, default .)."""
    if len(args) == 2:
        config_dir, (address, object_id) = ".", args
    elif len(args) == 3:
        config_dir, address, object_id = args
    else:
        raise click.UsageError("give [DIR] ADDRESS ID, e.g. tkctl import config/ resource.dr-jones 3f1c...")
    kind, _, key = address.partition(".")
    workspace = open_workspace(config_dir, env=env)
    if workspace.desired.get(kind, key) is None:
        raise StateError(f"{address} is not defined in the config; define it first, then import its live object")
    with open_target(workspace.settings, emulator=emulator, environ=os.environ) as target, \
            workspace.locked(emulator, "import", lock_timeout, note) as store:
        live, app = read_account(target)
        check_app(store.state, app, store.name)
        if live.get(kind, object_id) is None:
            raise StateError(f"the account has no {kind} with id {object_id}")
        current = store.state.get(kind, key)
        if current is not None:
            raise StateError(f"{address} is already in the state as {current.id}; forget it first with "
                             f"tkctl state rm {address}")
        other = next((e for e in store.state.entries.values() if e.id == object_id), None)
        if other is not None:
            raise StateError(f"{object_id} is already managed as {other.address}; rename that with tkctl state mv "
                             f"{other.address} {address}")
        (item,) = refresh(workspace.desired, live, {(kind, key): StateRecord(object_id)})
        assert item.record is not None
        store.bind_app({"id": app["id"], "slug": app["slug"]})
        store.record(StateEntry(kind, key, object_id, item.record.fingerprint, dict(item.record.fields)))
        name = store.name
    click.echo(f"Imported {address} ({object_id}) into {name}. Run tkctl plan to see how it differs from the config.")
    return 0
