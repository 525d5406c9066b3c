"""The HTML report: one self-contained, script-free page; every value shown exactly, proven by
parsing the page with an HTML parser (html.parser, as a browser tokenises) and reading the text
of each cell back."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from tests.unit.render.plans import URL, change, every_action, plan
from tkctl.core.drift import drift_report
from tkctl.render import render
from tkctl.render.html import render_html
from tkctl.render.values import encode, safe

VOID = {"meta", "br"}
ALLOWED = {
    "html": {"lang"}, "head": set(), "meta": {"charset", "http-equiv", "content", "name"}, "title": set(),
    "style": set(), "body": set(), "header": set(), "h1": set(), "h2": set(), "p": {"class"}, "code": set(),
    "section": {"class"}, "ul": {"class"}, "li": set(), "strong": set(), "table": {"class"}, "thead": set(),
    "tbody": set(), "tr": {"class"}, "th": set(), "td": {"class"}, "details": {"class"}, "summary": set(),
    "span": {"class"}, "br": set(), "footer": set(),
}
CLASSES = {"create", "update", "replace", "delete", "adopt", "forget", "other", "action", "absent", "summary",
           "fields", "details", "problems", "refusals", "warning", "note", "checksum", "verdict", "unmanaged"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list = field(default_factory=list)  # Element or str

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else ("\n" if c.tag == "br" else c.text()) for c in self.children)

    def find(self, tag: str) -> list["Element"]:
        out = []
        for c in self.children:
            if isinstance(c, Element):
                if c.tag == tag:
                    out.append(c)
                out.extend(c.find(tag))
        return out


class Page(HTMLParser):
    """A strict tree builder: every element closed in order, only the tags and attributes the
    renderer may write, no comment, no processing instruction."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.stack = [self.root]
        self.doctype = None
        self.feed(source)
        self.close()
        assert self.stack == [self.root], f"unclosed: {[e.tag for e in self.stack[1:]]}"

    def handle_decl(self, decl: str) -> None:
        assert self.doctype is None
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED, f"unexpected <{tag}>"
        names = [name for name, _ in attrs]
        assert set(names) <= ALLOWED[tag] and len(names) == len(set(names)), f"<{tag}> with {attrs}"
        element = Element(tag, dict(attrs))
        if "class" in element.attrs:
            assert element.attrs["class"] in CLASSES, element.attrs
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        raise AssertionError(f"self-closing <{tag}/>")

    def handle_endtag(self, tag):
        assert tag not in VOID and self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)

    def handle_comment(self, data):
        raise AssertionError(f"comment in the page: {data!r}")

    def handle_pi(self, data):
        raise AssertionError(f"processing instruction: {data!r}")

    def unknown_decl(self, data):
        raise AssertionError(f"declaration: {data!r}")


def page_of(data: dict, **kw) -> tuple[str, Page]:
    out = io.StringIO()
    render_html(data, out, **kw)
    return out.getvalue(), Page(out.getvalue())


def rows(table: Element) -> list[list[Element]]:
    return [tr.find("td") or tr.find("th") for tr in table.find("tr")]


def test_a_whole_page() -> None:
    source, page = page_of(every_action())
    assert page.doctype == "DOCTYPE html"
    assert source.startswith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    (title,) = page.root.find("title")
    assert title.text() == "tkctl plan: examples/clinic"
    (h1,) = page.root.find("h1")
    assert h1.text() == f"tkctl plan for {URL}"
    assert [p.text() for p in page.root.find("p") if p.attrs.get("class") == "checksum"] == ["Plan checksum: sha256:abc"]
    assert [p.text() for p in page.root.find("p") if p.attrs.get("class") == "verdict"] == \
        ["Plan: 1 to create, 1 to update, 1 to delete, 1 to adopt."]
    assert [p.text() for p in page.root.find("p") if p.attrs.get("class") == "warning"] == \
        ['Warning: resource "dr-old" has 3 future bookings']
    assert [h.text() for h in page.root.find("h2")] == [
        "Changes in the configuration", "Changed outside tkctl (apply sets these back to the configuration)",
        "Each change"]
    config, drift, *fields = page.root.find("table")
    assert [[c.text() for c in r] for r in rows(config)] == [
        ["Action", "Kind", "Key", "Fields"], ["create", "resource", "dr-jones", "name"], ["adopt", "project", "physio", ""],
        ["delete", "calendar", "old-cal", "name"]]
    assert [[c.text() for c in r] for r in rows(drift)] == [["Action", "Kind", "Key", "Fields"],
                                                           ["update", "resource", "room-1", "timezone"]]
    details = page.root.find("details")
    assert [d.find("summary")[0].text() for d in details] == [
        "create resource dr-jones", "adopt project physio", "delete calendar old-cal",
        "update resource room-1 (changed outside tkctl)"]
    assert [d.attrs["class"] for d in details] == ["create", "adopt", "delete", "update"]
    assert [[c.text() for c in r] for r in rows(fields[0])] == [["Field", "Old", "New"], ["name", "(absent)", '"Dr. Jones"']]
    assert "Defined in examples/clinic/resources.yaml:3." in details[0].text()
    assert "No field changes: tkctl records the existing object 3f1c in its state." in details[1].text()


def test_self_contained_and_script_free() -> None:
    source, page = page_of(plan(change("create", "resource", "r", [("name", None, "x")])))
    (csp,) = [m for m in page.root.find("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp.attrs["content"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert len(page.root.find("style")) == 1
    lowered = source.lower()
    for external in ("<script", "<link", "src=", "href=", "@import", "url(", "http-equiv=\"refresh\""):
        assert external not in lowered


@pytest.mark.parametrize("data, verdict", [
    (plan(), "No changes. The live account matches the configuration."),
    (drift_report(plan(change("update", "resource", "a", [("name", "x", "y")], cause="drift"))),
     "Drift: 1 object changed outside tkctl."),
])
def test_verdicts(data, verdict) -> None:
    _, page = page_of(data)
    assert [p.text() for p in page.root.find("p") if p.attrs.get("class") == "verdict"] == [verdict]
    assert page.root.find("title")[0].text().startswith("tkctl drift" if "Drift" in verdict else "tkctl plan")


# ---------------------------------------------------------------- hostile values

NASTY = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "' onmouseover='alert(1)",
    "</code></td></tr></table></details><script>x</script>",
    "<!-- not a comment -->",
    "&amp; &lt;b&gt; &#x3c;",
    "bidi \u202egnp.exe\u202c override and \u2066isolate\u2069",
    "nul\x00 bell\x07 esc\x1b[31m red",
    "two\nlines\r\nand a \u2028 separator",
    "unicode: caf\u00e9 \u2014 \u65e5\u672c \U0001f469\u200d\u2695\ufe0f",
]
RAW_NEVER = ["\u202e", "\u202c", "\u2066", "\u2069", "\x00", "\x07", "\x1b", "\u2028"]


@pytest.mark.parametrize("value", NASTY)
def test_any_value_shows_exactly_in_its_cell(value: str) -> None:
    data = plan(change("update", "project", "p", [("meta.x", value, [value, {"k": value}])]))
    source, page = page_of(data)
    *_, field_table = page.root.find("table")
    (header, (path, old, new)) = rows(field_table)
    assert path.text() == "meta.x"
    assert old.text() == encode(value)
    assert new.text() == encode([value, {"k": value}])
    if not any(c in value for c in RAW_NEVER + ["\n", "\r"]):
        assert json.loads(old.text()) == value  # shown exactly as the JSON of the value
    assert not any(c in source for c in RAW_NEVER)
    assert not page.root.find("script")


@pytest.mark.parametrize("value", NASTY)
def test_any_name_message_or_folder_is_text(value: str) -> None:
    key = value.replace("\n", " ").replace("\r", " ")
    data = plan(change("create", "resource", key, [("name", None, 1)], reason=value), warnings=[value],
                problems=[value])
    data["target"]["config_dir"] = value
    data["target"]["environment"] = value
    data["refusals"] = [{"message": value, "override": "--allow-deletes"}]
    source, page = page_of(data)
    (summary_table, _) = page.root.find("table")
    assert rows(summary_table)[1][2].text() == safe(key)
    assert page.root.find("summary")[0].text() == f"create resource {safe(key)}"
    assert page.root.find("title")[0].text() == f"tkctl plan: {safe(value)}"
    shown_lines = "\n".join(safe(line) for line in value.replace("\r\n", "\n").split("\n"))
    warnings = [p.text() for p in page.root.find("p") if p.attrs.get("class") == "warning"]
    assert warnings == [f"Warning: {shown_lines}"]
    problems, refusals = (s for s in page.root.find("section") if s.attrs.get("class") in ("problems", "refusals"))
    assert problems.find("li")[0].text() == shown_lines
    assert refusals.find("li")[0].text().startswith(shown_lines)
    assert f"Because {safe(value)}." in page.root.find("details")[0].text()
    assert not any(c in source for c in RAW_NEVER)
    assert not page.root.find("script")


def test_unmanaged_objects_are_listed_on_request() -> None:
    data = plan()
    data["unmanaged"] = [{"kind": "resource", "id": "r9", "name": "<b>Old</b>"}]
    _, plain = page_of(data)
    _, listed = page_of(data, show_unmanaged=True)
    assert not [u for u in plain.root.find("ul") if u.attrs.get("class") == "unmanaged"]
    (items,) = [u for u in listed.root.find("ul") if u.attrs.get("class") == "unmanaged"]
    assert items.find("li")[0].text() == "resource r9 '<b>Old</b>'"


def test_the_registry_renders_html() -> None:
    out = io.StringIO()
    render("html", plan(change("create", "resource", "r", [("name", None, "x")])), out)
    assert Page(out.getvalue()).root.find("details")
