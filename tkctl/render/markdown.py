"""The Markdown rendering of a plan, for a pull-request comment (GitHub-flavoured Markdown).

The first line is a hidden marker, `<!-- tkctl:plan dir=<config folder> env=<environment> -->`,
by which CI tooling finds its own earlier comment and updates it instead of adding one per
push. A summary table comes first so a reviewer sees the whole plan at a glance (one per
section: changes in the configuration, changes made outside tkctl); each changed object then
has a collapsible `<details>` section with a | Field | Old | New | table.

GitHub refuses comments over 65,536 characters. Past `max_chars` (default 60,000) the
comment keeps the marker, heading, summary, problems and warnings, as many summary-table rows
and per-object sections as fit, and says how many it left out and where the full plan is.

Escaping, because any value may hold `|`, newlines, `<`, `&` or backticks:
- values (JSON-encoded, as in the text plan), field paths and keys go in code spans. A `|`
  becomes `\\|` (GFM strips that backslash even inside a code span in a table); the fence is
  one backtick longer than the longest backtick run inside. They are NOT HTML-escaped: code
  spans show entities literally, so `&lt;` would reach the reader as "&lt;", and a code span
  is already inert. JSON keeps newlines as `\\n`, so a value never breaks a table row.
- plain text (warnings, the API URL) escapes `&`, `<`, `>` as entities, Markdown
  punctuation with a backslash, and turns newlines into `<br>`.
- the `<summary>` line is raw HTML (Markdown is not parsed there), so it is HTML-escaped.
- the marker's values are percent-encoded, so no path can end the HTML comment early.
"""

from __future__ import annotations

import html
import re
from typing import Any, Mapping, TextIO
from urllib.parse import quote

from tkctl.render.sections import (
    CONFIG_TITLE, DRIFT_NOTE, DRIFT_TITLE, Item, action_label, both_note, split, table_fields,
)
from tkctl.render.summary import (
    CHECKSUM_LABEL, PROBLEMS_HEAD, REFUSALS_HEAD, checksum_line, is_drift_report, refusal_lines, scope_line,
    unmanaged_items, unmanaged_line, verdict,
)
from tkctl.render.values import encode, safe

DEFAULT_MAX_CHARS = 60_000  # GitHub's comment limit is 65,536; room for a CI tool's own lines
NOTE_RESERVE = 400  # kept free for the note on what was left out

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


def _fields_cell(item: Item) -> str:
    return ", ".join(table_fields([code(str(f.get("path", ""))) for f in item.fields]))


TABLE_HEAD = ["| Action | Kind | Key | Fields |", "| --- | --- | --- | --- |"]


def _row(item: Item) -> str:
    kind, key = text(str(item.change.get("kind", ""))), code(str(item.change.get("key", "")))
    return "| " + " | ".join([text(action_label(item)), kind, key, _fields_cell(item)]) + " |"


def _details(item: Item) -> str:
    change = item.change
    title = f"{html.escape(action_label(item))} {html.escape(str(change.get('kind', '')))} "
    title += f"<code>{html.escape(safe(str(change.get('key', ''))))}</code>"
    if item.drift:
        title += " (changed outside tkctl)"
    lines = [f"<details><summary>{title}</summary>", ""]
    if change.get("source") and not item.drift:
        lines += [f"Defined in {code(str(change['source']))}.", ""]
    if change.get("reason"):
        lines += [f"Because {text(str(change['reason']))}.", ""]
    if change.get("kept") and not item.drift:
        lines += ["Left as they are live: " + ", ".join(code(str(k)) for k in change["kept"]) + ".", ""]
    if item.fields:
        lines += ["| Field | Old | New |", "| --- | --- | --- |"]
        for f in item.fields:
            note = both_note(item, f)
            path = code(str(f.get("path", ""))) + (f" ({text(note)})" if note else "")
            lines.append("| " + " | ".join([path, _value(f.get("old")), _value(f.get("new"))]) + " |")
        lines.append("")
    elif item.action == "adopt":
        found = f" {code(str(change['id']))}" if change.get("id") else ""
        lines += [f"No field changes: tkctl records the existing object{found} in its state.", ""]
    lines.append("</details>")
    return "\n".join(lines)


def marker(plan: Mapping[str, Any], env: str | None = None) -> str:
    """The hidden line that identifies this config folder's (and environment's) comment."""
    target = plan.get("target") or {}
    folder = quote(str(target.get("config_dir") or "."), safe="/._-")
    environment = quote(str(env or target.get("environment") or "default"), safe="._-")
    kind = "drift" if is_drift_report(plan) else "plan"
    return f"<!-- tkctl:{kind} dir={folder} env={environment} -->"


def _heading(plan: Mapping[str, Any]) -> str:
    target = plan.get("target") or {}
    where = f" for {code(str(target['api_url']))}" if target.get("api_url") else ""
    emulator = " (emulator)" if target.get("emulator") else ""
    title = "tkctl drift" if is_drift_report(plan) else "tkctl plan"
    return f"### {title}{where}{emulator}"


def render_markdown(plan: dict, out: TextIO, *, max_chars: int = DEFAULT_MAX_CHARS,
                    full_plan: str | None = None, show_unmanaged: bool = False) -> None:
    """Write the plan as a pull-request comment of at most `max_chars` characters (about:
    the note on what was left out may take it a few characters past a tiny budget)."""
    head = [marker(plan), _heading(plan)]
    checksum = checksum_line(plan)
    if checksum:
        head.append(checksum.replace(CHECKSUM_LABEL + " ", CHECKSUM_LABEL + " `") + "`")
    head.append(f"**{verdict(plan)}**")
    problems = plan.get("problems") or ()
    if problems:
        head.append(f"**{PROBLEMS_HEAD}**\n\n" + "\n".join(f"- {text(str(p))}" for p in problems))
    refused = refusal_lines(plan)
    if refused:
        head.append(f"**{REFUSALS_HEAD}**\n\n" + "\n".join(f"- {text(r)}" for r in refused))  # newlines -> <br>
    head += [f"> **Warning:** {text(str(w))}" for w in plan.get("warnings") or ()]
    notes = [text(n) for n in (scope_line(plan), unmanaged_line(plan)) if n]
    if show_unmanaged:
        notes += [f"- {text(i)}" for i in unmanaged_items(plan)]
    if notes:
        head.append("\n".join(notes))

    config, drift = split(plan)
    sections = [(CONFIG_TITLE if drift and config else None, config), (f"{DRIFT_TITLE} ({DRIFT_NOTE})"
                if not is_drift_report(plan) else DRIFT_TITLE, drift)]
    tables: list[tuple[str | None, list[str]]] = [(title, [_row(i) for i in items]) for title, items in sections if items]
    details = [_details(i) for _, items in sections for i in items]

    blocks = list(head)
    budget = max_chars - NOTE_RESERVE
    rows_left_out = 0
    for title, rows in tables:
        block = ([f"#### {title}", ""] if title else []) + TABLE_HEAD
        room = budget - _size([*blocks, "\n".join(block)])
        kept = 0
        for row in rows:
            room -= len(row) + 1
            if room < 0:
                break
            block.append(row)
            kept += 1
        if kept < len(rows):
            rows_left_out += len(rows) - kept
            block.append(f"| … | | | {len(rows) - kept} more not shown |")
        blocks.append("\n".join(block))
    shown = 0
    for detail in details:
        if _size([*blocks, detail]) > budget:
            break
        blocks.append(detail)
        shown += 1
    left_out = len(details) - shown
    if left_out or rows_left_out:
        where = f"the full plan is in `{full_plan}`" if full_plan else \
            "run `tkctl plan --out plan.json` and `tkctl show plan.json` for the full plan"
        blocks.append(f"**{left_out} of {len(details)} changed objects are not shown in detail** to stay within "
                      f"{max_chars:,} characters; {where}.")
    out.write("\n\n".join(blocks) + "\n")


def _size(blocks: list[str]) -> int:
    return sum(len(b) for b in blocks) + 2 * max(0, len(blocks) - 1) + 1
