"""Drift reports and refresh (core/drift.py)."""

from __future__ import annotations

from tests.unit.core.test_plan import cal, desired, live_cal, live_resource, record, res
from tkctl.core.drift import drift_report, refresh
from tkctl.core.live import LiveState
from tkctl.core.build import build_plan
from tkctl.core.plan import StateRecord


def test_drift_report_keeps_only_fields_changed_outside_tkctl():
    applied = res("a", name="Applied", tags=["x"])
    gone = res("g")
    state = {("resource", "a"): record(applied, "r1"), ("resource", "g"): record(gone, "r-gone")}
    now = res("a", name="New in YAML", tags=["x"])
    live = LiveState.from_payloads([live_resource("r1", "a", name="Applied", tags=["y"])], [])
    report = drift_report(build_plan(desired(now, gone, res("new")), live, state).data("1.0"))
    assert report["report"] == "drift" and report["has_changes"] is True
    assert [(c["action"], c["key"], [f["path"] for f in c["fields"]]) for c in report["changes"]] == [
        ("update", "a", ["tags"]),                      # the name change is the YAML's, not drift
        ("create", "g", ["name", "timezone", "meta"]),  # deleted outside tkctl
    ]
    assert report["summary"] == {"create": 1, "update": 1, "delete": 0, "adopt": 0}


def test_no_drift_when_only_the_config_changed():
    applied = res("a", name="Applied")
    live = LiveState.from_payloads([live_resource("r1", "a", name="Applied")], [])
    plan = build_plan(desired(res("a", name="New")), live, {("resource", "a"): record(applied, "r1")})
    report = drift_report(plan.data("1.0"))
    assert (report["has_changes"], report["changes"]) == (False, [])


def test_refresh_records_live_values_and_forgets_vanished_objects():
    a = res("a", name="Applied")
    c = cal("c", "a", name="Cal")
    state = {("resource", "a"): record(a, "r1"), ("calendar", "c"): record(c, "c1"),
             ("resource", "gone"): StateRecord("r-gone", "sha256:x")}
    live = LiveState.from_payloads([live_resource("r1", "a", name="Edited", calendars=[live_cal("c1", "Cal")])], [])
    items = refresh(desired(a, c), live, state)
    assert [(i.address, i.id, i.changed) for i in items] == [
        ("resource.a", "r1", ("name",)), ("resource.gone", None, ())]
    # Recorded as live, the edit is no longer drift: the plan now shows it as the config's change.
    new_state = dict(state)
    del new_state[("resource", "gone")]
    new_state[("resource", "a")] = StateRecord("r1", items[0].record.fingerprint, items[0].record.fields)
    (change,) = build_plan(desired(a, c), live, new_state).changes
    assert (change.cause, [(f.path, f.cause) for f in change.fields]) == ("config", [("name", "config")])


def test_refresh_of_an_up_to_date_state_records_nothing():
    a = res("a")
    live = LiveState.from_payloads([live_resource("r1", "a")], [])
    assert refresh(desired(a), live, {("resource", "a"): record(a, "r1")}) == []
