"""Each change as the requests apply will send: the plan carries its steps (core/steps.py)."""

from __future__ import annotations

import pytest

from tests.unit.core.test_plan import cal, desired, live_cal, live_project, live_resource, proj, record, res
from tkctl.core.live import LiveState
from tkctl.core.build import build_plan
from tkctl.core.plan import StateRecord
from tkctl.core.steps import PENDING


def requests(plan) -> list[tuple]:
    """(phase, address, action, method, path, body) for every step, in execution order."""
    out = []
    for s in plan.steps:
        r = s.request
        out.append((s.phase, s.address, s.action, r.method if r else None, r.path if r else None,
                    r.body if r else None))
    return out


def test_empty_account_creates_with_tags_references_and_no_unset_fields():
    d = desired(res("a", email="a@x.io"), cal("c", "a", name="Extra"), proj("p", ["a"], slug="p"))
    plan = build_plan(d, LiveState(), {})
    assert requests(plan) == [
        (1, "resource.a", "create", "POST", "/resources",
         {"name": "A", "timezone": "UTC", "email": "a@x.io", "meta": {"tkctl_key": "a"}}),
        (2, "calendar.c", "create", "POST", "/calendars",
         {"name": "Extra", "description": "d", "resource_id": "resource.a"}),
        (3, "project.p", "create", "POST", "/projects",
         {"name": "p", "slug": "p", "meta": {"tkctl_key": "p"}, "resources": ["resource.a"]}),
    ]
    by_address = {s.address: s for s in plan.steps}
    assert by_address["calendar.c"].request.refs == ("/resource_id",)
    assert by_address["project.p"].request.refs == ("/resources/0",)
    assert all(s.bind == "response" for s in plan.steps)
    assert plan.data("x")["ids"] == {}  # nothing exists yet: every reference is resolved at apply


LOOKUPS = [
    (res("a"), {"list": "/resources", "params": {"search": "meta.tkctl_key:a", "include": "calendars"},
                "match": {"meta.tkctl_key": "a"}}),
    (proj("p", slug="book"), {"list": "/projects", "params": {"search": "slug:book"}, "match": {"meta.tkctl_key": "p"}}),
    (proj("p"), {"list": "/projects", "params": {}, "match": {"meta.tkctl_key": "p"}}),
]


@pytest.mark.parametrize("obj, lookup", LOOKUPS, ids=["resource-by-tag", "project-by-slug", "project-no-slug"])
def test_every_create_says_how_to_find_what_a_lost_answer_made(obj, lookup):
    (step,) = build_plan(desired(obj), LiveState(), {}).steps
    assert step.lookup == lookup


def test_calendar_lookup_is_by_owner_and_name():
    a = res("a")
    plan = build_plan(desired(a, cal("c", "a", name="Extra")), LiveState.from_payloads([live_resource("r1", "a")], []),
                      {("resource", "a"): record(a, "r1")})
    (step,) = plan.steps
    assert step.lookup == {"get": "/resources/{resource.a}", "params": {"include": "calendars"},
                           "items": "calendars", "match": {"name": "Extra"}}
    assert plan.data("x")["ids"] == {"resource.a": "r1"}


def test_primary_calendar_is_created_then_marked_primary():
    a = res("a")
    plan = build_plan(desired(a, cal("c", "a", name="Main", primary=True)),
                      LiveState.from_payloads([live_resource("r1", "a")], []), {("resource", "a"): record(a, "r1")})
    create, primary = plan.steps
    assert (create.action, create.request.body, create.record) == (
        "create", {"name": "Main", "description": "d", "resource_id": "resource.a"}, {"fingerprint": PENDING})
    assert (primary.action, primary.request.method, primary.request.path, primary.request.body) == (
        "primary", "PUT", "/calendars/{calendar.c}", {"primary": True})
    assert primary.record["fingerprint"].startswith("sha256:") and primary.record["fields"]


def test_calendar_named_like_the_default_takes_it_over_on_a_new_resource():
    d = desired(res("a"), cal("b-main", "a", name="Bookings", backgroundcolor="#fff"), cal("c-second", "a", name="Bookings"))
    steps = {s.address: s for s in build_plan(d, LiveState(), {}).steps}
    takeover = steps["calendar.b-main"]
    assert takeover.action == "takeover"
    assert takeover.bind == {"address": "resource.a", "items": "calendars", "match": {"name": "Bookings"}}
    assert (takeover.request.method, takeover.request.path, takeover.request.body) == (
        "PUT", "/calendars/{calendar.b-main}", {"description": "d", "backgroundcolor": "#fff"})
    assert takeover.fallback.method == "POST" and takeover.fallback.body["name"] == "Bookings"
    # Timekit makes one default calendar: the second of the same name is a real create.
    assert steps["calendar.c-second"].action == "create"


def test_no_takeover_on_a_resource_that_already_exists():
    a = res("a")
    plan = build_plan(desired(a, cal("c", "a", name="Bookings")), LiveState.from_payloads([live_resource("r1", "a")], []),
                      {("resource", "a"): record(a, "r1")})
    assert [s.action for s in plan.steps] == ["create"]


def test_update_sends_changed_top_fields_whole_and_members_as_a_replace_set():
    a, b = res("a"), res("b")
    p = proj("p", ["b", "a"], ui={"x": {"y": 2, "z": 1}}, booking={"graph": "instant"})
    live = LiveState.from_payloads(
        [live_resource("r1", "a"), live_resource("r2", "b")],
        [live_project("p1", "p", ["r1"], ui={"x": {"y": 1, "z": 1}}, booking={"graph": "instant"})])
    state = {("resource", "a"): record(a, "r1"), ("resource", "b"): record(b, "r2"), ("project", "p"): StateRecord("p1")}
    plan = build_plan(desired(a, b, p), live, state)
    assert requests(plan) == [
        (3, "project.p", "update", "PUT", "/projects/{project.p}", {"ui": {"x": {"y": 2, "z": 1}}}),
        (3, "project.p", "members", "PUT", "/projects/{project.p}/resources", ["resource.b", "resource.a"]),
    ]
    update, members = plan.steps
    assert update.record is None and members.record["fingerprint"].startswith("sha256:")
    assert members.request.refs == ("/0", "/1")
    assert plan.data("x")["ids"] == {"project.p": "p1", "resource.a": "r1", "resource.b": "r2"}


def test_meta_change_keeps_the_tag():
    a = res("a", meta={"room": "2"})
    live = LiveState.from_payloads([live_resource("r1", "a", meta={"room": "1", "tkctl_key": "a"})], [])
    (step,) = build_plan(desired(a), live, {("resource", "a"): StateRecord("r1")}).steps
    assert step.request.body == {"meta": {"room": "2", "tkctl_key": "a"}}


def test_adopt_records_the_id_first_then_tags_the_object():
    a = res("a", email="a@x.io")
    live = LiveState.from_payloads([live_resource("r9", None, email="a@x.io")], [])
    plan = build_plan(desired(a), live, {})
    adopt, update = plan.steps
    assert (adopt.action, adopt.request, adopt.record) == ("adopt", None, {"fingerprint": PENDING})
    assert (update.request.path, update.request.body) == (
        "/resources/{resource.a}", {"name": "A", "meta": {"tkctl_key": "a"}})
    assert update.record["fingerprint"].startswith("sha256:")


def test_deletes_run_last_in_reverse_and_tolerate_404():
    live = LiveState.from_payloads([live_resource("r1", "a", calendars=[live_cal("c1", "cal")])],
                                   [live_project("p1", "p", ["r1"])])
    state = {("resource", "a"): StateRecord("r1"), ("calendar", "c"): StateRecord("c1"), ("project", "p"): StateRecord("p1")}
    steps = build_plan(desired(), live, state).steps
    assert [(s.phase, s.request.method, s.request.path, s.forget, s.ok_statuses) for s in steps] == [
        (4, "DELETE", "/projects/{project.p}", True, (404,)),
        (5, "DELETE", "/calendars/{calendar.c}", True, (404,)),
        (6, "DELETE", "/resources/{resource.a}", True, (404,)),
    ]


def test_state_only_steps_come_first():
    a = res("a")
    live = LiveState.from_payloads([live_resource("r1", "a")], [])
    plan = build_plan(desired(a, res("b")), live, {("resource", "a"): StateRecord("r1", "sha256:old"),
                                                   ("project", "gone"): StateRecord("p-gone")})
    assert [(s.phase, s.address, s.action) for s in plan.steps] == [
        (0, "resource.a", "record"), (0, "project.gone", "forget"), (1, "resource.b", "create")]
