"""`tkctl apply` (placeholder until implemented)."""

import click


@click.command(name="apply")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("tkctl apply is not implemented yet")
