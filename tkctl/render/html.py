"""The HTML report of a plan or drift report: one self-contained page, for a CI artifact.

Self-contained means the file works offline and from any artifact store: the CSS is inline,
there is no script at all, no image, font or stylesheet from elsewhere, and a
Content-Security-Policy (`default-src 'none'`) tells the browser to load nothing even if
something slipped in. The page has the same parts as the Markdown comment: heading, checksum,
verdict, problems, refusals, warnings, a summary table per section (changes in the
configuration, changes made outside tkctl), then one collapsible `<details>` per changed
object with its | Field | Old | New | table. Nothing is cut: the report is not bound by a
comment limit.

Escaping: every string from the plan (keys, names, values, paths, messages, the URL) is first
made visible-safe by `values.safe` (control characters and bidi overrides become `\\uXXXX`,
so a value cannot reorder the text around it) and then HTML-escaped with quotes, by `_e`, the
only way text reaches the page. Values are JSON, as in the other renderers. Class names come
from a fixed set, never from the plan.
"""

from __future__ import annotations

import html
from typing import Any, Mapping, TextIO

from tkctl.render.sections import (
    CONFIG_TITLE, DRIFT_NOTE, DRIFT_TITLE, Item, action_label, both_note, split, table_fields,
)
from tkctl.render.summary import (
    ACTIONS, PROBLEMS_HEAD, REFUSALS_HEAD, checksum_line, is_drift_report, refusal_lines, scope_line,
    unmanaged_items, unmanaged_line, verdict,
)
from tkctl.render.values import encode, safe

CSS = """
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 72em;
       padding: 0 1em; color: #1f2328; background: #fff; }
h1 { font-size: 1.5em; margin-bottom: .3em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa;
       padding: .1em .3em; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
table { border-collapse: collapse; margin: .6em 0; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
.verdict { font-weight: bold; font-size: 1.1em; }
.problems, .refusals { border-left: 4px solid #cf222e; padding-left: .8em; }
.warning { border-left: 4px solid #bf8700; padding-left: .8em; }
.absent { color: #6e7781; font-style: italic; }
details { border: 1px solid #d0d7de; border-radius: 6px; margin: .5em 0; padding: .3em .8em; }
summary { cursor: pointer; font-weight: 600; }
.action { font-weight: 600; }
.create .action { color: #1a7f37; } .update .action { color: #9a6700; } .replace .action { color: #8250df; }
.delete .action { color: #cf222e; } .adopt .action { color: #0969da; } .forget .action { color: #57606a; }
footer { margin-top: 2em; color: #6e7781; font-size: .9em; }
""".strip()

CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _e(text: Any) -> str:
    """The one way plan text reaches the page: controls made visible, then HTML-escaped."""
    return html.escape(safe(str(text)), quote=True)


def _lines(text: Any) -> str:
    """A message that may span lines (a refusal, a warning): each line escaped, joined by <br>."""
    return "<br>".join(_e(line) for line in str(text).replace("\r\n", "\n").split("\n"))


def _code(text: Any) -> str:
    return f"<code>{_e(text)}</code>"


def _value(value: Any) -> str:
    return '<span class="absent">(absent)</span>' if value is None else _code(encode(value))


def _css_class(action: str) -> str:
    return action if action in ACTIONS else "other"


def _fields_cell(item: Item) -> str:
    return ", ".join(table_fields([_code(f.get("path", "")) for f in item.fields]))


def _summary_table(items: list[Item]) -> list[str]:
    lines = ["<table class=\"summary\">", "<thead><tr><th>Action</th><th>Kind</th><th>Key</th><th>Fields</th></tr></thead>",
             "<tbody>"]
    for item in items:
        change = item.change
        lines.append(f"<tr class=\"{_css_class(item.action)}\"><td class=\"action\">{_e(action_label(item))}</td>"
                     f"<td>{_e(change.get('kind', ''))}</td><td>{_code(change.get('key', ''))}</td>"
                     f"<td>{_fields_cell(item)}</td></tr>")
    lines += ["</tbody>", "</table>"]
    return lines


def _details(item: Item) -> list[str]:
    change = item.change
    title = f"<span class=\"action\">{_e(action_label(item))}</span> {_e(change.get('kind', ''))} {_code(change.get('key', ''))}"
    if item.drift:
        title += " (changed outside tkctl)"
    lines = [f"<details class=\"{_css_class(item.action)}\"><summary>{title}</summary>"]
    if change.get("source") and not item.drift:
        lines.append(f"<p>Defined in {_code(change['source'])}.</p>")
    if change.get("reason"):
        lines.append(f"<p>Because {_e(change['reason'])}.</p>")
    if change.get("kept") and not item.drift:
        lines.append("<p>Left as they are live: " + ", ".join(_code(k) for k in change["kept"]) + ".</p>")
    if item.fields:
        lines += ["<table class=\"fields\">", "<thead><tr><th>Field</th><th>Old</th><th>New</th></tr></thead>", "<tbody>"]
        for f in item.fields:
            note = both_note(item, f)
            path = _code(f.get("path", "")) + (f" ({_e(note)})" if note else "")
            lines.append(f"<tr><td>{path}</td><td>{_value(f.get('old'))}</td><td>{_value(f.get('new'))}</td></tr>")
        lines += ["</tbody>", "</table>"]
    elif item.action == "adopt":
        found = f" {_code(change['id'])}" if change.get("id") else ""
        lines.append(f"<p>No field changes: tkctl records the existing object{found} in its state.</p>")
    lines.append("</details>")
    return lines


def _head(plan: Mapping[str, Any], title: str) -> list[str]:
    version = plan.get("tkctl_version")
    return [
        "<!DOCTYPE html>",
        "<html lang=\"en\">",
        "<head>",
        "<meta charset=\"utf-8\">",
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        f"<meta name=\"generator\" content=\"tkctl {_e(version)}\">" if version else "",
        f"<title>{_e(title)}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head>",
        "<body>",
    ]


def render_html(plan: dict, out: TextIO, *, show_unmanaged: bool = False) -> None:
    """Write the plan (or drift report) as one self-contained HTML page."""
    target = plan.get("target") or {}
    kind = "tkctl drift" if is_drift_report(plan) else "tkctl plan"
    folder = target.get("config_dir")
    lines = _head(plan, f"{kind}: {folder}" if folder else kind)
    heading = kind + (f" for {_code(target['api_url'])}" if target.get("api_url") else "")
    heading += " (emulator)" if target.get("emulator") else ""
    lines.append(f"<header><h1>{heading}</h1>")
    where = []
    if folder:
        where.append(f"Config folder {_code(folder)}")
    if target.get("environment"):
        where.append(f"environment {_code(target['environment'])}")
    if where:
        lines.append(f"<p>{', '.join(where)}.</p>")
    checksum = checksum_line(plan)
    if checksum:
        lines.append(f"<p class=\"checksum\">Plan checksum: {_code(plan['checksum'])}</p>")
    lines += [f"<p class=\"verdict\">{_e(verdict(plan))}</p>", "</header>"]

    problems = plan.get("problems") or ()
    if problems:
        lines += [f"<section class=\"problems\"><h2>{_e(PROBLEMS_HEAD)}</h2><ul>",
                  *(f"<li>{_lines(p)}</li>" for p in problems), "</ul></section>"]
    refused = refusal_lines(plan)
    if refused:
        lines += [f"<section class=\"refusals\"><h2>{_e(REFUSALS_HEAD)}</h2><ul>",
                  *(f"<li>{_lines(r)}</li>" for r in refused), "</ul></section>"]
    lines += [f"<p class=\"warning\"><strong>Warning:</strong> {_lines(w)}</p>" for w in plan.get("warnings") or ()]
    lines += [f"<p class=\"note\">{_e(n)}</p>" for n in (scope_line(plan), unmanaged_line(plan)) if n]
    if show_unmanaged and unmanaged_items(plan):
        lines += ["<ul class=\"unmanaged\">", *(f"<li>{_e(i)}</li>" for i in unmanaged_items(plan)), "</ul>"]

    config, drift = split(plan)
    drift_title = DRIFT_TITLE if is_drift_report(plan) else f"{DRIFT_TITLE} ({DRIFT_NOTE})"
    sections = [(CONFIG_TITLE, config), (drift_title, drift)]
    for title, items in sections:
        if items:
            lines += ["<section>", f"<h2>{_e(title)}</h2>", *_summary_table(items), "</section>"]
    if config or drift:
        lines += ["<section class=\"details\">", "<h2>Each change</h2>"]
        for _, items in sections:
            for item in items:
                lines += _details(item)
        lines.append("</section>")
    version = plan.get("tkctl_version")
    lines += [f"<footer>Made by tkctl {_e(version)}.</footer>" if version else "", "</body>", "</html>"]
    out.write("\n".join(line for line in lines if line) + "\n")
