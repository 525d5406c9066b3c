"""Reading YAML into plain values with positions: the scalar rules and the node walk."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl.config import yamlfile
from tkctl.config.yamlfile import YamlSyntaxError, parse_yaml, read_yaml
from tkctl.errors import Location


def _read(tmp_path: Path, text: str):
    path = tmp_path / "f.yaml"
    path.write_text(text)
    return read_yaml(path, "f.yaml")


@pytest.mark.parametrize(
    "text, value",
    [
        ("x: 2024-05-01", "2024-05-01"),  # a date stays the string the API expects
        ("x: 2024-05-01T09:00:00Z", "2024-05-01T09:00:00Z"),
        ("x: 9:30", "9:30"),  # not YAML 1.1's base-60 integer 570
        ("x: 1:30:00.5", "1:30:00.5"),
        ("x: 9", 9),
        ("x: 0x1F", 31),
        ("x: 1.5", 1.5),
        ("x: true", True),
        ("x: ~", None),
        ("x:", None),
        ("x: '09:00'", "09:00"),
        ("x: !!str 12", "12"),
        ("x: #ff8800", None),
        ("x: '#ff8800'", "#ff8800"),
        ("9: nine", "nine"),  # keys are the text written (JSON objects have string keys)
    ],
)
def test_scalars(tmp_path, text, value):
    data = _read(tmp_path, text + "\n").data
    assert list(data.values()) == [value]
    assert all(isinstance(k, str) for k in data)


def test_merge_keys_and_aliases(tmp_path):
    doc = _read(
        tmp_path,
        "base: &hours {start: 9, end: 17}\n"
        "a: {<<: *hours, end: 12}\n"
        "b: {<<: [{x: 1}, {y: 2}], x: 0}\n"
        "c: [*hours, *hours]\n",
    )
    assert doc.issues == []
    assert doc.data["a"] == {"start": 9, "end": 12}
    assert doc.data["b"] == {"x": 0, "y": 2}
    assert doc.data["c"] == [{"start": 9, "end": 17}] * 2


def test_duplicate_keys_are_issues_and_the_first_value_wins(tmp_path):
    doc = _read(tmp_path, "a:\n  b: 1\n  c: 2\n  b: 3\n")
    assert doc.data == {"a": {"b": 1, "c": 2}}
    [issue] = doc.issues
    assert issue.message == 'duplicate key "b"; first defined at line 2, column 3'
    assert (issue.mark.line, issue.mark.column) == (3, 2)
    assert doc.path_of(issue.node) == ("a",)


def test_locations_point_at_keys_and_list_items(tmp_path):
    doc = _read(tmp_path, "a:\n  list:\n    - x\n    - {y: 1}\n")
    assert doc.location(()) == Location("f.yaml", 1, 1)
    assert doc.location(("a", "list")) == Location("f.yaml", 2, 3)
    assert doc.location(("a", "list", 1)) == Location("f.yaml", 4, 7)
    assert doc.location(("a", "list", 1, "y")) == Location("f.yaml", 4, 8)
    # a path that leaves the file stops at the deepest place that exists
    assert doc.location(("a", "list", 7)) == Location("f.yaml", 2, 3)
    assert doc.location(("a", "missing", "deeper")) == Location("f.yaml", 1, 1)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"a: [1\n", "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)"),
        (b"a: &x [*x]\n", "invalid YAML: an alias refers to a value that contains it, so the value never ends"),
        (b"a: &x {b: {<<: *x}}\n", "invalid YAML: an alias refers to a value that contains it, so the value never ends"),
        (b"\xfe\xfe", "cannot be read: not UTF-8 text (invalid start byte at byte 0)"),
    ],
    ids=["syntax", "recursive-alias", "recursive-merge", "encoding"],
)
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    with pytest.raises(YamlSyntaxError) as caught:
        read_yaml(path, "f.yaml")
    assert caught.value.message == message


def test_non_scalar_keys_are_issues(tmp_path):
    doc = _read(tmp_path, "? [a, b]\n: 1\nc: 2\n")
    assert doc.data == {"c": 2}
    assert [i.message for i in doc.issues] == ["a mapping key must be a plain value, not a list or mapping"]


def test_an_anchor_shared_by_thousands_of_objects_is_not_an_alias_bomb(tmp_path):
    """Real configs share one constraint list among every resource; that must load (a
    5,000-resource file written by PyYAML's dumper adds ~3 values by alias per value it holds)."""
    rules = "[{allow_day_and_time: {day: Monday, start: 9, end: 17}}, {block_hours: {start: 12, end: 13}}]"
    lines = [f"hours: &hours {rules}"]
    lines += [f"r{i}: {{name: R{i}, constraints: *hours}}" for i in range(20_000)]
    doc = _read(tmp_path, "\n".join(lines) + "\n")
    assert doc.issues == []
    assert doc.data["r19999"]["constraints"] == doc.data["hours"]


# -- an alias takes the value its anchor built -------------------------------------------


def test_an_alias_takes_the_value_its_anchor_built_and_counts_as_expanded(tmp_path):
    doc = _read(tmp_path, "base: &hours {start: 9, end: 17}\nc: [*hours, *hours]\nd: {<<: *hours, end: 12}\n")
    first, second = doc.data["c"]
    assert first is second is doc.data["base"]
    assert doc.data["d"] == {"start": 9, "end": 12}  # a merge makes a mapping of its own
    assert doc.aliased == 6  # each alias added the anchor's two values, as if built again


def test_equal_strings_are_one_string(tmp_path):
    """A config repeats a few values (a time zone, a tag) thousands of times: each is kept once."""
    doc = _read(tmp_path, "a: {tz: Europe/Oslo, tags: [gp]}\nb: {tz: Europe/Oslo, tags: ['gp']}\n")
    assert doc.data["a"]["tz"] is doc.data["b"]["tz"]
    assert doc.data["a"]["tags"][0] is doc.data["b"]["tags"][0]



@pytest.mark.parametrize("merged", ["1", "[1, {x: 2}]", "[*m, {y: 3}]"])
def test_an_expansion_counts_what_building_again_adds_whatever_is_merged(tmp_path, merged, monkeypatch):
    """`_expansion` walks a node as `_build` does, merge sources that are no mapping skipped
    as `_build_mapping` skips them (they are reported, so such a value is never shared)."""
    doc = _read(tmp_path, f"m: &m {{a: 1}}\nv: &v {{<<: {merged}, k: [1, [2]]}}\nw: *v\n")
    node = next(value for key, value in doc.root.value if key.value == "v")
    monkeypatch.setattr(yamlfile.YamlFile, "_shared_size", lambda self, node, depth: None)
    before = doc._added
    doc._build(node, 0)  # `v` again, as a copy: what an alias of it built again adds
    assert doc._added - before > 0
    assert doc._expansion(node) == (doc._added - before, 2)


@st.composite
def anchored_documents(draw) -> str:
    """Flow-style YAML with anchors, aliases (of collections defined earlier), merges, and
    now and then what a reader reports: a duplicate key, an unsupported tag, a number JSON
    cannot carry."""
    anchors: list[tuple[str, str]] = []
    troubled = draw(st.booleans())  # the document may hold what a reader reports
    scalars = ["1", "x", "1.5", "true", "~", "'q'"] + (["1e999", "!!binary aGk="] if troubled else [])

    def value(depth: int) -> str:
        kinds = ["scalar", "list", "map"] if depth < 5 else ["scalar"]
        if anchors:
            kinds += ["alias", "alias"]
        if any(kind == "map" for _, kind in anchors) and depth < 5:
            kinds.append("merge")
        kind = draw(st.sampled_from(kinds))
        if kind == "scalar":
            return draw(st.sampled_from(scalars))
        if kind == "alias":
            return "*" + draw(st.sampled_from(anchors))[0]
        if kind == "merge":
            name = draw(st.sampled_from([name for name, kind in anchors if kind == "map"]))
            return f"{{<<: *{name}, {draw(st.sampled_from('abz'))}: {value(depth + 1)}}}"
        items = [value(depth + 1) for _ in range(draw(st.integers(0, 3)))]
        if kind == "list":
            text = "[" + ", ".join(items) + "]"
        else:
            keys = draw(st.lists(st.sampled_from("abcd"), min_size=len(items), max_size=len(items), unique=not troubled))
            text = "{" + ", ".join(f"{key}: {item}" for key, item in zip(keys, items, strict=True)) + "}"
        if draw(st.booleans()):
            name = f"n{len(anchors)}"
            anchors.append((name, kind))
            return f"&{name} {text}"
        return text

    return "{" + ", ".join(f"k{i}: {value(0)}" for i in range(draw(st.integers(1, 6)))) + "}\n"


def _outcome(text: str) -> tuple:
    try:
        doc = parse_yaml(Path("f.yaml"), "f.yaml", text)
    except YamlSyntaxError as exc:
        return ("refused", exc.message, exc.location, exc.path)
    issues = [(i.message, i.mark.line, i.mark.column, i.path(doc)) for i in doc.issues]
    return ("read", doc.data, issues, doc.aliased)


@settings(max_examples=400, derandomize=True, deadline=None, database=None)
@given(text=anchored_documents(), depth=st.sampled_from([4, 6, 50]), allowance=st.sampled_from([5, 30, 1_000_000]))
def test_a_shared_value_reads_as_the_copy_built_again(text, depth, allowance):
    """The same values, issues, refusals (message, line, column, path) and alias count as
    building every alias again, with limits low enough to be met."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(yamlfile, "MAX_DEPTH", depth)
        m.setattr(yamlfile, "ALIAS_ALLOWANCE", allowance)
        m.setattr(yamlfile, "ALIAS_FACTOR", 2)
        taken: list[int] = []  # aliases that took their anchor's value
        sized = yamlfile.YamlFile._shared_size

        def counted(self, node, depth):
            added = sized(self, node, depth)
            if added is not None:
                taken.append(added)
            return added

        m.setattr(yamlfile.YamlFile, "_shared_size", counted)
        shared = _outcome(text)
        m.setattr(yamlfile.YamlFile, "_shared_size", lambda self, node, depth: None)  # every alias built again
        copied = _outcome(text)
    assert shared == copied
    SHARING_SEEN.append((shared[0], bool(taken)))


SHARING_SEEN: list[tuple[str, bool]] = []


def test_the_documents_above_met_shared_values_and_refusals():
    """The property above is worth its name: many documents shared values with nothing to
    report, and many were refused (nested too deep, or expanded too far, by an alias)."""
    SHARING_SEEN.clear()
    test_a_shared_value_reads_as_the_copy_built_again()
    assert sum(shares for _, shares in SHARING_SEEN) >= 50
    assert sum(outcome == "refused" for outcome, _ in SHARING_SEEN) >= 20
