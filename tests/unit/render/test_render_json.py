"""The JSON plan is the plan's data form, unchanged."""

from __future__ import annotations

import io
import json

import pytest

from tkctl.render import render_json

FULL = {
    "format_version": 1,
    "tkctl_version": "0.1.0",
    "target": {"api_url": "http://127.0.0.1:8080/v2", "config_dir": "examples/clinic", "emulator": False},
    "summary": {"create": 1, "update": 1, "delete": 1, "adopt": 1, "no_change": 4},
    "has_changes": True,
    "changes": [
        {"action": "create", "kind": "resource", "key": "dr-jones", "id": None, "cause": "config",
         "source": "examples/clinic/resources.yaml:3",
         "fields": [{"path": "availability_constraints", "old": None,
                     "new": [{"allow_hours": {"start": "09:00", "end": "17:00"}}]}]},
        {"action": "update", "kind": "project", "key": "consult", "id": "3f1c", "cause": "drift", "source": None,
         "fields": [{"path": "ui.localization.submit_button", "old": "Book | <it>\n`x`", "new": "caf\u00e9 \U0001f600"},
                    {"path": "meta.n", "old": 9, "new": 9.5}]},
        {"action": "adopt", "kind": "project", "key": "physio", "id": "9a", "cause": "config", "source": None, "fields": []},
        {"action": "delete", "kind": "calendar", "key": "old", "id": "c1", "cause": "config", "source": None,
         "fields": [{"path": "name", "old": "Old", "new": None}]},
    ],
    "warnings": ["w"],
}
EMPTY = {**FULL, "summary": {"create": 0, "update": 0, "delete": 0, "adopt": 0, "no_change": 4},
         "has_changes": False, "changes": [], "warnings": []}


@pytest.mark.parametrize("plan", [FULL, EMPTY], ids=["changes", "no-changes"])
def test_round_trip_equals_the_plan_with_key_order_kept(plan: dict) -> None:
    out = io.StringIO()
    render_json(plan, out)
    text = out.getvalue()
    assert json.loads(text) == plan
    assert list(json.loads(text)) == list(plan)  # the order the core chose, not sorted
    assert text == json.dumps(plan, indent=2) + "\n"
