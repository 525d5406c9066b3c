"""`tkctl test [DIR]`: check that customers can book what the config's `tests:` expect.

    tkctl test                          the account in TIMEKIT_API_URL (its live objects)
    tkctl test --emulator               apply the config to a fresh emulator first, test there
    tkctl test --format junit --out FILE   also write a JUnit report for CI

Exit 0 when every test passes, 1 when any fails or cannot run (docs/testing.md).
"""

from __future__ import annotations

import fnmatch
import io
import os
import sys
from pathlib import Path

import click

from tkctl.cli import options
from tkctl.core.expect import AvailabilityTest
from tkctl.errors import TkctlError
from tkctl.fileio import write_atomically
from tkctl.render.color import use_color
from tkctl.testrun.report import FORMATS, render, render_text, run_data
from tkctl.testrun.session import run_tests
from tkctl.workspace import open_workspace


def chosen(tests: list[AvailabilityTest], only: tuple[str, ...]) -> list[AvailabilityTest]:
    """The tests `--only` names (names or globs), in the config's order; all without it."""
    if not only:
        return tests
    names = [t.name for t in tests]
    unmatched = [pattern for pattern in only if not fnmatch.filter(names, pattern)]
    if unmatched:
        raise click.UsageError(f"--only {', '.join(unmatched)}: no such test. Tests: {', '.join(names)}")
    return [t for t in tests if any(fnmatch.fnmatchcase(t.name, pattern) for pattern in only)]


@click.command(name="test")
@options.config_dir
@options.env
@click.option("--emulator", is_flag=True,
              help="Apply the config to a fresh embedded emulator (empty, in memory) and test there; no token "
                   "needed, and the account of plan/apply --emulator is not touched.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, json for machines, junit for CI test reports.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Write the report in --format to this file; the text report still goes to standard output.")
@click.option("--only", "only", multiple=True, metavar="TEST",
              help="Run only this test (a name or a glob such as 'consult-*'). Repeatable.")
@options.color
def command(config_dir: str, env: str | None, emulator: bool, fmt: str, out: str | None, only: tuple[str, ...],
            color: str) -> int:
    """Run the availability tests of CONFIG_DIR (default: .) against the live account.

    Each test asks Timekit for the bookable slots of a project (or resource) in a window of
    days and checks its expectations; failures show the offending slots. Objects must be
    applied first, or use --emulator (apply to a fresh emulator, then test). Exit 0 when all
    pass, 1 when any fails or cannot run."""
    workspace = open_workspace(config_dir, env=env, warn=options.warn)
    tests = list(workspace.desired.tests.values())
    if not tests:
        raise TkctlError(f"no tests in {workspace.display_dir}: add a tests: section to an object file "
                         "(docs/testing.md shows one)")
    run = run_tests(workspace, chosen(tests, only), fresh=emulator, environ=os.environ, note=options.warn)
    data = run_data(run)
    if out:
        buffer = io.StringIO()
        render(fmt, data, buffer)
        try:
            write_atomically(Path(out), buffer.getvalue())
        except OSError as exc:
            raise TkctlError(f"cannot write the report {out}: {exc.strerror or exc}") from None
        render_text(data, sys.stdout, color=use_color(color, sys.stdout))
    else:
        render(fmt, data, sys.stdout, color=use_color(color, sys.stdout))
    return 0 if run.ok else 1
