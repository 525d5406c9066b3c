"""`tkctl emulator` (placeholder until implemented)."""

import click


@click.command(name="emulator")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("tkctl emulator is not implemented yet")
