"""Generated malformed configs: random YAML values in every position of an object file, of
tkctl.yaml and of a widget JSON file. Whatever the value, validation ends with problems or
warnings that each name a file, never with an unexpected exception (issue 8).

Bounded and reproducible: a fixed number of examples, derandomised (the same examples on
every run and machine), no deadline (nothing here may depend on machine speed).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tkctl.cli.validate import report_data
from tkctl.config import check_config

BASE: dict[str, Any] = {
    "resources": {
        "dr-jones": {
            "name": "Dr Jones",
            "timezone": "Europe/Copenhagen",
            "email": "jones@clinic.example",
            "tags": ["gp"],
            "meta": {"staff_id": "12"},
            "availability_constraints": [
                {"block_weekends": {}},
                {"allow_hours": {"start": 9, "end": 17}},
                {"block_period": {"start": "2025-07-07", "end": "2025-07-28"}},
            ],
        }
    },
    "calendars": {
        "jones-extra": {"resource": "dr-jones", "name": "Extra", "description": "More", "backgroundcolor": "#1e6fb8"}
    },
    "projects": {
        "consult": {
            "name": "Consult",
            "slug": "consult",
            "resources": ["dr-jones"],
            "availability": {"mode": "mutual", "length": "30 minutes", "buffer": "5 minutes", "from": "now", "to": "4 weeks"},
            "booking": {"graph": "instant", "what": "Consultation"},
            "customer_fields": {"name": {"title": "Name", "required": True}, "topic": {"format": "select", "enum": ["a"]}},
            "reminders": [
                {"type": "email", "settings": {"recipient": "owner"}, "when": {"type": "before", "unit": "mins", "time": 15}},
                {"type": "webhook", "settings": {"url": "https://h.example"}, "when": {"type": "after", "unit": "secs", "time": 0}},
            ],
            "ui": {"display_name": "X", "availability_view": "agendaWeek", "localization": {"submit_button": "Book"}},
        }
    },
}
SETTINGS: dict[str, Any] = {"api_url": "https://api.timekit.io/v2", "token_env": "TK", "state": "s.json",
                            "requests_per_minute": 600, "allow_files_outside_config": False}
WIDGET: dict[str, Any] = {"display_name": "X", "show_credits": True, "time_date_format": "24h-dmy-mon",
                          "localization": {"success_message": "%s"}}

# Values people and broken tools actually produce, mixed with anything at all.
TRICKY = ["", "\0", "30 minutes", "1 hours", "20 minutez", "now", "2024-02-30", "Monday", "9:30", "09:00", "#ff8800",
          "http://x", "https://u:p@x", "agendaWeek", "timeGridWeek", "../../etc/passwd", "/dev/zero", "w.json",
          "tkctl_key", "allow_weekdays", "dr-jones", "Europe/Copenhagn", "9" * 5000, "HUGE_NUMBER", "DEEP_VALUE"]
# Placeholders for what yaml.safe_dump and json.dumps cannot write: a bare integer of 5,000
# digits (Python refuses to print one) and values nested deeper than tkctl accepts.
_RAW = {"HUGE_NUMBER": "9" * 5000, "DEEP_VALUE": "[" * 60 + "]" * 60}
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40), st.floats(), text, st.sampled_from(TRICKY)
)
keys = st.one_of(text, st.sampled_from(["name", "ui", "start", "end", "day", "type", "settings", "<<", "allow_hours"]))
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3), max_leaves=10
)


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    """Every position in a tree of dicts and lists, the root included."""
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*path, index))
    return out


def _replaced(tree: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(tree))
    node = copy
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return copy


def _check(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cfg"
        for name, content in files.items():
            for placeholder, raw in _RAW.items():
                content = content.replace(f'"{placeholder}"', raw).replace(placeholder, raw)
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(content, encoding="utf-8")
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            report = check_config(root, environ={})
        finally:
            os.chdir(cwd)
        for finding in report.problems + report.warnings:
            assert finding.location is not None and finding.location.file.startswith("cfg/"), str(finding)
            assert finding.message
        data = report_data(report, strict=False)
        assert json.loads(json.dumps(data)) == data
        assert data["ok"] is (report.problems == [])


FUZZ = settings(max_examples=200, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.sampled_from(_paths(BASE)), values)
def test_any_value_anywhere_in_an_object_file(path, value):
    _check({"objects.yaml": yaml.safe_dump(_replaced(BASE, path, value), allow_unicode=True)})


@FUZZ
@given(st.sampled_from(_paths(BASE)), keys, values)
def test_any_extra_key_anywhere_in_an_object_file(path, key, value):
    tree = json.loads(json.dumps(BASE))
    node = tree
    for part in path:
        node = node[part]
    if isinstance(node, dict):
        node[key] = value
    elif isinstance(node, list):
        node.append(value)
    _check({"objects.yaml": yaml.safe_dump(tree, allow_unicode=True)})


@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(st.sampled_from(_paths(SETTINGS)), values)
def test_any_value_anywhere_in_tkctl_yaml(path, value):
    _check({"tkctl.yaml": yaml.safe_dump(_replaced(SETTINGS, path, value), allow_unicode=True),
            "objects.yaml": yaml.safe_dump(BASE)})


@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(st.sampled_from(_paths(WIDGET)), values)
def test_any_value_anywhere_in_a_widget_file(path, value):
    project = {"projects": {"p": {"name": "P", "ui_file": "w.json"}}}
    _check({"objects.yaml": yaml.safe_dump(project), "w.json": json.dumps(_replaced(WIDGET, path, value))})


@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from(list("{}[]:,-&*!|>'\"#%@` \n\tab19.")), max_size=80))
def test_any_text_as_an_object_file(text_):
    _check({"objects.yaml": "resources:\n  r: {name: R, timezone: UTC}\n", "more.yaml": text_})
