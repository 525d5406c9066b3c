"""`tkctl apply`: plan, confirm, execute in dependency order, record ids in the state file."""

from __future__ import annotations

import sys

import click

from tkctl import __version__
from tkctl.apply import Applier
from tkctl.cli import options
from tkctl.errors import PlanRefused
from tkctl.render.color import use_color
from tkctl.render.text import render_text
from tkctl.session import open_session
from tkctl.state.lock import StateLock
from tkctl.state.store import StateStore, load_state


@click.command(name="apply")
@options.config_dir
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@options.emulator
@options.color
def command(config_dir: str, auto_approve: bool, emulator: bool, color: str) -> int:
    """Make the live account match CONFIG_DIR (default: .)."""
    out = sys.stdout
    with open_session(config_dir, emulator=emulator) as session, StateLock(session.state_path, "apply"):
        store = StateStore(session.state_path, load_state(session.state_path))
        plan = session.plan(store.state)
        render_text(plan.data(__version__), out, color=use_color(color, out))
        if plan.problems:
            raise PlanRefused("the plan cannot be applied:\n  " + "\n  ".join(plan.problems))
        if plan.has_changes and not auto_approve:
            _confirm()
        result = Applier(session.client, store, report=lambda line: click.echo(line, file=out)).run(plan)
        if plan.has_changes:
            click.echo(result.summary(), file=out)
    return 0


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise PlanRefused(
            "refusing to apply without confirmation: standard input is not a terminal. "
            "Review the plan and pass --auto-approve to apply non-interactively."
        )
    answer = click.prompt("\nApply these changes? Only 'yes' will be accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise PlanRefused("apply cancelled: nothing was changed.")
