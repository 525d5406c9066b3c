"""`tkctl plan` (placeholder until implemented)."""

import click


@click.command(name="plan")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("tkctl plan is not implemented yet")
