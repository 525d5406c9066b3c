"""`tkctl plan`: show what apply would change, without changing anything."""

from __future__ import annotations

import sys

import click

from tkctl import __version__
from tkctl.cli import options
from tkctl.errors import PlanRefused
from tkctl.render import RENDERERS
from tkctl.render.color import use_color
from tkctl.session import open_session
from tkctl.state.store import load_state


@click.command(name="plan")
@options.config_dir
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True,
              help="text for people, markdown for pull-request comments, json for machines.")
@click.option("--out", type=click.File("w", encoding="utf-8"), default=None,
              help="Write the plan to this file instead of standard output.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 2 when the plan has changes (0: no changes, 1: error).")
@options.emulator
@options.color
def command(config_dir: str, fmt: str, out, detailed_exitcode: bool, emulator: bool, color: str) -> int:
    """Compare CONFIG_DIR (default: .) with the live account and show the changes."""
    stream = out or sys.stdout
    with open_session(config_dir, emulator=emulator) as session:
        plan = session.plan(load_state(session.state_path))
    data = plan.data(__version__)
    RENDERERS[fmt](data, stream, **({"color": use_color(color, stream)} if fmt == "text" else {}))
    if plan.problems:
        raise PlanRefused("the plan cannot be applied:\n  " + "\n  ".join(plan.problems))
    return 2 if (detailed_exitcode and plan.has_changes) else 0
