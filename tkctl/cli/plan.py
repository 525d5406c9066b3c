"""`tkctl plan`: show what apply would change, without changing anything; optionally save it."""

from __future__ import annotations

import os
import sys

import click

from tkctl import __version__
from tkctl.cli import options
from tkctl.errors import PlanRefused


def problems_error(problems: list[str]) -> PlanRefused:
    n = len(problems)
    return PlanRefused(f"the plan cannot be applied: {n} problem{'s' if n != 1 else ''}, listed with the plan:\n  "
                       + "\n  ".join(problems))


@click.command(name="plan")
@options.config_dir
@options.output_format
@click.option("--out", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Also save the plan to this file (JSON), for `tkctl apply FILE` and `tkctl show FILE`.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 2 when the plan has changes (0: no changes, 1: error).")
@options.max_chars
@options.targets
@options.excludes
@options.show_unmanaged
@options.safety
@options.env
@options.emulator
@options.color
def command(config_dir: str, fmt: str, out: str | None, detailed_exitcode: bool, max_chars: int,
            targets: tuple[str, ...], excludes: tuple[str, ...], show_unmanaged: bool, allow_deletes: bool,
            allow_replace: bool, force: bool, env: str | None, emulator: bool, color: str) -> int:
    """Compare CONFIG_DIR (default: .) with the live account and show the changes.

    Never takes the state lock: any number of plans may run at once. A saved plan records
    the state serial it read, so it goes stale if an apply lands first. What apply would
    refuse (deletes, replacements, protected objects, too many changes) is shown with the
    plan; the safety flags here only preview their effect."""
    # Imported here: `tkctl plan --help` (and every other command) does without the planner,
    # the API client and the renderers.
    from tkctl.cli.judge import judge
    from tkctl.gcpause import collector_paused
    from tkctl.planner import plan_folder
    from tkctl.render import render
    from tkctl.render.color import use_color
    from tkctl.savedplan import write_plan_file

    workspace, plan = plan_folder(config_dir, env=env, emulator=emulator, environ=os.environ, warn=options.warn,
                                  targets=list(targets), excludes=list(excludes))
    with collector_paused():  # a change, a step and lines per object of a first import: tkctl/gcpause.py
        data = plan.data(__version__)
        judge(data, workspace.policy(allow_deletes=allow_deletes, allow_replace=allow_replace, force=force))
        if out:
            write_plan_file(out, data)
        render(fmt, data, sys.stdout, color=use_color(color, sys.stdout), max_chars=max_chars, full_plan=out,
               show_unmanaged=show_unmanaged)
    if plan.problems:
        raise problems_error(plan.problems)
    return 2 if (detailed_exitcode and plan.has_changes) else 0
