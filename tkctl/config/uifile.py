"""A project's widget config kept in its own JSON file (`ui_file`), read into `ui`.

Users copy widget configs out of the Timekit admin UI as JSON; keeping them as files lets
them paste without re-indenting into YAML. The path is relative to the YAML file that names
it, so a folder of configs can be moved around as a whole.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tkctl.config.schema import describe_value
from tkctl.config.yamlfile import display_path

# Resolved path -> file text, or the error reading it. Several projects often share a widget
# file; each still gets its own parsed copy so that no two projects share one dict.
UiFileCache = dict[Path, "str | Exception"]


def read_ui_file(yaml_path: Path, name: str, cache: UiFileCache) -> tuple[Any, str | None]:
    """The `ui` object from a JSON file named relative to the YAML file, or an error message."""
    target = Path(os.path.normpath(yaml_path.parent / name))
    if target not in cache:
        try:
            cache[target] = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            cache[target] = exc
    text = cache[target]
    if isinstance(text, FileNotFoundError):
        return None, f'cannot read "{name}": no such file ({display_path(target)})'
    if isinstance(text, UnicodeDecodeError):
        return None, f'cannot read "{name}": not UTF-8 text'
    if isinstance(text, OSError):
        return None, f'cannot read "{name}": {text.strerror or text}'
    try:
        ui = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f'"{name}" is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}'
    if not isinstance(ui, dict):
        return None, f'"{name}" must hold a JSON object (the widget "ui" settings), not {describe_value(ui)}'
    return ui, None
