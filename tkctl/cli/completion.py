"""`tkctl completion bash|zsh|fish`: print the shell's completion script for tkctl.

The script is click's own: on TAB it runs tkctl with `_TKCTL_COMPLETE` set, and tkctl answers
with the commands, options and choices that fit (README: "Shell completion").
"""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_TKCTL_COMPLETE"


@click.command(name="completion")
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def command(ctx: click.Context, shell: str) -> int:
    """Print the completion script for SHELL. Install it once, e.g. for bash:

        tkctl completion bash > ~/.local/share/bash-completion/completions/tkctl
    """
    completion = get_completion_class(shell)(ctx.find_root().command, {}, "tkctl", COMPLETE_VAR)
    click.echo(completion.source())
    return 0
