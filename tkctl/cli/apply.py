"""`tkctl apply`: make the account match the config, or apply a reviewed, saved plan.

    tkctl apply [DIR]              plan, show it, ask for "yes", apply
    tkctl apply DIR --checksum SHA plan; apply only if the plan is the one reviewed (no prompt)
    tkctl apply PLANFILE           apply exactly the saved plan's steps (no prompt: the review
                                   was the approval), unless anything it was made from moved
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from tkctl import __version__, log, progress
from tkctl.apply import Executor
from tkctl.cli import options
from tkctl.cli.judge import judge, refused
from tkctl.cli.plan import problems_error
from tkctl.cli.state import note
from tkctl.config.settings import ENV_VAR
from tkctl.core.planfile import staleness
from tkctl.errors import PlanRefused
from tkctl.gcpause import collector_paused
from tkctl.planner import make_plan
from tkctl.render.color import use_color
from tkctl.render.text import render_text
from tkctl.savedplan import read_plan_file
from tkctl.state.store import StateStore
from tkctl.targets import Target, open_target
from tkctl.workspace import open_workspace


@click.command(name="apply")
@click.argument("target", default=".", metavar="[DIR|PLANFILE]", type=click.Path(path_type=str))
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--checksum", metavar="SHA",
              help="Apply only if the new plan's checksum is SHA (the one reviewed); no prompt.")
@options.targets
@options.excludes
@options.safety
@options.env
@options.lock_timeout
@options.emulator
@options.color
def command(target: str, auto_approve: bool, checksum: str | None, targets: tuple[str, ...],
            excludes: tuple[str, ...], allow_deletes: bool, allow_replace: bool, force: bool, env: str | None,
            lock_timeout: float, emulator: bool, color: str) -> int:
    """Make the live account match DIR (default: .), or apply the saved plan PLANFILE."""
    flags = {"allow_deletes": allow_deletes, "allow_replace": allow_replace, "force": force}
    if Path(target).is_file():
        if checksum or targets or excludes or env:
            raise click.UsageError("--checksum, --target, --exclude and --env are for a config folder; a saved plan "
                                   "carries its own checksum, scope and environment")
        return _apply_saved(target, lock_timeout, emulator, color, flags)
    return _apply_dir(target, auto_approve, checksum, lock_timeout, emulator, color, flags, list(targets),
                      list(excludes), env)


def _apply_dir(config_dir: str, auto_approve: bool, checksum: str | None, lock_timeout: float, emulator: bool,
               color: str, flags: dict[str, bool], targets: list[str], excludes: list[str], env: str | None) -> int:
    out = sys.stdout
    workspace = open_workspace(config_dir, env=env, warn=options.warn)
    with open_target(workspace.settings, emulator=emulator, environ=os.environ) as target, \
            workspace.locked(emulator, "apply", lock_timeout, note) as store:
        plan = make_plan(workspace, target, store.state, targets=targets, excludes=excludes)
        with collector_paused():  # a change, a step and a line per object of a first import: tkctl/gcpause.py
            data = plan.data(__version__)
            found = judge(data, workspace.policy(**flags))
            render_text(data, out, color=use_color(color, out))
        if plan.problems:
            raise problems_error(plan.problems)
        if found:
            raise refused(found)
        if checksum is not None:
            if _normal(checksum) != data["checksum"]:
                raise PlanRefused(
                    f"the plan's checksum is {data['checksum']}, not the reviewed {_normal(checksum)}: the config, "
                    "the state or the account changed since the review. Nothing was changed; review the new plan."
                )
        elif plan.has_changes and not auto_approve:
            _confirm()
        _execute(target, store, data)
    return 0


def _apply_saved(plan_file: str, lock_timeout: float, emulator: bool, color: str, flags: dict[str, bool]) -> int:
    out = sys.stdout
    saved = read_plan_file(plan_file)
    planned_on = saved["target"]
    if emulator and not planned_on.get("emulator"):
        raise click.UsageError("this plan was made for a real account, not the emulator; drop --emulator")
    if saved["problems"]:
        raise problems_error(saved["problems"])
    config_dir = str(planned_on.get("config_dir") or ".")
    if not Path(config_dir).is_dir():
        raise PlanRefused(f"the plan was made from the config folder {config_dir}, which is not here: run "
                          "tkctl apply from the folder the plan was made in")
    # The plan names its environment; TKCTL_ENV must not pick another one.
    environ = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    workspace = open_workspace(config_dir, environ, env=planned_on.get("environment"))
    with open_target(workspace.settings, emulator=bool(planned_on.get("emulator")), environ=os.environ) as target, \
            workspace.locked(target.emulator, "apply", lock_timeout, note) as store:
        current = make_plan(workspace, target, store.state, warn_bookings=False)
        reasons = staleness(saved, current)
        if reasons:
            raise PlanRefused(
                f"the saved plan {plan_file} is stale, so none of it was applied:\n  - " + "\n  - ".join(reasons)
                + "\nMake a new plan and review it."
            )
        found = judge(saved, workspace.policy(**flags))
        render_text(saved, out, color=use_color(color, out))
        if found:
            raise refused(found)
        _execute(target, store, saved)
    return 0


def _execute(target: Target, store: StateStore, data: dict[str, Any]) -> None:
    # One line per object done, readable above a progress bar; none with -q (the summary stays).
    report = (lambda line: None) if log.quiet() else progress.current().echo
    result = Executor(target.client, store, report=report).run(data)
    if data["has_changes"]:
        click.echo(result.summary())


def _normal(checksum: str) -> str:
    checksum = checksum.strip()
    return checksum if checksum.startswith("sha256:") else f"sha256:{checksum}"


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise PlanRefused(
            "refusing to apply without confirmation: standard input is not a terminal. "
            "Review the plan and pass --auto-approve to apply non-interactively."
        )
    answer = click.prompt("\nApply these changes? Only 'yes' will be accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise PlanRefused("apply cancelled: nothing was changed.")
