"""Safety and scope: what apply refuses, targeting, lifecycle, ignored fields (core/safety.py,
core/scope.py, core/ignore.py and their use in core/build.py)."""

from __future__ import annotations

import pytest

from tests.unit.core.test_plan import cal, desired, live_project, live_resource, proj, record, res
from tkctl.core.build import build_plan
from tkctl.core.ignore import keep_live, kept_meta_paths
from tkctl.core.live import LiveState
from tkctl.core.model import DesiredObject
from tkctl.core.plan import StateRecord
from tkctl.core.safety import Policy, refusals
from tkctl.core.scope import restrict


def with_lifecycle(obj: DesiredObject, **lifecycle) -> DesiredObject:
    return DesiredObject(obj.kind, obj.key, obj.fields, obj.refs, lifecycle=lifecycle)


def managed(n: int, kind="project"):
    """n managed projects p00.. with records, live, and a config that keeps them all."""
    objs = [proj(f"p{i:02d}") for i in range(n)]
    live = LiveState.from_payloads([], [live_project(f"id{i}", f"p{i:02d}") for i in range(n)])
    state = {("project", o.key): record(o, f"id{i}") for i, o in enumerate(objs)}
    return objs, live, state


def rules(data, **policy):
    return [(r["rule"], r["override"]) for r in refusals(data, Policy(**policy))]


def test_deletes_are_refused_unless_allowed_listing_each_with_its_bookings():
    objs, live, state = managed(3)
    plan = build_plan(desired(*objs[1:]), live, state)
    plan.bookings = {"project.p00": 4}
    data = plan.data("x")
    (refusal,) = refusals(data, Policy())
    assert refusal == {"rule": "deletes", "override": "--allow-deletes", "message":
                       "the plan deletes 1 object; deletes need --allow-deletes (or allow_deletes: true in the "
                       "environment):\n  - project.p00 (id0, 4 future bookings)"}
    assert refusals(data, Policy(allow_deletes=True)) == []


def test_protect_refuses_whatever_the_flags_and_is_remembered_after_the_block_is_removed():
    a = with_lifecycle(res("a"), protect=True)
    live = LiveState.from_payloads([live_resource("r1", "a")], [])
    first = build_plan(desired(a), live, {})  # adopt: the state learns it is protected
    (step,) = [s for s in first.steps if s.record and s.record.get("lifecycle")]
    assert step.record["lifecycle"] == {"protect": True}
    state = {("resource", "a"): StateRecord("r1", "f", {}, {"protect": True})}
    data = build_plan(desired(), live, state).data("x")
    assert data["changes"][0]["protected"] is True
    everything = Policy(allow_deletes=True, allow_replace=True, force=True)
    assert [r["rule"] for r in refusals(data, everything)] == ["protect"]
    assert refusals(data, everything)[0]["message"] == (
        "resource.a is protected and would be deleted: remove its protection (lifecycle protect, or the "
        "environment's protect list) first, or keep it")


def test_environment_protect_globs():
    objs, live, state = managed(2)
    data = build_plan(desired(objs[0]), live, state).data("x")
    assert rules(data, allow_deletes=True, protect=("project.*",)) == [("protect", "")]
    assert rules(data, allow_deletes=True, protect=("resource.*",)) == []


def test_replacement_needs_allow_replace_and_is_refused_when_protected():
    a = res("a", email="new@x.io")
    live = LiveState.from_payloads([live_resource("r1", "a", email="old@x.io")], [])
    data = build_plan(desired(a), live, {("resource", "a"): record(a, "r1")}).data("x")
    assert rules(data) == [("replace", "--allow-replace")]
    assert rules(data, allow_replace=True) == []
    protected = with_lifecycle(a, protect=True)
    data = build_plan(desired(protected), live, {("resource", "a"): record(a, "r1")}).data("x")
    assert rules(data, allow_replace=True) == [("protect", "")]


THRESHOLDS = [
    # (managed, updated, deleted, expected rules and messages)
    (9, 0, 9, [("deletes", "--allow-deletes")]),  # under 10 managed: no threshold
    (10, 3, 0, []),  # exactly 30% is not over
    (10, 4, 0, [("threshold", "--force")]),
    (25, 0, 10, [("deletes", "--allow-deletes"), ("threshold", "--force")]),
]


@pytest.mark.parametrize("n, updated, deleted, expected", THRESHOLDS, ids=["few", "at-share", "over", "deletes"])
def test_thresholds(n, updated, deleted, expected):
    objs, live, state = managed(n)
    kept = [proj(o.key, name="Renamed") if i < updated else o for i, o in enumerate(objs)][deleted:]
    data = build_plan(desired(*kept), live, state).data("x")
    assert rules(data) == expected
    assert rules(data, allow_deletes=True, force=True) == []


def test_threshold_message_names_the_numbers():
    objs, live, state = managed(25)
    data = build_plan(desired(*objs[10:]), live, state).data("x")
    messages = [r["message"] for r in refusals(data, Policy(allow_deletes=True))]
    assert messages == ["Too many deletes: 40% of 25 projects (10), over 30%; check the plan, then apply with --force"]


def test_on_remove_forget_leaves_the_object_live():
    objs, live, state = managed(1)
    state[("project", "p00")] = StateRecord("id0", "f", {}, {"on_remove": "forget"})
    plan = build_plan(desired(), live, state)
    (change,) = plan.changes
    assert (change.action, [(s.action, s.request) for s in change.steps]) == ("forget", [("forget", None)])
    assert refusals(plan.data("x"), Policy()) == []  # forgetting deletes nothing


def test_targets_pull_in_dependencies_and_say_the_plan_is_partial():
    d = desired(res("a"), res("b"), cal("c", "a"), proj("physio-1", ["b"]), proj("other", ["a"]))
    plan = restrict(build_plan(d, LiveState(), {}), d, ["project.physio-*"], [])
    assert [c.address for c in plan.changes] == ["resource.b", "project.physio-1"]
    assert plan.data("x")["scope"] == {"targets": ["project.physio-*"], "excludes": [], "partial": True}


def test_excluding_a_dependency_that_must_be_created_is_a_problem():
    d = desired(res("a"), proj("p", ["a"]))
    plan = restrict(build_plan(d, LiveState(), {}), d, ["project.p"], ["resource.*"])
    assert [c.address for c in plan.changes] == ["project.p"]
    assert plan.problems == ["resource.a is excluded, but objects in the plan need it to be created first; "
                             "target it too, or apply without --exclude"]


def test_nothing_outside_the_scope_is_deleted():
    objs, live, state = managed(3)
    plan = restrict(build_plan(desired(), live, state), desired(), ["project.p01"], [])
    assert [(c.action, c.address) for c in plan.changes] == [("delete", "project.p01")]


def test_unmanaged_objects_are_listed_never_deleted():
    a = res("a")
    live = LiveState.from_payloads(
        [live_resource("r1", "a", calendars=[{"id": "c-default", "name": "Bookings", "description": "d"},
                                             {"id": "c-extra", "name": "Made by hand", "description": "d"}]),
         live_resource("r2", None, name="Someone else")],
        [live_project("p9", None, name="Admin UI project")])
    plan = build_plan(desired(a), live, {("resource", "a"): record(a, "r1")})
    assert plan.unmanaged == [
        {"kind": "resource", "id": "r2", "name": "Someone else"},
        {"kind": "calendar", "id": "c-extra", "name": "Made by hand", "resource": "resource.a"},
        {"kind": "project", "id": "p9", "name": "Admin UI project"},
    ]  # the default "Bookings" calendar belongs to its managed resource
    assert plan.changes == []


KEEP = [
    ({"ui": {"a": 1, "loc": {"x": 1}}}, {"ui": {"a": 2, "loc": {"x": 9}}}, ["ui.loc"],
     {"ui": {"a": 1, "loc": {"x": 9}}}),
    ({"ui": {"a": 1, "loc": {"x": 1}}}, {"ui": {"a": 2}}, ["ui.loc"], {"ui": {"a": 1}}),  # absent live: absent
    ({"name": "Mine"}, {"name": "Theirs"}, ["name"], {"name": "Theirs"}),
    ({"meta": {"k": 1}}, {"meta": {"k": 2, "t_store": "S"}}, ["meta.t_store"], {"meta": {"k": 1, "t_store": "S"}}),
    ({}, {"ui": {"deep": {"er": 1}}}, ["ui.deep.er"], {"ui": {"deep": {"er": 1}}}),
]


@pytest.mark.parametrize("fields, live, paths, expected", KEEP)
def test_keep_live(fields, live, paths, expected):
    assert keep_live(fields, live, paths) == expected


def test_kept_meta_paths_are_the_unnamed_t_keys():
    assert kept_meta_paths({"t_mine": 1, "x": 1}, {"t_mine": 2, "t_store": 3, "other": 4}) == ["meta.t_store"]
    assert kept_meta_paths(None, None) == []


def test_ignored_fields_neither_show_nor_are_sent_and_the_body_keeps_the_live_value():
    p = with_lifecycle(proj("p", ui={"title": "New", "localization": {"submit": "Mine"}}),
                       ignore_fields=["ui.localization"])
    live = LiveState.from_payloads([], [live_project("p1", "p", ui={"title": "Old", "localization": {"submit": "Theirs"}})])
    plan = build_plan(desired(p), live, {("project", "p"): StateRecord("p1")})
    (change,) = plan.changes
    assert [(f.path, f.old, f.new) for f in change.fields] == [("ui.title", "Old", "New")]
    (step,) = change.steps
    assert step.request.body == {"ui": {"title": "New", "localization": {"submit": "Theirs"}}}
    assert change.data()["kept"] == ["ui.localization"]


def test_kind_wide_ignore_from_settings():
    a = res("a", tags=["mine"])
    live = LiveState.from_payloads([live_resource("r1", "a", tags=["theirs"])], [])
    plan = build_plan(desired(a), live, {("resource", "a"): record(a, "r1")}, ignore={"resource": ["tags"]})
    assert plan.changes == []


def test_t_keys_of_meta_survive_an_update_of_another_meta_key():
    p = proj("p", meta={"department": "physio"})
    live = LiveState.from_payloads([], [live_project(
        "p1", None, name="p", meta={"department": "gp", "t_store_address": "Main St 1", "tkctl_key": "p"})])
    (change,) = build_plan(desired(p), live, {("project", "p"): StateRecord("p1")}).changes
    assert [(f.path, f.old, f.new) for f in change.fields] == [("meta.department", "gp", "physio")]
    assert change.steps[0].request.body == {
        "meta": {"department": "physio", "t_store_address": "Main St 1", "tkctl_key": "p"}}
    assert change.data()["kept"] == ["meta.t_store_address"]


def test_a_t_key_the_config_names_is_managed():
    p = proj("p", meta={"t_store_address": "New St 2"})
    live = LiveState.from_payloads([], [live_project("p1", None, name="p",
                                                     meta={"t_store_address": "Main St 1", "tkctl_key": "p"})])
    (change,) = build_plan(desired(p), live, {("project", "p"): StateRecord("p1")}).changes
    assert [(f.path, f.old, f.new) for f in change.fields] == [("meta.t_store_address", "Main St 1", "New St 2")]
    assert "kept" not in change.data()


def test_replacing_a_resource_repoints_projects_and_remakes_its_calendars():
    a = res("a", email="new@x.io")
    c = cal("c", "a", name="Extra")
    p = proj("p", ["a"])
    live = LiveState.from_payloads(
        [live_resource("r1", "a", email="old@x.io", calendars=[{"id": "c1", "name": "Extra", "description": "d"}])],
        [live_project("p1", "p", ["r1"])])
    state = {("resource", "a"): record(a, "r1"), ("calendar", "c"): record(c, "c1"), ("project", "p"): record(p, "p1")}
    plan = build_plan(desired(a, c, p), live, state)
    assert [(ch.action, ch.address, ch.because) for ch in plan.changes] == [
        ("replace", "resource.a", ()), ("replace", "calendar.c", ("resource.a",)),
        ("update", "project.p", ("resource.a",))]
    steps = [(s.phase, s.address, s.action, s.request.method, s.request.path) for s in plan.steps]
    assert steps == [
        (1, "resource.a", "create", "POST", "/resources"),
        (2, "calendar.c", "create", "POST", "/calendars"),  # the old one goes with its resource
        (3, "project.p", "members", "PUT", "/projects/{project.p}/resources"),
        (6, "resource.a", "delete", "DELETE", "/resources/r1"),
    ]
    data = plan.data("x")
    assert [r["rule"] for r in refusals(data, Policy())] == ["replace"]
    # Targeting the resource takes its dependants with it.
    targeted = restrict(build_plan(desired(a, c, p), live, state), desired(a, c, p), ["resource.a"], [])
    assert [ch.address for ch in targeted.changes] == ["resource.a", "calendar.c", "project.p"]


def test_a_calendar_moved_onto_a_resource_being_replaced_deletes_its_old_self():
    """Timekit deletes a calendar with the resource it is on NOW: moved from r1 (kept) onto r0
    (replaced), the old calendar on r1 must be deleted, not left behind unmanaged."""
    r0, r1 = res("r0", email="new@x.io"), res("r1")
    c = cal("c", "r0", name="Phone")
    live = LiveState.from_payloads(
        [live_resource("id0", "r0", email="old@x.io"),
         live_resource("id1", "r1", calendars=[{"id": "cal1", "name": "Phone", "description": "d"}])], [])
    state = {("resource", "r0"): record(r0, "id0"), ("resource", "r1"): record(r1, "id1"),
             ("calendar", "c"): record(cal("c", "r1", name="Phone"), "cal1")}
    plan = build_plan(desired(r0, r1, c), live, state)
    change = next(ch for ch in plan.changes if ch.address == "calendar.c")
    assert change.action == "replace" and change.because == ()
    assert change.reason.startswith("Timekit cannot move a calendar to another resource (now resource.r0)")
    assert [(s.request.method, s.request.path) for s in change.steps] == [("POST", "/calendars"),
                                                                         ("DELETE", "/calendars/cal1")]
    assert not [u for u in plan.unmanaged if u["kind"] == "calendar" and u["id"] == "cal1"]
