"""Renderers of a plan's data form (text, Markdown, JSON, HTML), each writing to a stream it is given.

The CLI calls `render` with the `--format` the user chose; colour is decided once with
`use_color`, the Markdown budget by `--max-chars`.
"""

from __future__ import annotations

from typing import Any, Callable, TextIO

from tkctl.render.color import COLOR_MODES, use_color
from tkctl.render.html import render_html
from tkctl.render.json import render_json
from tkctl.render.markdown import DEFAULT_MAX_CHARS, render_markdown
from tkctl.render.text import render_text

Renderer = Callable[..., None]

RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
    "html": render_html,
}
FORMATS = tuple(RENDERERS)


def render(fmt: str, data: dict[str, Any], out: TextIO, *, color: bool = False,
           max_chars: int = DEFAULT_MAX_CHARS, full_plan: str | None = None, show_unmanaged: bool = False) -> None:
    """Write `data` (a plan or drift report) to `out` in format `fmt`. JSON always carries the
    unmanaged objects; the other formats list them with `show_unmanaged`."""
    if fmt == "text":
        render_text(data, out, color=color, show_unmanaged=show_unmanaged)
    elif fmt == "markdown":
        render_markdown(data, out, max_chars=max_chars, full_plan=full_plan, show_unmanaged=show_unmanaged)
    elif fmt == "json":
        render_json(data, out)
    elif fmt == "html":
        render_html(data, out, show_unmanaged=show_unmanaged)
    else:
        raise ValueError(f"unknown format {fmt!r}")


__all__ = [
    "COLOR_MODES",
    "DEFAULT_MAX_CHARS",
    "FORMATS",
    "RENDERERS",
    "Renderer",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "use_color",
]
