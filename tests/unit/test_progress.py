"""tkctl/progress.py: when a bar is drawn, and the API commands use (export among them)."""

from __future__ import annotations

import io
import sys

import pytest

from tkctl import progress
from tkctl.progress import NO_TASK, Progress, wanted


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Broken(io.StringIO):
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


@pytest.mark.parametrize("quiet, stream, env, drawn", [
    (False, Tty(), {}, True),
    (False, Tty(), {"CI": "false"}, True), (False, Tty(), {"CI": "0"}, True), (False, Tty(), {"NO_COLOR": "1"}, True),
    (True, Tty(), {}, False),
    (False, Tty(), {"CI": "true"}, False), (False, Tty(), {"CI": "1"}, False), (False, Tty(), {"CI": "yes"}, False),
    (False, Tty(), {"TERM": "dumb"}, False),
    (False, io.StringIO(), {}, False), (False, Broken(), {}, False),
])
def test_wanted(quiet, stream, env, drawn):
    assert wanted(quiet, stream, env) is drawn


def test_nobody_watching_means_no_ops(capsys, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    bars = Progress()
    with bars.task("Exporting", total=3, unit="objects") as task:
        assert task is NO_TASK
        task.advance()
        task.set_total(4)
        bars.echo("+ resource.r: exported")
        bars.note("info: a log line")
    captured = capsys.readouterr()
    assert captured.out == "+ resource.r: exported\n" and captured.err == "info: a log line\n"


def test_a_bar_on_a_terminal_for_an_export(monkeypatch, capsys):
    """The API as an export command would use it; stderr is a terminal, stdout a file."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    terminal = Tty()
    monkeypatch.setattr(sys, "stderr", terminal)
    bars = Progress(quiet=False)
    with bars.task("Exporting", total=None, unit="objects") as task:
        assert task is not NO_TASK
        task.set_total(2)
        for key in ("a", "b"):
            task.advance()
            bars.echo(f"+ resource.{key}: exported")  # stdout is not the terminal: straight to it
        bars.note("info: GET /resources -> 200")  # stderr: printed above the bar
        with bars.task("Reading", unit="pages") as inner:
            assert inner is not NO_TASK
            inner.advance()
        assert bars._bar is not None  # another task still runs: the bar stays
    assert bars._bar is None  # the last task closed the bar
    drawn = terminal.getvalue()
    # The first frame and the last (drawn as the bar stops) are certain; those between depend on time.
    assert "Exporting" in drawn and "0/? objects" in drawn and "2/2 objects" in drawn
    assert "info: GET /resources -> 200\n" in drawn
    assert capsys.readouterr().out == "+ resource.a: exported\n+ resource.b: exported\n"


def test_quiet_is_read_when_a_task_starts(monkeypatch):
    from tkctl import log

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys, "stderr", Tty())
    log.configure(log.QUIET)
    try:
        with progress.current().task("Applying", total=1) as task:
            assert task is NO_TASK
    finally:
        log.reset()


def test_reset_stops_a_bar_left_open(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys, "stderr", Tty())
    before = progress.current()
    context = Progress(quiet=False).task("Left open")
    monkeypatch.setattr(progress, "_current", context.gen.gi_frame.f_locals["self"])
    context.__enter__()
    assert progress.current()._bar is not None
    progress.reset()
    assert progress.current() is not before and progress.current()._bar is None
