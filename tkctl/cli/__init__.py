"""The `tkctl` command: one group, one small module per subcommand, one error-to-exit-code map.

Exit codes (documented in README):
    0   success (for `plan --detailed-exitcode`: success and no changes)
    1   an error the user can fix (bad config, API error, state lock, refused apply)
    2   `plan --detailed-exitcode` only: success and the plan has changes
    3   a bug in tkctl: a one-line message asking for a report (traceback with TKCTL_DEBUG=1)
    64  usage error (unknown option, bad argument); click's own 2 would collide with "changes"
    130 interrupted (Ctrl-C)

Global options (docs/terminal.md): `-v`/`-vv`, `-q` and `--log-file FILE` are accepted before
the command (`tkctl -v plan`) and after it (`tkctl plan -v`), on every command; `-v` given in
both places counts twice. They are added to each command when it is registered, so a new
command gets them without doing anything.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import shlex
import sys
import threading
import traceback
from typing import NoReturn

import click

from tkctl import __version__, allocator, log, progress
from tkctl.errors import TkctlError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_BUG = 3
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130


OUTPUT_KEY = "tkctl.output"


def _output_option(ctx: click.Context, param: click.Parameter, value):
    """Collect -v/-q/--log-file from every level of the command line and set up the log."""
    if ctx.resilient_parsing or not value:  # shell completion parses without acting
        return value
    root = ctx.find_root()
    given = root.meta.setdefault(OUTPUT_KEY, {"verbose": 0, "quiet": False, "log_file": None})
    if param.name == "verbose":
        given["verbose"] += value
    elif param.name == "quiet":
        given["quiet"] = True
    else:
        given["log_file"] = value
    try:
        level = log.level_of(given["verbose"], given["quiet"])
    except log.LogSettingError as exc:
        raise click.UsageError(str(exc), ctx) from None
    try:
        log.configure(level, given["log_file"])
    except OSError as exc:
        raise click.BadParameter(f"cannot append to {given['log_file']}: {exc.strerror or exc}", ctx,
                                 param_hint="'--log-file'") from None
    return value


def output_options() -> list[click.Option]:
    """New instances of the global options, for one command."""
    return [
        click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_output_option,
                     help="Log each API request on stderr (-vv: with request and answer bodies)."),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_output_option,
                     help="Print only the result (the plan) and errors: no progress, no per-object lines."),
        click.Option(["--log-file"], metavar="FILE", expose_value=False, callback=_output_option,
                     type=click.Path(dir_okay=False, path_type=str),
                     help="Also append the log to FILE (at -v level; -vv for bodies). Secrets are redacted."),
    ]


def add_output_options(command: click.Command) -> None:
    """Give `command` (and, for a group, each of its commands) the global options, unless it
    has an option of the same name already."""
    taken = {opt for p in command.params for opt in getattr(p, "opts", ())}
    for option in output_options():
        if not taken.intersection(option.opts):
            command.params.append(option)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_output_options(sub)


# Each command's module, imported only when the command is looked up: `tkctl --version` or
# `tkctl validate` then never imports what plan, apply or preview need (httpx, the emulator,
# a browser driver). Every module defines `command`, named as its key here.
COMMAND_MODULES = {
    "apply": "tkctl.cli.apply",
    "completion": "tkctl.cli.completion",
    "drift": "tkctl.cli.drift",
    "emulator": "tkctl.cli.emulator",
    "export": "tkctl.cli.export",
    "fmt": "tkctl.cli.fmt",
    "github": "tkctl.cli.github",
    "graph": "tkctl.cli.graph",
    "import": "tkctl.cli.import_",
    "plan": "tkctl.cli.plan",
    "preview": "tkctl.cli.preview",
    "refresh": "tkctl.cli.refresh",
    "show": "tkctl.cli.show",
    "state": "tkctl.cli.state",
    "test": "tkctl.cli.test",
    "validate": "tkctl.cli.validate",
}


class TkctlGroup(click.Group):
    """The `tkctl` group: gives each command the global options as it is added, and imports a
    command of COMMAND_MODULES the first time click looks it up (to run it, to list it in
    `--help` or to complete it), so a command costs nothing to the others."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        add_output_options(cmd)
        super().add_command(cmd, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module = importlib.import_module(self.lazy[cmd_name])
            self.add_command(module.command, cmd_name)
        return self.commands.get(cmd_name)

    def load_all(self) -> None:
        """Import every command now (for code that walks `commands`)."""
        for name in self.list_commands(click.Context(self)):
            self.get_command(click.Context(self), name)


@click.group(cls=TkctlGroup, lazy=COMMAND_MODULES, context_settings={"help_option_names": ["-h", "--help"]},
             params=output_options())
@click.version_option(__version__, prog_name="tkctl")
def cli() -> None:
    """Manage a Timekit booking account as code."""


def _redact(text: str) -> str:
    """Last line of defence: never print a token, even inside an unexpected exception."""
    from tkctl.secrets import redact

    return redact(text)


def _show_traceback() -> bool:
    """A traceback only on request: TKCTL_DEBUG=1 or -vv (TKCTL_LOG=debug)."""
    return bool(os.environ.get("TKCTL_DEBUG")) or log.settings().level >= log.DEBUG


def main(argv: list[str] | None = None) -> int:
    """Run tkctl; return the exit code instead of raising, so tests and __main__ agree."""
    return _main(argv)[0]


def entry() -> NoReturn:
    """The `tkctl` command (and `python -m tkctl`): `main`, then the process ends at once.

    Tearing the interpreter down frees every object still held, one by one. After a first
    plan of 20,000 resources, whose memory a detached process writing the config cache's
    entry (`config/cache.py`) shares until either writes to it, so that every page freed is
    first copied, freeing the loaded config alone took a third of a second. Nothing of
    the command's is left to do by then (its files are closed and its threads have ended),
    so the process ends as `sys.exit` would, less that teardown: the exit handlers run (log
    files, coverage, temporary folders) and the standard streams are flushed. Should a
    thread still be running, `sys.exit` waits for it as usual.

    Before anything runs, the C library is asked for one heap, and to give large blocks back
    when they are freed (`tkctl/allocator.py`)."""
    allocator.tune()
    code, _left = _main(None)  # the entries left to detached writers: never freed, see above
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)  # CPython's own
    if threading.active_count() == 1 and run_exit_handlers is not None:
        run_exit_handlers()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed pipe (`| head`): nothing more to say
                stream.flush()
        os._exit(code)
    sys.exit(code)


def _main(argv: list[str] | None) -> tuple[int, list[object]]:
    """(exit code, the config cache entries left to detached writers)."""
    words = sys.argv[1:] if argv is None else argv
    try:
        log.start(shlex.join(["tkctl", *map(str, words)]))
    except log.LogSettingError as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_USAGE, []
    kept: list[object] = []
    try:
        return _run(argv), kept
    finally:
        progress.reset()
        log.reset()
        kept.extend(_save_config_cache())


def _save_config_cache() -> list[object]:
    """Write the config the command loaded to the config cache, now that its work is done
    (tkctl/config/cache.py says why then), or leave it to a detached writer (the entries
    left so are returned). Only a command that loaded a config imported the cache."""
    cache = sys.modules.get("tkctl.config.cache")
    if cache is not None:
        try:
            return cache.flush_deferred()
        except KeyboardInterrupt:  # Ctrl-C while saving: no entry, the command's result stands
            pass
    return []


def _run(argv: list[str] | None) -> int:
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
        if _show_traceback():
            click.echo(_redact(traceback.format_exc()), err=True)
        return exc.exit_code
    except Exception as exc:  # a bug: one line, traceback only on request
        click.echo(f"error: tkctl hit a bug ({type(exc).__name__}: {_redact(str(exc))[:300]}). Please report it "
                   "to the tkctl maintainers with the command you ran"
                   + ("." if _show_traceback() else "; TKCTL_DEBUG=1 shows the details."), err=True)
        if _show_traceback():
            click.echo(_redact(traceback.format_exc()), err=True)
        return EXIT_BUG
    return result if isinstance(result, int) else EXIT_OK
