"""Progress bars on stderr for long work: reading the account, apply, export.

A bar is drawn only for a person watching: when stderr is a terminal, TERM is not "dumb",
CI is not set (CI=true, as GitHub Actions and GitLab set it) and `-q` was not given.
Otherwise every call here is a no-op, so code reports progress without asking whether anyone
looks. NO_COLOR does not hide the bar: it is about colour, and rich draws the bar without
colour when NO_COLOR is set.

The API, for any command (apply and the account reader use it; so can export):

    from tkctl import progress

    with progress.current().task("Exporting", total=len(objects), unit="objects") as task:
        for obj in objects:
            ...
            task.advance()          # thread-safe; task.set_total(n) when the total changes
            progress.current().echo(f"+ {obj.address}: exported")   # a result line for stdout

`echo` writes a line of the command's output (stdout) so that it stays readable with a bar
on screen: when stdout is the very terminal the bar is drawn on, the line is printed above
the bar by the bar's own console (whole lines, never interleaved with a redraw); otherwise
(stdout redirected to a file or a pipe) it goes to stdout as usual. `note` does the same for
a line of stderr (the log uses it).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
from typing import Iterator, Mapping, TextIO

import click

NOT_CI = ("", "0", "false", "no")


def wanted(quiet: bool, stream: TextIO | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether a progress bar should be drawn on `stream` (default: stderr)."""
    env = os.environ if environ is None else environ
    if quiet or env.get("CI", "").strip().lower() not in NOT_CI or env.get("TERM") == "dumb":
        return False
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False


class Task:
    """One counted piece of work on the bar. Every method may be called from any thread."""

    def __init__(self, bar=None, task_id=None):
        self._bar = bar
        self._id = task_id

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._id, n)

    def set_total(self, total: int | None) -> None:
        if self._bar is not None:
            self._bar.update(self._id, total=total)


NO_TASK = Task()


class Progress:
    """The bars of one tkctl run; a rich Progress on stderr while at least one task is open."""

    def __init__(self, *, quiet: bool | None = None):
        # None: ask tkctl.log at each task, since -q may be parsed after the run begins.
        self._quiet = quiet
        self._lock = threading.RLock()
        self._bar = None
        self._open = 0

    def _wanted(self) -> bool:
        from tkctl import log

        return wanted(log.quiet() if self._quiet is None else self._quiet)

    @contextlib.contextmanager
    def task(self, description: str, *, total: int | None = None, unit: str = "items") -> Iterator[Task]:
        """A bar for one piece of work, removed when the block ends; `total` None until known."""
        if not self._wanted():
            yield NO_TASK
            return
        with self._lock:
            if self._bar is None:
                self._bar = _new_bar()
                self._bar.start()
            bar = self._bar
            task_id = bar.add_task(description, total=total, unit=unit)
            self._open += 1
        try:
            yield Task(bar, task_id)
        finally:
            with self._lock:
                self._open -= 1
                if self._open:
                    bar.remove_task(task_id)
                else:
                    self.stop()  # its last frame shows the final counts before it is cleared

    def stop(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.stop()
                self._bar = None
                self._open = 0

    def echo(self, line: str) -> None:
        """One line of the command's output, on stdout, readable with a bar on screen."""
        with self._lock:
            if self._bar is not None and _stdout_is_the_bars_terminal():
                self._print_above(line)
            else:
                click.echo(line)

    def note(self, line: str) -> None:
        """One line for stderr (a log line, a notice), above the bar if one is drawn."""
        with self._lock:
            if self._bar is not None:
                self._print_above(line)
            else:
                sys.stderr.write(line + "\n")
                sys.stderr.flush()

    def _print_above(self, line: str) -> None:
        self._bar.console.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)


def _new_bar():
    # rich is imported only when a bar is drawn: most runs (CI, pipes, -q) never need it.
    from rich.console import Console
    from rich.progress import BarColumn, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as RichProgress
    from rich.text import Text

    class Count(ProgressColumn):
        """`12/40 pages`; `12/? pages` while the total is not known."""

        def render(self, task) -> Text:
            total = "?" if task.total is None else f"{int(task.total)}"
            return Text(f"{int(task.completed)}/{total} {task.fields.get('unit', '')}".rstrip())

    class Rate(ProgressColumn):
        """`3.2 pages/s`, once there is something to measure."""

        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:.1f} {task.fields.get('unit', 'items')}/s")

    return RichProgress(
        TextColumn("{task.description}"), BarColumn(), Count(), Rate(), TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,  # gone when done: what stays on screen is the result, not the bar
        # Never swap sys.stdout/sys.stderr: stdout may be a file that must get every line.
        redirect_stdout=False, redirect_stderr=False,
    )


def _stdout_is_the_bars_terminal() -> bool:
    try:
        out, err = sys.stdout.fileno(), sys.stderr.fileno()
        return os.isatty(out) and os.path.sameopenfile(out, err)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


_current = Progress()


def current() -> Progress:
    """The bars of the running command (no-ops when nobody watches)."""
    return _current


def reset() -> None:
    """Stop any bar left open and start afresh (the end of a run; tests)."""
    global _current
    _current.stop()
    _current = Progress()
