"""The Markdown rendering of a plan, for a pull-request comment (GitHub-flavoured Markdown).

A summary table comes first so a reviewer sees the whole plan at a glance; each changed
object then has a collapsible `<details>` section with a | Field | Old | New | table.

Escaping, because any value may hold `|`, newlines, `<`, `&` or backticks:
- values (JSON-encoded, as in the text plan), field paths and keys go in code spans. A `|`
  becomes `\\|` (GFM strips that backslash even inside a code span in a table); the fence is
  one backtick longer than the longest backtick run inside. They are NOT HTML-escaped: code
  spans show entities literally, so `&lt;` would reach the reader as "&lt;", and a code span
  is already inert. JSON keeps newlines as `\\n`, so a value never breaks a table row.
- plain text (warnings, the API URL) escapes `&`, `<`, `>` as entities, Markdown
  punctuation with a backslash, and turns newlines into `<br>`.
- the `<summary>` line is raw HTML (Markdown is not parsed there), so it is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from typing import Any, Mapping, TextIO

from tkctl.render.summary import NO_CHANGES, has_changes, summary_line
from tkctl.render.values import encode, safe

FIELDS_IN_TABLE = 5  # more paths than this in the summary table become "and N more"

_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")


def text(value: str) -> str:
    """Plain text for a paragraph or table cell."""
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    escaped = (_MD_PUNCTUATION.sub(r"\\\1", html.escape(safe(line), quote=False)) for line in lines)
    return "<br>".join(escaped)


def code(value: str) -> str:
    """A code span that shows `value` exactly, even inside a table cell."""
    content = safe(str(value)).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    if content[:1] in ("`", " ") or content[-1:] in ("`", " "):
        content = f" {content} "  # CommonMark strips one space each side, not the content's own
    return f"{fence}{content}{fence}"


def _value(value: Any) -> str:
    return "" if value is None else code(encode(value))


def _action(change: Mapping[str, Any]) -> str:
    action = str(change.get("action", ""))
    return f"{action} (drift)" if change.get("cause") == "drift" else action


def _fields_cell(change: Mapping[str, Any]) -> str:
    paths = [code(str(f.get("path", ""))) for f in change.get("fields") or ()]
    if len(paths) > FIELDS_IN_TABLE:
        rest = len(paths) - FIELDS_IN_TABLE
        paths = [*paths[:FIELDS_IN_TABLE], f"and {rest} more"]
    return ", ".join(paths)


def _summary_table(changes: list[Mapping[str, Any]]) -> list[str]:
    rows = ["| Action | Kind | Key | Fields |", "| --- | --- | --- | --- |"]
    for c in changes:
        kind, key = text(str(c.get("kind", ""))), code(str(c.get("key", "")))
        cells = [text(_action(c)), kind, key, _fields_cell(c)]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _details(change: Mapping[str, Any]) -> list[str]:
    action = str(change.get("action", ""))
    title = f"{html.escape(_action(change))} {html.escape(str(change.get('kind', '')))} "
    title += f"<code>{html.escape(safe(str(change.get('key', ''))))}</code>"
    lines = [f"<details><summary>{title}</summary>", ""]
    if change.get("cause") == "drift":
        lines += ["Changed outside tkctl since the last apply.", ""]
    if change.get("source"):
        lines += [f"Defined in {code(str(change['source']))}.", ""]
    fields = change.get("fields") or []
    if fields:
        lines += ["| Field | Old | New |", "| --- | --- | --- |"]
        for f in fields:
            cells = [code(str(f.get("path", ""))), _value(f.get("old")), _value(f.get("new"))]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    elif action == "adopt":
        found = f" {code(str(change['id']))}" if change.get("id") else ""
        lines += [f"No field changes: tkctl records the existing object{found} in its state.", ""]
    lines.append("</details>")
    return lines


def _heading(plan: Mapping[str, Any]) -> str:
    target = plan.get("target") or {}
    where = f" for {code(str(target['api_url']))}" if target.get("api_url") else ""
    emulator = " (emulator)" if target.get("emulator") else ""
    return f"### tkctl plan{where}{emulator}"


def render_markdown(plan: dict, out: TextIO) -> None:
    """Write the plan as a pull-request comment."""
    blocks: list[list[str]] = []
    if has_changes(plan):
        blocks.append([_heading(plan)])
        blocks.append([f"**{summary_line(plan)}**"])
        blocks.append(_summary_table(plan["changes"]))
    blocks += [[f"> **Warning:** {text(str(w))}"] for w in plan.get("warnings") or ()]
    if has_changes(plan):
        blocks += [_details(c) for c in plan["changes"]]
    else:
        blocks.append([NO_CHANGES])
    out.write("\n\n".join("\n".join(block) for block in blocks) + "\n")
