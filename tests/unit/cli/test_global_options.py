"""-v, -q and --log-file: on the group and on every command, nested ones included, added once
where the command has no option of that name already."""

from __future__ import annotations

import click
import pytest

from tkctl import cli
from tkctl.cli import add_output_options

GLOBAL = {"-v", "--verbose", "-q", "--quiet", "--log-file"}


def options_of(command: click.Command) -> set[str]:
    return {opt for p in command.params for opt in getattr(p, "opts", ())}


def leaves(group: click.Group, prefix: str = "tkctl"):
    for name, command in sorted(group.commands.items()):
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from leaves(command, f"{prefix} {name}")


def test_every_command_takes_them():
    cli.cli.load_all()
    assert GLOBAL <= options_of(cli.cli)
    commands = dict(leaves(cli.cli))
    assert {"tkctl plan", "tkctl graph", "tkctl completion", "tkctl state pull"} <= set(commands)
    for name, command in commands.items():
        assert GLOBAL <= options_of(command), name
        assert sum(opt == "-v" for p in command.params for opt in getattr(p, "opts", ())) == 1, name


def test_a_command_keeps_its_own_option_of_the_same_name():
    @click.command()
    @click.option("-q", "--query")
    def own(query):
        return query

    @click.group()
    def group():
        pass

    group.add_command(own)
    add_output_options(group)
    mine = [p for p in own.params if "-q" in p.opts]
    assert [p.name for p in mine] == ["query"]
    assert {"-v", "--verbose", "--log-file"} <= options_of(own)
    assert "--quiet" not in options_of(own)  # its -q would clash: the pair is left out together


@pytest.mark.parametrize("argv", [["plan", "--help"], ["--help"]])
def test_help_lists_them(argv, capsys):
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "-v, --verbose" in out and "-q, --quiet" in out and "--log-file FILE" in out
