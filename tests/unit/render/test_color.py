"""Colour is decided once: --color mode x terminal x NO_COLOR x TERM."""

from __future__ import annotations

import io

import pytest

from tkctl.render import use_color


class Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


class Closed(io.StringIO):
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


@pytest.mark.parametrize(
    "mode, tty, environ, expected",
    [
        ("always", False, {}, True),
        ("always", True, {}, True),
        ("always", False, {"NO_COLOR": "1"}, True),  # an explicit flag beats the environment
        ("never", True, {}, False),
        ("never", False, {}, False),
        ("never", True, {"TERM": "xterm-256color"}, False),
        ("auto", True, {}, True),
        ("auto", False, {}, False),
        ("auto", True, {"NO_COLOR": "1"}, False),
        ("auto", True, {"NO_COLOR": "anything"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),  # no-color.org: set but empty does not count
        ("auto", False, {"NO_COLOR": "1"}, False),
        ("auto", True, {"TERM": "dumb"}, False),
        ("auto", True, {"TERM": "xterm"}, True),
    ],
)
def test_use_color(mode: str, tty: bool, environ: dict, expected: bool) -> None:
    assert use_color(mode, Stream(tty), environ) is expected


def test_auto_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TERM", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color("auto", Stream(True)) is False
    monkeypatch.delenv("NO_COLOR")
    assert use_color("auto", Stream(True)) is True


@pytest.mark.parametrize("stream", [Closed(), object()], ids=["closed", "no-isatty"])
def test_streams_that_cannot_say_are_not_terminals(stream: object) -> None:
    assert use_color("auto", stream, {}) is False  # type: ignore[arg-type]


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="color mode must be one of auto, always, never, not 'sometimes'"):
        use_color("sometimes", Stream(True), {})
