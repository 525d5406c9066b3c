"""Renderers of a plan's data form (text, Markdown, JSON), each writing to a stream it is given.

The CLI picks one by `--format` from RENDERERS and decides colour once with `use_color`.
"""

from __future__ import annotations

from typing import Callable

from tkctl.render.color import COLOR_MODES, use_color
from tkctl.render.json import render_json
from tkctl.render.markdown import render_markdown
from tkctl.render.text import render_text

Renderer = Callable[..., None]

RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}

__all__ = [
    "COLOR_MODES",
    "RENDERERS",
    "Renderer",
    "render_json",
    "render_markdown",
    "render_text",
    "use_color",
]
