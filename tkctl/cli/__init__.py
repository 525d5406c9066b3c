"""The `tkctl` command: one group, one small module per subcommand, one error-to-exit-code map.

Exit codes (documented in README):
    0   success (for `plan --detailed-exitcode`: success and no changes)
    1   an error the user can fix (bad config, API error, state lock, refused apply)
    2   `plan --detailed-exitcode` only: success and the plan has changes
    3   a bug in tkctl: a one-line message asking for a report (traceback with TKCTL_DEBUG=1)
    64  usage error (unknown option, bad argument); click's own 2 would collide with "changes"
    130 interrupted (Ctrl-C)
"""

from __future__ import annotations

import os
import traceback

import click

from tkctl import __version__
from tkctl.errors import TkctlError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_BUG = 3
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tkctl")
def cli() -> None:
    """Manage a Timekit booking account as code."""


def _register() -> None:
    # Imported here so `tkctl --help` stays fast and a broken command cannot hide the others.
    from tkctl.cli import apply as apply_cmd
    from tkctl.cli import drift as drift_cmd
    from tkctl.cli import emulator as emulator_cmd
    from tkctl.cli import github as github_cmd
    from tkctl.cli import plan as plan_cmd
    from tkctl.cli import refresh as refresh_cmd
    from tkctl.cli import show as show_cmd
    from tkctl.cli import state as state_cmd
    from tkctl.cli import test as test_cmd
    from tkctl.cli import validate as validate_cmd

    for module in (validate_cmd, plan_cmd, apply_cmd, show_cmd, drift_cmd, refresh_cmd, state_cmd, test_cmd,
                   github_cmd, emulator_cmd):
        cli.add_command(module.command)


def _redact(text: str) -> str:
    """Last line of defence: never print a token, even inside an unexpected exception."""
    from tkctl.secrets import redact

    return redact(text)


def main(argv: list[str] | None = None) -> int:
    """Run tkctl; return the exit code instead of raising, so tests and __main__ agree."""
    _register()
    try:
        result = cli.main(args=argv, prog_name="tkctl", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return EXIT_OK
    except click.UsageError as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        # click turns Ctrl-C (KeyboardInterrupt) and end of input at a prompt into Abort.
        click.echo("Aborted.", err=True)
        return EXIT_INTERRUPTED
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except TkctlError as exc:
        click.echo(f"error: {_redact(str(exc))}", err=True)
        if os.environ.get("TKCTL_DEBUG"):
            click.echo(_redact(traceback.format_exc()), err=True)
        return exc.exit_code
    except Exception as exc:  # a bug: one line, traceback only on request
        click.echo(f"error: tkctl hit a bug ({type(exc).__name__}: {_redact(str(exc))[:300]}). Please report it "
                   "to the tkctl maintainers with the command you ran"
                   + ("." if os.environ.get("TKCTL_DEBUG") else "; TKCTL_DEBUG=1 shows the details."), err=True)
        if os.environ.get("TKCTL_DEBUG"):
            click.echo(_redact(traceback.format_exc()), err=True)
        return EXIT_BUG
    return result if isinstance(result, int) else EXIT_OK
