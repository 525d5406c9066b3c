"""Who moved each field: the configuration, someone outside tkctl, or both (core/plan.py)."""

from __future__ import annotations

import pytest

from tests.unit.core.test_plan import desired, live_project, live_resource, proj, record, res
from tkctl.core.live import LiveState
from tkctl.core.build import build_plan
from tkctl.core.plan import StateRecord

APPLIED = dict(name="Applied", timezone="UTC", tags=["x"])

CASES = [
    # (config now, live now, expected (path, old, new, cause) per field, object cause)
    ({}, {}, [], None),
    ({"name": "New in YAML"}, {}, [("name", "Applied", "New in YAML", "config")], "config"),
    ({}, {"name": "Edited in admin"}, [("name", "Edited in admin", "Applied", "drift")], "drift"),
    ({"name": "New in YAML"}, {"name": "Edited in admin"},
     [("name", "Edited in admin", "New in YAML", "both")], "both"),
    ({"name": "New in YAML"}, {"tags": ["y"]},
     [("name", "Applied", "New in YAML", "config"), ("tags", ["y"], ["x"], "drift")], "both"),
    ({"tags": ["x", "z"]}, {"timezone": "Europe/Oslo"},
     [("timezone", "Europe/Oslo", "UTC", "drift"), ("tags", ["x"], ["x", "z"], "config")], "both"),
]


@pytest.mark.parametrize("config, live_edit, expected, cause", CASES,
                         ids=["none", "config", "drift", "both-same-field", "both-two-fields", "both-other-order"])
def test_each_field_says_who_moved_it(config, live_edit, expected, cause):
    applied = res("a", **APPLIED)
    state = {("resource", "a"): record(applied, "r1")}  # what the last apply recorded
    now = res("a", **{**APPLIED, **config})
    live = LiveState.from_payloads([live_resource("r1", "a", **{**APPLIED, **live_edit})], [])
    plan = build_plan(desired(now), live, state)
    if not expected:
        assert plan.changes == []
        return
    (change,) = plan.changes
    assert sorted((f.path, f.old, f.new, f.cause) for f in change.fields) == sorted(expected)
    assert change.cause == cause


def test_nested_paths_take_the_cause_of_their_top_field():
    applied = proj("p", ui={"a": 1, "b": 1})
    state = {("project", "p"): record(applied, "p1")}
    live = LiveState.from_payloads([], [live_project("p1", "p", ui={"a": 2, "b": 1})])
    (change,) = build_plan(desired(applied), live, state).changes
    assert [(f.path, f.cause) for f in change.fields] == [("ui.a", "drift")]


def test_object_deleted_outside_tkctl_is_recreated_as_drift():
    a = res("a")
    (change,) = build_plan(desired(a), LiveState(), {("resource", "a"): record(a, "gone")}).changes
    assert (change.action, change.cause, {f.cause for f in change.fields}) == ("create", "drift", {"drift"})


def test_state_without_field_digests_falls_back_to_the_whole_object():
    """A state written by an older tkctl has one fingerprint per object: the object is drift
    when the config still matches it, config otherwise."""
    a = res("a", name="Mine")
    full = record(a, "r1")
    live = LiveState.from_payloads([live_resource("r1", "a", name="Edited")], [])
    (change,) = build_plan(desired(a), live, {("resource", "a"): StateRecord("r1", full.fingerprint)}).changes
    assert change.cause == "drift" and change.fields[0].cause == "drift"


def test_prioritized_members_compare_in_order():
    """In roundrobin_prioritized the order of `resources` is the booking priority."""
    a, b = res("a"), res("b")
    live = LiveState.from_payloads(
        [live_resource("r1", "a"), live_resource("r2", "b")],
        [live_project("p1", "p", ["r1", "r2"], availability={"mode": "roundrobin_prioritized"})])
    state = {("resource", "a"): record(a, "r1"), ("resource", "b"): record(b, "r2")}
    prioritized = proj("p", ["b", "a"], availability={"mode": "roundrobin_prioritized"})
    state[("project", "p")] = StateRecord("p1")
    (change,) = build_plan(desired(a, b, prioritized), live, state).changes
    assert [(f.path, f.old, f.new) for f in change.fields] == [("resources", ["a", "b"], ["b", "a"])]
    assert [s.action for s in change.steps] == ["members"]
    # In any other mode the same reorder is no change.
    live_random = LiveState.from_payloads(
        [live_resource("r1", "a"), live_resource("r2", "b")],
        [live_project("p1", "p", ["r1", "r2"], availability={"mode": "roundrobin_random"})])
    random = proj("p", ["b", "a"], availability={"mode": "roundrobin_random"})
    assert build_plan(desired(a, b, random), live_random, state).changes == []


def test_two_live_objects_with_one_tag_block_the_plan():
    a = res("a")
    live = LiveState.from_payloads([live_resource("r1", "a"), live_resource("r2", "a")], [])
    plan = build_plan(desired(a), live, {("resource", "a"): record(a, "r1")})
    assert plan.problems == [
        'resource "a": 2 live objects carry its tag (ids r1, r2); tkctl manages r1. Delete the duplicate by '
        "hand (the one without bookings) and plan again."]


def test_an_object_tagged_for_a_key_the_state_maps_to_another_key_is_not_a_twin():
    a, b = res("a"), res("b")
    live = LiveState.from_payloads([live_resource("r1", "a"), live_resource("r2", "a")], [])
    # r2 still carries "a" (renamed in the state to "b"): it is b's, not a duplicate of a.
    plan = build_plan(desired(a, b), live, {("resource", "a"): record(a, "r1"), ("resource", "b"): record(b, "r2")})
    assert plan.problems == []
