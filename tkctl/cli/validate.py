"""`tkctl validate` (placeholder until implemented)."""

import click


@click.command(name="validate")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("tkctl validate is not implemented yet")
