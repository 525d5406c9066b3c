"""`tkctl drift`: only what changed in the account outside tkctl, for a scheduled job.

Exit 0 when there is none, 2 when there is some (1 on errors), in every format."""

from __future__ import annotations

import os
import sys

import click

from tkctl import __version__
from tkctl.cli import options
from tkctl.core.drift import drift_report
from tkctl.gcpause import collector_paused
from tkctl.planner import plan_folder
from tkctl.render import render
from tkctl.render.color import use_color


@click.command(name="drift")
@options.config_dir
@options.output_format
@options.max_chars
@options.targets
@options.excludes
@options.env
@options.emulator
@options.color
def command(config_dir: str, fmt: str, max_chars: int, targets: tuple[str, ...], excludes: tuple[str, ...],
            env: str | None, emulator: bool, color: str) -> int:
    """Report objects of CONFIG_DIR (default: .) changed in the account outside tkctl."""
    _, plan = plan_folder(config_dir, env=env, emulator=emulator, environ=os.environ, warn_bookings=False,
                          targets=list(targets), excludes=list(excludes))
    with collector_paused():  # tkctl/gcpause.py
        report = drift_report(plan.data(__version__))
        render(fmt, report, sys.stdout, color=use_color(color, sys.stdout), max_chars=max_chars)
    return 2 if report["has_changes"] else 0
