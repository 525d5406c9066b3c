"""`tkctl show PLANFILE`: render a saved plan, e.g. as the pull-request comment of a CI job."""

from __future__ import annotations

import sys

import click

from tkctl.cli import options
from tkctl.render import render
from tkctl.render.color import use_color
from tkctl.savedplan import read_plan_file


@click.command(name="show")
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=str))
@options.output_format
@options.max_chars
@options.color
def command(plan_file: str, fmt: str, max_chars: int, color: str) -> int:
    """Show the saved plan PLAN_FILE (written by `tkctl plan --out`) in any format."""
    data = read_plan_file(plan_file)
    render(fmt, data, sys.stdout, color=use_color(color, sys.stdout), max_chars=max_chars, full_plan=plan_file)
    return 0
