"""Options shared by the commands that talk to an account (plan, apply)."""

from __future__ import annotations

import click

config_dir = click.argument("config_dir", default=".", type=click.Path(file_okay=False, path_type=str))
emulator = click.option(
    "--emulator",
    is_flag=True,
    help="Target an embedded Timekit emulator instead of a real account "
    "(its account is kept in CONFIG_DIR/.tkctl/emulator.db). No token needed.",
)
color = click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text output (auto: only on a terminal, and never when NO_COLOR is set).",
)
