"""The terminal rendering of a plan, in the shape Terraform users already read.

    tkctl will perform the following actions on <api_url>:

      + resource.dr-jones (create)
          name: "Dr. Jones"
      ~ project.consult (update)
          resources: ["dr-jones"] -> ["dr-jones", "dr-smith"]
      = project.physio (adopt existing object <id>)
      - calendar.old-cal (delete)

    Changed outside tkctl (apply sets these back to the configuration):
      ~ resource.room-1 (update)
          name: "Renamed in admin" -> "Room 1"

    Warning: ...

    Plan checksum: sha256:...
    Plan: 1 to create, 2 to update, 1 to delete, 1 to adopt.

Changes made outside tkctl have their own section (`render/sections.py`); when both kinds
are present the first section is headed "Changes in the configuration:". Problems that block
an apply are listed before the warnings. The last line is always the verdict (the summary, or
"No changes. ..."), so a script or a human can read it with `tail -1`; the checksum line is
just above it. Deletes list no fields: everything the object has goes. Values are JSON, one
line each, cut after TEXT_VALUE_LIMIT characters; a long list that changed is shown as the
items removed (-) and added (+). The JSON and Markdown renderers carry every value whole.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping, TextIO

from tkctl.render.color import ACTION_COLORS, style
from tkctl.render.sections import CONFIG_TITLE, DRIFT_NOTE, DRIFT_TITLE, Item, both_note, split
from tkctl.render.summary import (
    PROBLEMS_HEAD, REFUSALS_HEAD, SYMBOLS, checksum_line, has_changes, is_drift_report, refusal_lines, scope_line,
    unmanaged_items, unmanaged_line, verdict,
)
from tkctl.render.values import encode, safe, truncate

TEXT_VALUE_LIMIT = 100

ABSENT = "(absent)"


def _value(value: Any) -> str:
    return ABSENT if value is None else truncate(encode(value), TEXT_VALUE_LIMIT)


def _label(item: Item, action: str) -> str:
    change = item.change
    if action == "adopt":
        found = f" {safe(str(change['id']))}" if change.get("id") else ""
        return f"adopt existing object{found}"
    if item.drift and action == "create":
        return "create: deleted outside tkctl"
    if action == "forget":
        return "forget: stays in the account, no longer managed"
    return safe(action) + (", protected" if change.get("protected") else "")


def _field_lines(item: Item, field: Mapping[str, Any]) -> list[str]:
    path = safe(str(field.get("path", "")))
    old, new = field.get("old"), field.get("new")
    note = both_note(item, field)
    note = f"  ({note})" if note else ""
    if item.action == "create":
        return [f"      {path}: {_value(new)}{note}"]
    if isinstance(old, list) and isinstance(new, list) and _too_long(old, new):
        return [f"      {path}:{note}", *_list_diff(old, new)]
    return [f"      {path}: {_value(old)} -> {_value(new)}{note}"]


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


@lru_cache(maxsize=None)
def _symbol(action: str, color: bool) -> str:
    """An action's symbol, styled once per action (a plan may show one line per object)."""
    return style(SYMBOLS.get(action, "?"), color, fg=ACTION_COLORS.get(action), bold=True)


def _item_lines(item: Item, color: bool) -> list[str]:
    action = item.action
    change = item.change
    lines = [f"  {_symbol(action, color)} {safe(item.address)} ({_label(item, action)})"]
    reason = change.get("reason")
    if reason and action != "forget":
        lines.append(f"      because {safe(str(reason))}")
    if action not in ("delete", "forget"):
        for field in item.fields:
            lines.extend(_field_lines(item, field))
    kept = change.get("kept")
    if kept and not item.drift:
        lines.append(f"      left as they are live: {', '.join(safe(str(k)) for k in kept)}")
    return lines


def _target(plan: Mapping[str, Any]) -> str:
    target = plan.get("target") or {}
    url = safe(str(target.get("api_url") or "the Timekit account"))
    return f"the emulator at {url}" if target.get("emulator") else url


def render_text(plan: dict, out: TextIO, *, color: bool = False, show_unmanaged: bool = False) -> None:
    """Write the plan (or a drift report) for a person at a terminal; `color` from `use_color`."""
    lines: list[str] = []
    config, drift = split(plan)
    if config:
        lines += [f"tkctl will perform the following actions on {_target(plan)}:", ""]
        if drift:
            lines.append(f"{CONFIG_TITLE}:")
        for item in config:
            lines += _item_lines(item, color)
        lines.append("")
    if drift:
        if is_drift_report(plan):
            lines.append(f"{DRIFT_TITLE} on {_target(plan)}:")
        else:
            if not config:
                lines += [f"tkctl will perform the following actions on {_target(plan)}:", ""]
            lines.append(f"{DRIFT_TITLE} ({DRIFT_NOTE}):")
        for item in drift:
            lines += _item_lines(item, color)
        lines.append("")
    problems = plan.get("problems") or ()
    if problems:
        lines.append(style(PROBLEMS_HEAD, color, fg="red", bold=True))
        lines += [f"  - {safe(str(p))}" for p in problems]
        lines.append("")
    refused = refusal_lines(plan)
    if refused:
        lines.append(style(REFUSALS_HEAD, color, fg="red", bold=True))
        for refusal in refused:
            first, *rest = refusal.split("\n")
            lines += [f"  - {safe(first)}", *(f"  {safe(line)}" for line in rest)]
        lines.append("")
    for warning in plan.get("warnings") or ():
        lines.append(f"{style('Warning:', color, fg='yellow', bold=True)} {safe(str(warning))}")
    if plan.get("warnings"):
        lines.append("")
    notes = [n for n in (scope_line(plan), unmanaged_line(plan)) if n]
    if show_unmanaged:
        notes += [f"  {safe(i)}" for i in unmanaged_items(plan)]
    if notes:
        lines += [*notes, ""]
    checksum = checksum_line(plan)
    if checksum:
        lines.append(checksum)
    last = verdict(plan)
    lines.append(style(last, color, bold=True) if has_changes(plan) else last)
    out.write("\n".join(lines) + "\n")
