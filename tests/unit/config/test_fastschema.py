"""The fast schema check answers exactly as jsonschema does, and check_schema, which asks it
first, reports exactly what plain jsonschema reports (issue 12: an optimisation may not change
a single message, path or location).

Every node of the shipped schemas is compiled and compared with jsonschema's `is_valid` on
fixed probes and on values generated from the node itself (so enums, patterns, bounds and
required fields are hit on both sides); then whole documents, mutated anywhere, go through
check_schema with and without the fast check.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from test_config_fuzz import BASE, SETTINGS, WIDGET, _paths, _replaced, keys, values

from tkctl.config import fastschema, schema
from tkctl.config.fastschema import Compiler, json_equal

SCHEMAS = {"config": ("config", None), "tkctl": ("tkctl", None), "widget_ui": ("config", "widget_ui")}


def _nodes(node: Any, out: list[Any]) -> list[Any]:
    """Every schema node below `node` (dicts and booleans in schema positions), `node` included."""
    if isinstance(node, bool) or isinstance(node, dict):
        out.append(node)
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("properties",):
                for sub in value.values():
                    _nodes(sub, out)
            elif key in ("items", "additionalProperties", "not", "if", "then", "else", "propertyNames"):
                _nodes(value, out)
            elif key in ("allOf", "anyOf"):
                for sub in value:
                    _nodes(sub, out)
    return out


NODES = [n for name, args in SCHEMAS.items() for n in _nodes(schema._inlined(*args), [])]
PROBES = [None, True, False, 0, 1, -1, 1.0, 1.5, 24, 25, 10**20, float("inf"), float("nan"), "", "x", "0", "1",
          "Monday", "monday", "09:30", "24:00", "25:00", "a@b.c", "30 minutes", "now", "#ff8800", [], [1], ["x"],
          [{}], {}, {"x": 1}, {"name": "N"}, {"start": 9, "end": 17}, {"allow_hours": {"start": 9, "end": 17}}]


def _agree(node: Any, value: Any) -> None:
    assert Compiler()(node)(value) == Draft202012Validator(node).is_valid(value), (node, value)


def test_every_shipped_schema_node_is_compiled_not_handed_to_jsonschema(monkeypatch):
    def refuse(node):
        raise AssertionError(f"handed to jsonschema: {json.dumps(node)[:200]}")

    monkeypatch.setattr(fastschema, "_delegate", refuse)
    compiler = Compiler()
    for node in NODES:
        compiler(node)
    assert len(NODES) > 200


def test_every_node_agrees_on_fixed_probes_and_its_own_constants():
    for node in NODES:
        own = []
        if isinstance(node, dict):
            own = [*node.get("enum", []), node.get("const"), *(node.get("properties", {}) and [dict.fromkeys(node["properties"], 1)])]
            for bound in ("minimum", "maximum"):
                if bound in node:
                    own += [node[bound], node[bound] - 1, node[bound] + 1, float(node[bound])]
        for value in PROBES + own:
            _agree(node, value)


def _guided(node: Any, depth: int = 0) -> st.SearchStrategy:
    """Values shaped by `node` (near-valid, so the deep keywords are reached), or anything."""
    if not isinstance(node, dict) or depth > 3:
        return values
    options: list[st.SearchStrategy] = [values]
    sub = lambda n: st.deferred(lambda: _guided(n, depth + 1))  # noqa: E731
    if node.get("enum"):
        options.append(st.sampled_from(node["enum"]))
    if "const" in node:
        options.append(st.just(node["const"]))
    if "pattern" in node:
        options.append(st.from_regex(re.compile(node["pattern"])))
    for bound in ("minimum", "maximum"):
        if bound in node:
            options.append(st.integers(int(node[bound]) - 2, int(node[bound]) + 2) | st.just(float(node[bound])))
    for keyword in ("anyOf", "allOf"):
        options += [sub(n) for n in node.get(keyword, [])]
    for keyword in ("if", "then", "else", "not"):
        if keyword in node:
            options.append(sub(node[keyword]))
    properties = node.get("properties", {})
    if properties:
        options.append(st.fixed_dictionaries({}, optional={k: sub(v) for k, v in properties.items()}))
        options.append(st.builds(lambda d, k, v: {**d, k: v},
                                 st.fixed_dictionaries({}, optional={k: sub(v) for k, v in properties.items()}), keys,
                                 sub(node["additionalProperties"]) if isinstance(node.get("additionalProperties"), dict) else values))
    elif isinstance(node.get("additionalProperties"), dict):
        options.append(st.dictionaries(keys, sub(node["additionalProperties"]), max_size=3))
    if "items" in node:
        options.append(st.lists(sub(node["items"]), max_size=4))
    return st.one_of(options)


@settings(max_examples=1500, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(st.data())
def test_every_node_agrees_on_values_generated_from_it(data):
    node = data.draw(st.sampled_from(NODES))
    _agree(node, data.draw(_guided(node)))


@pytest.mark.parametrize("one, two, equal", [
    (1, True, False), (0, False, False), (1, 1.0, True), ([1], [True], False), ({"a": [0]}, {"a": [False]}, False),
    ("a", "a", True), ({"a": 1}, {"a": 1, "b": 2}, False), ([1, 2], (1, 2), True), (None, None, True),
])
def test_equality_is_jsonschemas(one, two, equal):
    from jsonschema._utils import equal as reference

    assert json_equal(one, two) is equal is reference(one, two)


def _both(name: str, instance: Any, definition: str | None, monkeypatch) -> None:
    """check_schema with the fast check, and with it answering "invalid" everywhere (jsonschema
    alone walks everything, as before the fast check existed): the same issues in the same order."""
    fast = schema.check_schema(name, instance, definition)
    with monkeypatch.context() as m:
        m.setattr(schema, "_is_valid", lambda node: lambda value: False)
        slow = schema.check_schema(name, instance, definition)
    assert fast == slow


FUZZ = settings(max_examples=300, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.sampled_from(_paths(BASE)), keys, values)
def test_check_schema_reports_the_same_for_any_object_file(monkeypatch, path, key, value):
    _both("config", _replaced(BASE, path, value), None, monkeypatch)
    tree = json.loads(json.dumps(BASE))
    node = tree
    for part in path:
        node = node[part]
    if isinstance(node, dict):
        node[key] = value
    elif isinstance(node, list):
        node.append(value)
    _both("config", tree, None, monkeypatch)


@FUZZ
@given(st.sampled_from(_paths(SETTINGS)), st.sampled_from(_paths(WIDGET)), values)
def test_check_schema_reports_the_same_for_any_settings_or_widget(monkeypatch, settings_path, widget_path, value):
    _both("tkctl", _replaced(SETTINGS, settings_path, value), None, monkeypatch)
    _both("config", _replaced(WIDGET, widget_path, value), "widget_ui", monkeypatch)
