"""Every shortcut in config loading (issue 12) leaves the result exactly as it was: the same
desired objects, the same problems and warnings with the same file, line, column, object and
field. Each config here is checked twice, with the shortcuts and with all of them turned off
(the plain path: jsonschema walks every value, PyYAML resolves every tag and builds every
integer itself, variables are always substituted, node trees are kept and each object is
found by walking from the file's root), and the two reports
must be equal. The shortcuts are also held to their own contracts one by one.

Reading large files a group of blocks at a time (`config/blocks.py` `read_grouped`, for files
of two megabytes and more) is forced on every file that splits on the quick side, each block a
group of its own (parsed with the blocks whose anchors it uses), and off on the plain side.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from bigconfig import write_big_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_config_fuzz import BASE, _paths, _replaced, keys, values
from test_config_problems import CASES

from tkctl.config import blocks, check_config, filereader, schema, variables, yamlfile
from tkctl.config.loader import ConfigReport

EXAMPLES = Path(__file__).parents[3] / "examples"
INT = "tag:yaml.org,2002:int"


@contextlib.contextmanager
def plain_loading() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(schema, "_is_valid", lambda node: lambda value: False)
        m.setattr(yamlfile, "_Loader", yamlfile._BaseLoader)
        m.setitem(yamlfile._SCALARS, INT, yamlfile._number(yamlfile._constructor.construct_yaml_int))
        m.setattr(filereader, "may_reference", lambda text: True)
        m.setattr(yamlfile.YamlFile, "release", lambda self: None)
        m.setattr(yamlfile.YamlFile, "location_in", lambda self, section, key, path: self.location((section, key, *path)))
        m.setattr(filereader, "GROUPED_CHARS", float("inf"))
        yield


@contextlib.contextmanager
def grouped_reading() -> Iterator[None]:
    """Every file that splits into blocks read a block at a time, however small."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(filereader, "GROUPED_CHARS", 0)
        m.setattr(blocks, "GROUP_CHARS", 1)
        yield


def _summary(report: ConfigReport) -> dict[str, Any]:
    def rows(found):
        return [(str(p), p.obj, p.field, p.location) for p in found]

    return {"problems": rows(report.problems), "warnings": rows(report.warnings), "desired": report.desired,
            "settings": report.settings}


def _same_both_ways(root: Path, env: str | None = None) -> dict[str, Any]:
    with grouped_reading():
        fast = _summary(check_config(root, environ={}, env=env))
    with plain_loading():
        plain = _summary(check_config(root, environ={}, env=env))
    assert fast == plain
    return fast


@contextlib.contextmanager
def _config(files: dict[str, str | bytes]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cfg"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            yield root
        finally:
            os.chdir(cwd)


@pytest.mark.parametrize("files", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_every_documented_problem_is_reported_the_same(files):
    import textwrap

    with _config({k: v if isinstance(v, bytes) else textwrap.dedent(v) for k, v in files.items()}) as root:
        assert _same_both_ways(root)["problems"]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if (p / "tkctl.yaml").exists()))
def test_the_examples_load_the_same(example):
    names = yaml.safe_load((EXAMPLES / example / "tkctl.yaml").read_text()).get("environments") or [None]
    for env in names:
        _same_both_ways(EXAMPLES / example, env)


def test_a_large_config_with_mistakes_in_other_files_is_reported_the_same(tmp_path, monkeypatch):
    """Problems found after a file's node tree is dropped (references, unique slugs and
    e-mails, keys defined twice) are placed from the recomposed tree, at the same spot."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "cfg"
    root.mkdir()
    write_big_config(root, resources=300, projects=20)
    (root / "more.yaml").write_text(
        "resources:\n  r-0007: {name: Twice, timezone: UTC}\n  r-x: {name: X, timezone: UTC, email: p3@chain.example}\n"
        "calendars:\n  c-new: &c {resource: r-nope, name: N}\n  c-merged: {<<: *c, name: M}\n"
        "projects:\n  p-new:\n    name: N\n    resources: [r-0001, r-missing]\n")
    found = _same_both_ways(root)
    assert len(found["problems"]) >= 4 and found["desired"] is None
    assert any("more.yaml" in line and "r-missing" in line for line, *_ in found["problems"])
    # A field merged in with << has no node of its own: the problem is placed at the object's key.
    assert 'cfg/more.yaml, line 6, column 3: calendar "c-merged": resource: refers to resource "r-nope"' in \
        "\n".join(line for line, *_ in found["problems"])


def test_a_large_valid_config_gives_the_same_objects(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_big_config(tmp_path, resources=200, projects=10)
    found = _same_both_ways(tmp_path)
    assert found["desired"] is not None and len(found["desired"]) == 200 + 400 + 10


FUZZ = settings(max_examples=150, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
REFERENCES = ("calendars:\n  c-extra: {resource: dr-jones, name: Extra}\n  c-lost: &l {resource: dr-who, name: Lost}\n"
              "  c-merged: {<<: *l, name: Merged}\n"
              "projects:\n  second: {name: Second, slug: consult, resources: [dr-jones, nobody]}\n")


@FUZZ
@given(st.sampled_from(_paths(BASE)), keys, values, st.booleans())
def test_any_broken_object_file_is_reported_the_same(path, key, value, add):
    tree = _replaced(BASE, path, value)
    if add:
        tree = json.loads(json.dumps(BASE))
        node = tree
        for part in path:
            node = node[part]
        if isinstance(node, dict):
            node[key] = value
        elif isinstance(node, list):
            node.append(value)
    with _config({"objects.yaml": yaml.safe_dump(tree, allow_unicode=True), "refs.yaml": REFERENCES}) as root:
        _same_both_ways(root)


# -- the shortcuts' own contracts ---------------------------------------------------------

SCALARS = st.one_of(st.text(max_size=8), st.sampled_from(
    ["", "~", "null", "Null", "true", "yes", "No", "on", "OFF", "y", "0", "007", "0x1F", "0b101", "0o7", "1_000", "+5", "-0",
     "1.5", ".5", "1e3", ".inf", "-.Inf", ".nan", "2024-05-01", "2024-05-01T10:00:00Z", "9:30", "190:20:30", "<<", "=",
     "!", "&a", "*a", "12", "١٢", "1.0", "-1.5e-3", "0.", "Monday", "=x"]))


@settings(max_examples=800, derandomize=True, deadline=None, database=None)
@given(SCALARS, st.sampled_from([(True, False), (False, True), (False, False), (True, True)]))
def test_tag_resolution_is_pyyamls(value, implicit):
    ours, theirs = yamlfile._Loader(""), yamlfile._BaseLoader("")
    for kind in (yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode):
        assert ours.resolve(kind, value, implicit) == yamlfile._BaseLoader.resolve(theirs, kind, value, implicit)


@settings(max_examples=500, derandomize=True, deadline=None, database=None)
@given(SCALARS | st.from_regex(r"[+-]?[0-9_]{1,12}", fullmatch=True))
def test_integers_are_built_as_pyyaml_builds_them(text):
    node = yaml.ScalarNode(INT, text)
    try:
        expected: Any = yamlfile._constructor.construct_yaml_int(node)
    except Exception as exc:  # noqa: BLE001 - the same failure is expected
        expected = type(exc)
    try:
        got: Any = yamlfile._int(node)
    except Exception as exc:  # noqa: BLE001
        got = type(exc)
    assert got == expected and type(got) is type(expected)


YAMLISH = st.lists(st.sampled_from(list('${}\\"\'x24uUva.r: \n-#|>') + ["var.", "${var.", "\\x24", "\\u0024"]),
                   max_size=30).map("".join)


@settings(max_examples=1500, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.filter_too_much])
@given(st.one_of(YAMLISH, YAMLISH.map(lambda t: "a: " + t), YAMLISH.map(lambda t: 'a: "' + t + '"')))
def test_a_file_may_reference_no_variable_only_if_no_value_holds_one(text):
    try:
        data = yaml.load(text, Loader=yamlfile._BaseLoader)
    except yaml.YAMLError:
        return
    substituted, unknown = variables.substitute(data, {"a": "A"})
    if not variables.may_reference(text):
        assert (substituted, unknown) == (data, [])


def test_the_escapes_that_write_a_dollar_brace_count_as_references():
    for text in ['a: "\\x24{var.a}"', 'a: "\\u0024{var.a}"', 'a: "$\\\n  {var.a}"', "a: ${var.a}"]:
        value = yaml.load(text, Loader=yamlfile._BaseLoader)["a"]
        assert value == "${var.a}" and variables.may_reference(text), text
