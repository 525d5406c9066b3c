"""A project's widget config kept in its own JSON file (`ui_file`), read into `ui`.

Users copy widget configs out of the Timekit admin UI as JSON; keeping them as files lets
them paste without re-indenting into YAML. The path is relative to the YAML file that names
it, so a folder of configs can be moved around as a whole; it must stay inside the config
folder unless tkctl.yaml allows otherwise (safefile.py says why).

The JSON is held to the same limits as YAML (finite numbers, bounded nesting) and checked
against the same widget schema as an inline `ui`. Python's json module gives no positions,
so a finding inside the file is located by reading the text once more as YAML (JSON is
YAML's flow style), only when there is something to report.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tkctl.config.fieldpath import FieldPath
from tkctl.config.safefile import MAX_UI_FILE_BYTES, FileRefused, read_text
from tkctl.config.schema import SchemaIssue, check_schema, describe_value
from tkctl.config.widget import widget_issues
from tkctl.config.yamlfile import MAX_DEPTH, YamlFile, display_path
from tkctl.errors import Location


@dataclass
class UiFile:
    """One widget file as read: its `ui` object or why it has none, and what its content breaks.

    Paths in `errors` / `warnings` are relative to the `ui` object.
    """

    path: Path
    display: str
    text: str = ""
    ui: dict[str, Any] | None = None
    message: str | None = None  # set when there is no `ui`: the file could not be used at all
    errors: list[SchemaIssue] = field(default_factory=list)
    warnings: list[SchemaIssue] = field(default_factory=list)
    _locator: YamlFile | None = None

    def locate(self, path: FieldPath) -> Location:
        """Line and column of `path` inside the JSON file, or just the file."""
        if self._locator is None:
            try:
                root = yaml.compose(self.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            except yaml.YAMLError:
                root = None
            self._locator = YamlFile(self.path, self.display, self.text, root, build=False)
        if self._locator.root is None:
            return Location(self.display)
        return self._locator.location(path)


# Resolved path -> what was read. Several projects often share a widget file; it is read and
# checked once, and each project still gets its own parsed copy so that no two share one dict.
UiFileCache = dict[Path, UiFile]


def read_ui_file(yaml_path: Path, name: str, cache: UiFileCache, *, inside: Path, allow_outside: bool) -> tuple[UiFile, dict[str, Any] | None]:
    """The widget file `name` (relative to the YAML file naming it) and a fresh copy of its `ui`
    (None when `UiFile.message` says why there is none)."""
    target = Path(os.path.normpath(yaml_path.parent / name))
    if target not in cache:
        cache[target] = _read(target, name, inside, allow_outside)
    read = cache[target]
    return read, (None if read.ui is None else json.loads(json.dumps(read.ui)))


def _read(target: Path, name: str, inside: Path, allow_outside: bool) -> UiFile:
    out = UiFile(target, display_path(target))
    try:
        out.text = read_text(target, limit=MAX_UI_FILE_BYTES, inside=inside, allow_outside=allow_outside)
    except FileRefused as exc:
        where = f" ({out.display})" if exc.reason == "no such file" else ""
        out.message = f'cannot read "{name}": {exc.reason}{where}'
        return out
    try:
        ui = json.loads(out.text)
    except json.JSONDecodeError as exc:
        out.message = f'"{name}" is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}'
        return out
    except RecursionError:
        out.message = f'"{name}" nests values more than {MAX_DEPTH} levels deep; tkctl refuses deeper nesting'
        return out
    except ValueError:  # an integer of more digits than Python converts (4,300)
        out.message = f'"{name}" holds a number of thousands of digits, far too large for Timekit'
        return out
    if not isinstance(ui, dict):
        out.message = f'"{name}" must hold a JSON object (the widget "ui" settings), not {describe_value(ui)}'
        return out
    if _depth(ui) > MAX_DEPTH:
        out.message = f'"{name}" nests values more than {MAX_DEPTH} levels deep; tkctl refuses deeper nesting'
        return out
    out.ui = ui
    out.errors, out.warnings = content_issues(ui)
    return out


def content_issues(ui: dict[str, Any]) -> tuple[list[SchemaIssue], list[SchemaIssue]]:
    """What a widget object breaks: non-finite numbers, the widget schema, the widget's own rules.
    Run on the file as read, and again on what variables made of it."""
    errors = [(p, f"holds {spelt}, not a finite number; JSON and Timekit take only finite numbers") for p, spelt in _non_finite(ui)]
    bad = {p for p, _ in errors}
    schema_errors, warnings = check_schema("config", ui, "widget_ui")
    more_errors, more_warnings = widget_issues(ui, ())
    errors += [issue for issue in schema_errors + more_errors if issue[0] not in bad]
    return errors, warnings + more_warnings


def _depth(value: Any) -> int:
    """How deep containers nest in `value` (without recursion: the value may be hostile)."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def _non_finite(value: Any, path: FieldPath = ()) -> list[tuple[FieldPath, str]]:
    """(path, how the JSON spelt it) of every NaN / Infinity; Python's json accepts them."""
    if isinstance(value, float) and not math.isfinite(value):
        return [(path, "NaN" if math.isnan(value) else ("-Infinity" if value < 0 else "Infinity"))]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [found for key, item in items for found in _non_finite(item, (*path, key))]
