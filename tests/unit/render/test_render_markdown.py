"""The Markdown plan: exact output, and escaping proven by rendering it as GitHub would.

The escaping tests parse the output with markdown-it-py (installed with rich) in CommonMark
mode with GFM tables, then compare each cell's displayed text with the value it must show.
"""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from markdown_it import MarkdownIt

from tests.unit.render.plans import URL, change, every_action, plan
from tkctl.render import render_markdown
from tkctl.render.markdown import code, text
from tkctl.render.sections import FIELDS_IN_TABLE







def render(data: dict) -> str:
    out = io.StringIO()
    render_markdown(data, out)
    return out.getvalue()


def test_every_action_exactly() -> None:
    data = every_action()
    assert render(data) == f"""<!-- tkctl:plan dir=examples/clinic env=default -->

### tkctl plan for `{URL}`

Plan checksum: `sha256:abc`

**Plan: 1 to create, 1 to update, 1 to delete, 1 to adopt.**

> **Warning:** resource "dr-old" has 3 future bookings

#### Changes in the configuration

| Action | Kind | Key | Fields |
| --- | --- | --- | --- |
| create | resource | `dr-jones` | `name` |
| adopt | project | `physio` |  |
| delete | calendar | `old-cal` | `name` |

#### Changed outside tkctl (apply sets these back to the configuration)

| Action | Kind | Key | Fields |
| --- | --- | --- | --- |
| update | resource | `room-1` | `timezone` |

<details><summary>create resource <code>dr-jones</code></summary>

Defined in `examples/clinic/resources.yaml:3`.

| Field | Old | New |
| --- | --- | --- |
| `name` |  | `"Dr. Jones"` |

</details>

<details><summary>adopt project <code>physio</code></summary>

No field changes: tkctl records the existing object `3f1c` in its state.

</details>

<details><summary>delete calendar <code>old-cal</code></summary>

| Field | Old | New |
| --- | --- | --- |
| `name` | `"Old"` |  |

</details>

<details><summary>update resource <code>room-1</code> (changed outside tkctl)</summary>

| Field | Old | New |
| --- | --- | --- |
| `timezone` | `"Europe/Paris"` | `"Europe/Berlin"` |

</details>
"""


HEAD = f"<!-- tkctl:plan dir=examples/clinic env=default -->\n\n### tkctl plan for `{URL}`\n\n"


@pytest.mark.parametrize(
    "data, expected",
    [
        (plan(), HEAD + "**No changes. The live account matches the configuration.**\n"),
        (plan(warnings=["a <b>"]),
         HEAD + "**No changes. The live account matches the configuration.**\n\n> **Warning:** a &lt;b&gt;\n"),
        (plan(change("update", "resource", "a", [("email", "a@x.io", "b@x.io")]), problems=["e-mail <cannot> change"]),
         HEAD + "**Plan: 0 to create, 1 to update, 0 to delete.**\n\n**This plan cannot be applied:**\n\n"
         "- e-mail &lt;cannot&gt; change\n\n| Action"),
    ],
    ids=["no-changes", "no-changes-with-warning", "problems-shown"],
)
def test_head_of_the_comment(data: dict, expected: str) -> None:
    assert render(data).startswith(expected)


def test_marker_names_folder_and_environment_and_cannot_end_the_comment_early() -> None:
    data = plan()
    data["target"]["config_dir"] = "odd --> dir/x y"
    first = render(data).splitlines()[0]
    assert first == "<!-- tkctl:plan dir=odd%20--%3E%20dir/x%20y env=default -->"
    data["target"]["environment"] = "production"
    assert render(data).splitlines()[0].endswith("env=production -->")


def test_a_700_change_plan_fits_the_budget_saying_what_it_left_out() -> None:
    changes = [change("update", "project", f"p{i:03d}", [("ui.localization.submit_button", "Book it " * 10, f"Book {i} " * 10)])
               for i in range(700)]
    out = io.StringIO()
    render_markdown(plan(*changes, checksum="sha256:abc"), out, max_chars=60_000, full_plan="plan.json")
    text_ = out.getvalue()
    assert len(text_) <= 60_000
    assert text_.startswith("<!-- tkctl:plan dir=examples/clinic env=default -->")
    assert "**Plan: 0 to create, 700 to update, 0 to delete.**" in text_
    shown = text_.count("<details>")
    assert 0 < shown < 700
    assert text_.count("| update | project |") == 700  # the summary table is whole
    assert (f"**{700 - shown} of 700 changed objects are not shown in detail** to stay within 60,000 characters; "
            "the full plan is in `plan.json`.") in text_
    assert text_.rstrip().endswith("`plan.json`.")
    assert "<details><summary>update project <code>p000</code></summary>" in text_  # the first ones, in full


def test_a_huge_summary_table_is_cut_too() -> None:
    changes = [change("create", "resource", f"r{i:05d}", [("name", None, "x")]) for i in range(5000)]
    out = io.StringIO()
    render_markdown(plan(*changes), out, max_chars=20_000)
    text_ = out.getvalue()
    assert len(text_) <= 20_000
    rows = text_.count("| create | resource |")
    assert 0 < rows < 5000 and f"| … | | | {5000 - rows} more not shown |" in text_
    assert "**5000 of 5000 changed objects are not shown in detail**" in text_
    assert "run `tkctl plan --out plan.json` and `tkctl show plan.json` for the full plan" in text_


def test_long_field_lists_are_shortened_in_the_summary_table_only() -> None:
    fields = [(f"f{i}", None, i) for i in range(FIELDS_IN_TABLE + 2)]
    out = render(plan(change("create", "resource", "r", fields)))
    shown = ", ".join(f"`f{i}`" for i in range(FIELDS_IN_TABLE))
    assert f"| create | resource | `r` | {shown}, and 2 more |" in out
    assert all(f"| `f{i}` |  | `{i}` |" in out for i in range(FIELDS_IN_TABLE + 2))


@pytest.mark.parametrize(
    "value, expected",
    [
        ("plain", "`plain`"),
        ("a|b", "`a\\|b`"),
        ("a`b", "``a`b``"),
        ("``x`", "``` ``x` ```"),
        ("<b>&", "`<b>&`"),
        (" x ", "`  x  `"),
        ("line\nbreak", "`line\\u000abreak`"),
    ],
)
def test_code_spans(value: str, expected: str) -> None:
    assert code(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("a | b", "a \\| b"),
        ("<script>&", "&lt;script&gt;&amp;"),
        ("one\ntwo\r\nthree", "one<br>two<br>three"),
        ("*not* _em_ [link](x) `c` ~s~ \\", "\\*not\\* \\_em\\_ \\[link\\](x) \\`c\\` \\~s\\~ \\\\"),
    ],
)
def test_plain_text(value: str, expected: str) -> None:
    assert text(value) == expected


# ---------------------------------------------------------------- rendered as GitHub would

NASTY = [
    "pipe | inside",
    "<script>alert(1)</script> & &amp;",
    "two\nlines",
    "back`tick",
    "``double`` and `single`",
    "`starts and ends`",
    "*bold* _em_ [x](y)",
    "unicode: caf\u00e9 \u2014 \u65e5\u672c \U0001f469\u200d\u2695\ufe0f",
    "backslash \\| pipe",
]


def _cells(rendered_html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", rendered_html, re.S)
    return [[c for c in re.findall(r"<t[dh]>(.*?)</t[dh]>", row, re.S)] for row in rows]


def _shown(cell_html: str) -> str:
    """The text a reader sees in a cell that holds one code span."""
    m = re.fullmatch(r"<code>(.*)</code>", cell_html, re.S)
    assert m, f"not a single code span: {cell_html!r}"
    return html.unescape(m.group(1))


@pytest.mark.parametrize("value", NASTY)
def test_any_value_shows_exactly_in_its_table_cell(value: str) -> None:
    data = plan(change("update", "project", "p", [("meta.x", value, [value, {"k": value}])]))
    page = MarkdownIt("commonmark").enable("table").render(render(data))
    summary_table, field_table = _cells(page)[:2], _cells(page)[2:]
    assert [len(r) for r in summary_table] == [4, 4]
    assert [len(r) for r in field_table] == [3, 3]
    assert _shown(field_table[1][0]) == "meta.x"
    assert json.loads(_shown(field_table[1][1])) == value
    assert json.loads(_shown(field_table[1][2])) == [value, {"k": value}]
    assert "<script>" not in page


@pytest.mark.parametrize("value", NASTY)
def test_any_key_shows_exactly_in_table_and_summary(value: str) -> None:
    key = value.replace("\n", " ")  # keys are one-line names
    page = MarkdownIt("commonmark").enable("table").render(render(plan(change("create", "resource", key, [("name", None, 1)]))))
    assert _shown(_cells(page)[1][2]) == key
    summary = re.search(r"<summary>create resource <code>(.*?)</code></summary>", page, re.S)
    assert summary and html.unescape(summary.group(1)) == key


@pytest.mark.parametrize("value", NASTY)
def test_any_warning_shows_as_plain_text(value: str) -> None:
    page = MarkdownIt("commonmark").enable("table").render(render(plan(warnings=[value])))
    m = re.search(r"<blockquote>\n<p><strong>Warning:</strong> (.*?)</p>\n</blockquote>", page, re.S)
    assert m, page
    shown = html.unescape(m.group(1).replace("<br />\n", "\n").replace("<br>", "\n"))
    assert shown == value
