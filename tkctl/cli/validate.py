"""`tkctl validate [DIR]`: check a config directory offline, with no network and no token."""

from __future__ import annotations

import click

from tkctl.config import load_config
from tkctl.config.yamlfile import display_path
from tkctl.core.model import KINDS


def _count(n: int, kind: str) -> str:
    return f"{n} {kind}{'' if n == 1 else 's'}"


@click.command(name="validate")
@click.argument("config_dir", default=".", metavar="[DIR]")
def command(config_dir: str) -> int:
    """Check the config in DIR (default: the current directory): YAML syntax, schema,
    duplicate keys, references, time zones, constraints, unique slugs and e-mails.

    Reports every problem at once and exits 1 if there is any; never contacts the API.
    """
    settings, desired = load_config(config_dir)
    counts = ", ".join(_count(len(desired.of_kind(kind)), kind) for kind in KINDS)
    click.echo(f"Config OK: {counts} ({display_path(settings.config_dir)}).")
    return 0
