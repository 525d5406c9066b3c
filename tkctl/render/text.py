"""The terminal rendering of a plan, in the shape Terraform users already read.

    tkctl will perform the following actions on <api_url>:

      + resource.dr-jones (create)
          name: "Dr. Jones"
      ~ project.consult (update)
          resources: ["dr-jones"] -> ["dr-jones", "dr-smith"]
      = project.physio (adopt existing object <id>)
      - calendar.old-cal (delete)

    Warning: ...

    Plan: 1 to create, 1 to update, 1 to delete, 1 to adopt.

The last line is always the verdict (the summary, or "No changes. ..."), so a script or a
human can read it with `tail -1`. Deletes list no fields: everything the object has goes.
Values are JSON, one line each, cut after TEXT_VALUE_LIMIT characters; a long list that
changed is shown as the items removed (-) and added (+). The JSON and Markdown renderers
carry every value whole.
"""

from __future__ import annotations

from typing import Any, Mapping, TextIO

from tkctl.render.color import ACTION_COLORS, style
from tkctl.render.summary import NO_CHANGES, has_changes, summary_line
from tkctl.render.values import encode, safe, truncate

TEXT_VALUE_LIMIT = 100

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "adopt": "="}
ABSENT = "(absent)"


def _value(value: Any) -> str:
    return ABSENT if value is None else truncate(encode(value), TEXT_VALUE_LIMIT)


def _label(change: Mapping[str, Any]) -> str:
    action = change.get("action", "")
    if action == "adopt":
        found = f" {safe(str(change['id']))}" if change.get("id") else ""
        label = f"adopt existing object{found}"
    else:
        label = safe(str(action))
    if change.get("cause") == "drift":
        what = "deleted outside tkctl" if action == "create" else "changed outside tkctl"
        label += f", drift: {what}"
    return label


def _field_lines(action: str, field: Mapping[str, Any]) -> list[str]:
    path = safe(str(field.get("path", "")))
    old, new = field.get("old"), field.get("new")
    if action == "create":
        return [f"      {path}: {_value(new)}"]
    if isinstance(old, list) and isinstance(new, list) and _too_long(old, new):
        return [f"      {path}:", *_list_diff(old, new)]
    return [f"      {path}: {_value(old)} -> {_value(new)}"]


def _too_long(*values: Any) -> bool:
    return any(len(encode(v)) > TEXT_VALUE_LIMIT for v in values)


def _list_diff(old: list, new: list) -> list[str]:
    """A long list that changed, as the items that left and came: cutting both lists at the
    same length would hide the very difference the reader is looking for."""
    remaining = [encode(v) for v in new]
    removed = []
    for item in (encode(v) for v in old):
        if item in remaining:
            remaining.remove(item)
        else:
            removed.append(item)
    kept = len(new) - len(remaining)
    lines = [f"        - {truncate(item, TEXT_VALUE_LIMIT)}" for item in removed]
    lines += [f"        + {truncate(item, TEXT_VALUE_LIMIT)}" for item in remaining]
    if kept:
        lines.append(f"          ({kept} item{'s' if kept != 1 else ''} unchanged)")
    return lines


def _change_lines(change: Mapping[str, Any], color: bool) -> list[str]:
    action = str(change.get("action", ""))
    symbol = style(SYMBOLS.get(action, "?"), color, fg=ACTION_COLORS.get(action), bold=True)
    address = safe(f"{change.get('kind')}.{change.get('key')}")
    lines = [f"  {symbol} {address} ({_label(change)})"]
    if action != "delete":
        for field in change.get("fields") or ():
            lines.extend(_field_lines(action, field))
    return lines


def _target(plan: Mapping[str, Any]) -> str:
    target = plan.get("target") or {}
    url = safe(str(target.get("api_url") or "the Timekit account"))
    return f"the emulator at {url}" if target.get("emulator") else url


def render_text(plan: dict, out: TextIO, *, color: bool = False) -> None:
    """Write the plan for a person at a terminal; `color` comes from `use_color`."""
    lines: list[str] = []
    if has_changes(plan):
        lines += [f"tkctl will perform the following actions on {_target(plan)}:", ""]
        for change in plan["changes"]:
            lines += _change_lines(change, color)
        lines.append("")
    for warning in plan.get("warnings") or ():
        lines.append(f"{style('Warning:', color, fg='yellow', bold=True)} {safe(str(warning))}")
    if plan.get("warnings"):
        lines.append("")
    if has_changes(plan):
        lines.append(style(summary_line(plan), color, bold=True))
    else:
        lines.append(NO_CHANGES)
    out.write("\n".join(lines) + "\n")
