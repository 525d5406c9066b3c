"""The one place that decides whether output is coloured, and the few styles tkctl uses.

The decision follows pre-commit and https://no-color.org:
    never   no colour
    always  colour, even when NO_COLOR is set: an explicit command-line choice overrides the
            environment, as no-color.org asks
    auto    colour only when the stream is a terminal, NO_COLOR is unset or empty, and TERM is
            not "dumb"
"""

from __future__ import annotations

import os
from typing import Mapping, TextIO

import click

COLOR_MODES = ("auto", "always", "never")

# Terraform's convention, which users of plan tools already read at a glance.
ACTION_COLORS = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red", "adopt": "cyan",
                 "forget": "blue", "move": "cyan"}


def use_color(mode: str, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour what is written to `stream`; `mode` comes from `--color`.

    An unknown mode is a bug in the caller (the CLI offers only COLOR_MODES), so ValueError.
    """
    if mode not in COLOR_MODES:
        raise ValueError(f"color mode must be one of {', '.join(COLOR_MODES)}, not {mode!r}")
    if mode != "auto":
        return mode == "always"
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed or detached stream is not a terminal
        return False


def style(text: str, color: bool, **styles: object) -> str:
    """`click.style` when colour is on; the text unchanged otherwise (no stray reset codes)."""
    return click.style(text, **styles) if color else text  # type: ignore[arg-type]
