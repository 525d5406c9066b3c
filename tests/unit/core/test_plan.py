"""build_plan: matching, change kinds, causes and execution order, on in-memory objects."""

import pytest

from tkctl.core.live import LiveState
from tkctl.core.model import DesiredObject, DesiredState
from tkctl.core.build import build_plan
from tkctl.core.plan import StateRecord, desired_canonical, desired_fields, record_of


def desired(*objs):
    state = DesiredState()
    for o in objs:
        state.add(o)
    return state


def res(key, **fields):
    fields.setdefault("name", key.title())
    fields.setdefault("timezone", "UTC")
    return DesiredObject("resource", key, fields)


def cal(key, resource, **fields):
    fields.setdefault("name", key)
    fields.setdefault("description", "d")
    return DesiredObject("calendar", key, fields, {"resource": resource})


def proj(key, members=(), **fields):
    fields.setdefault("name", key)
    return DesiredObject("project", key, fields, {"resources": list(members)})


def live_resource(id_, key=None, calendars=(), **fields):
    obj = {"id": id_, "name": (key or id_).title(), "timezone": "UTC", "first_name": "F", "last_name": "",
           "email": None, "image": None, "tags": None, "api_token": "tok-" + id_,
           "meta": {"tkctl_key": key} if key else None, "availability_constraints": [],
           "calendars": [dict(c) for c in calendars]}
    obj.update(fields)
    return obj


def live_cal(id_, name, description="d", **fields):
    return {"id": id_, "name": name, "description": description, "foregroundcolor": None,
            "backgroundcolor": None, "provider_primary": False, **fields}


def live_project(id_, key=None, members=(), **fields):
    return {"id": id_, "name": key or id_, "slug": key or id_, "meta": {"tkctl_key": key} if key else None,
            "resources": [{"id": m} for m in members], **fields}


def record(obj, id_):
    """The state entry an apply of `obj` leaves behind."""
    rec = record_of(desired_canonical(obj))
    return StateRecord(id_, rec.fingerprint, rec.fields)


def summary(plan):
    return [(c.action, c.kind, c.key, c.cause) for c in plan.changes]


def test_empty_account_creates_everything_in_dependency_order():
    d = desired(proj("p", ["a"]), cal("c", "a"), res("a"), res("b"))
    plan = build_plan(d, LiveState(), {})
    assert summary(plan) == [
        ("create", "resource", "a", "config"), ("create", "resource", "b", "config"),
        ("create", "calendar", "c", "config"), ("create", "project", "p", "config"),
    ]
    assert plan.summary() == {"create": 4, "update": 0, "replace": 0, "move": 0, "delete": 0, "adopt": 0,
                              "forget": 0, "no_change": 0}


def test_tracked_and_equal_is_no_change_despite_server_spellings():
    a = res("a", availability_constraints=[{"allow_hours": {"start": 9, "end": 17}}], tags=["x", "y"])
    live = LiveState.from_payloads(
        [live_resource("r1", "a", availability_constraints=[{"allow_hours": {"start": "09:00", "end": "17:00"}}],
                       tags=["y", "x"])], [])
    plan = build_plan(desired(a), live, {("resource", "a"): record(a, "r1")})
    assert plan.changes == [] and plan.no_change == 1 and plan.state_steps == []


def test_update_shows_only_changed_fields_and_cause():
    a = res("a", name="New")
    live = LiveState.from_payloads([live_resource("r1", "a", name="Old")], [])
    plan = build_plan(desired(a), live, {("resource", "a"): StateRecord("r1", "sha256:old")})
    (change,) = plan.changes
    assert (change.action, change.cause) == ("update", "config")
    assert [(f.path, f.old, f.new) for f in change.fields] == [("name", "Old", "New")]


def test_live_edit_with_unchanged_config_is_drift():
    a = res("a", name="Mine")
    live = LiveState.from_payloads([live_resource("r1", "a", name="Edited in admin UI")], [])
    plan = build_plan(desired(a), live, {("resource", "a"): record(a, "r1")})
    assert summary(plan) == [("update", "resource", "a", "drift")]


def test_deleted_outside_tkctl_is_recreated_as_drift():
    a = res("a")
    plan = build_plan(desired(a), LiveState(), {("resource", "a"): record(a, "gone")})
    assert summary(plan) == [("create", "resource", "a", "drift")]


@pytest.mark.parametrize(
    "live_payload, expected_id",
    [
        (live_resource("r9", "a", email="a@x.io"), "r9"),  # tagged by an apply that died before saving state
        (live_resource("r9", None, email="a@x.io"), "r9"),  # natural key: email (case-insensitive)
    ],
)
def test_untracked_objects_are_adopted_not_created(live_payload, expected_id):
    a = res("a", email="A@x.io")
    plan = build_plan(desired(a), LiveState.from_payloads([live_payload], []), {})
    (change,) = plan.changes
    assert (change.action, change.id) == ("adopt", expected_id)


def test_object_tagged_for_another_key_is_not_adopted_by_email():
    a = res("a", email="a@x.io")
    live = LiveState.from_payloads([live_resource("r9", "other", email="a@x.io")], [])
    assert summary(build_plan(desired(a), live, {})) == [("create", "resource", "a", "config")]


def test_calendar_adopted_by_owner_and_name():
    a, c = res("a"), cal("main", "a", name="Bookings", description="Created by Timekit on resource creation")
    live = LiveState.from_payloads(
        [live_resource("r1", "a", calendars=[live_cal("c1", "Bookings", "Created by Timekit on resource creation")])], [])
    plan = build_plan(desired(a, c), live, {("resource", "a"): record(a, "r1")})
    assert [(ch.action, ch.key, ch.id, ch.fields) for ch in plan.changes] == [("adopt", "main", "c1", [])]


def test_project_membership_diff_uses_keys():
    a, b = res("a"), res("b")
    p = proj("p", ["a", "b"])
    live = LiveState.from_payloads(
        [live_resource("r1", "a"), live_resource("r2", "b")], [live_project("p1", "p", ["r1"])])
    state = {("resource", "a"): record(a, "r1"), ("resource", "b"): record(b, "r2"),
             ("project", "p"): StateRecord("p1", "x")}
    (change,) = build_plan(desired(a, b, p), live, state).changes
    assert [(f.path, f.old, f.new) for f in change.fields] == [("resources", ["a"], ["a", "b"])]


def test_removed_from_config_is_deleted_in_reverse_dependency_order():
    live = LiveState.from_payloads(
        [live_resource("r1", "a", calendars=[live_cal("c1", "cal")])], [live_project("p1", "p", ["r1"])])
    state = {("resource", "a"): StateRecord("r1"), ("calendar", "c"): StateRecord("c1"),
             ("project", "p"): StateRecord("p1"), ("project", "gone"): StateRecord("p-gone")}
    plan = build_plan(DesiredState(), live, state)
    assert summary(plan) == [
        ("delete", "project", "p", "config"), ("delete", "calendar", "c", "config"),
        ("delete", "resource", "a", "config"),
    ]
    assert [(s.action, s.address) for s in plan.state_steps] == [("forget", "project.gone")]
    deleted = plan.changes[0]
    assert ("resources", ["a"], None) in [(f.path, f.old, f.new) for f in deleted.fields]


def test_email_change_is_a_replacement_saying_what_it_costs():
    a = res("a", email="new@x.io")
    live = LiveState.from_payloads([live_resource("r1", "a", email="old@x.io")], [])
    plan = build_plan(desired(a), live, {("resource", "a"): record(a, "r1")})
    (change,) = plan.changes
    assert (change.action, change.id, plan.problems) == ("replace", "r1", [])
    assert change.reason == ("Timekit cannot change a resource's e-mail address (old@x.io -> new@x.io): a new "
                             "resource replaces it, and its bookings stay with the old one, which is deleted")
    create, delete = change.steps
    assert (create.action, create.request.method, create.request.body["email"]) == ("create", "POST", "new@x.io")
    assert (delete.phase, delete.request.method, delete.request.path, delete.forget) == (6, "DELETE", "/resources/r1", False)


def test_email_differing_only_in_case_is_no_change():
    """Timekit keeps one resource per address whatever its case and cannot change an address:
    a case-only edit would plan an update the API refuses."""
    a = res("a", email="Jones@Clinic.example")
    live = LiveState.from_payloads([live_resource("r1", "a", email="jones@clinic.example")], [])
    plan = build_plan(desired(a), live, {("resource", "a"): record(a, "r1")})
    assert (plan.changes, plan.problems, plan.no_change) == ([], [], 1)


def test_calendar_cannot_move_between_resources():
    a, b, c = res("a"), res("b"), cal("c", "b", name="cal")
    live = LiveState.from_payloads(
        [live_resource("r1", "a", calendars=[live_cal("c1", "cal")]), live_resource("r2", "b")], [])
    state = {("resource", "a"): record(a, "r1"), ("resource", "b"): record(b, "r2"), ("calendar", "c"): StateRecord("c1")}
    plan = build_plan(desired(a, b, c), live, state)
    (change,) = plan.changes
    assert (change.action, change.key) == ("replace", "c")
    assert change.reason.startswith("Timekit cannot move a calendar to another resource (now resource.b)")
    assert [(s.request.method, s.request.path) for s in change.steps] == [("POST", "/calendars"), ("DELETE", "/calendars/c1")]


def test_plan_data_is_json_ready_and_never_holds_secrets():
    import json

    a = res("a")
    live = LiveState.from_payloads([live_resource("r1", "a", name="Old")], [])
    data = build_plan(desired(a), live, {("resource", "a"): StateRecord("r1")}).data("9.9")
    text = json.dumps(data)
    assert data["format_version"] == 4 and data["summary"]["update"] == 1
    assert json.loads(text) == data
    assert "tok-r1" not in text and "api_token" not in text


def test_desired_fields_tag_objects_with_their_key():
    assert desired_fields(res("a", meta={"x": 1}))["meta"] == {"x": 1, "tkctl_key": "a"}


def test_untracked_project_is_adopted_by_slug():
    p = proj("consult", slug="consult-now")
    live = LiveState.from_payloads([], [live_project("p9", None, slug="consult-now"), live_project("p8", None)])
    (change,) = build_plan(desired(p), live, {}).changes
    assert (change.action, change.id) == ("adopt", "p9")


def test_objects_found_by_their_tag_never_index_the_account_by_natural_key():
    """A first import of objects tkctl made finds each by its tag; the email and slug index
    (a pass over every live resource and project) is built only when a tag finds nothing,
    and a later lookup by email still finds its object."""
    from tkctl.core.match import Matcher

    a, b = res("a", email="a@x.io"), res("b", email="B@x.io")
    live = LiveState.from_payloads([live_resource("r1", "a", email="a@x.io"), live_resource("r2", None, email="b@x.io")],
                                   [])
    matcher = Matcher(live, {})
    assert matcher.untracked(a).id == "r1"
    assert not matcher._natural_built
    assert matcher.untracked(b).id == "r2"
    assert matcher._natural_built
    matcher.bind("resource", "b", "r2")
    assert matcher.untracked(b) is None  # claimed: never adopted twice


def test_live_reads_get_settles_a_deferred_fingerprint_and_keeps_absent_apart_from_unknown():
    from tkctl.core.plan import LiveReads

    reads = LiveReads({"resource.gone": None})
    calls = []
    reads.defer("resource.a", lambda: calls.append(1) or "sha256:a")
    assert reads.get("resource.a") == "sha256:a" and reads.get("resource.a") == "sha256:a"
    assert calls == [1]  # worked out once
    assert reads.get("resource.gone", "unknown") is None  # read, and absent from the account
    assert reads.get("resource.never") is None and reads.get("resource.never", "x") == "x"
    assert dict(reads) == {"resource.gone": None, "resource.a": "sha256:a"}


def test_live_reads_pick_settles_only_the_addresses_it_is_given():
    from tkctl.core.plan import LiveReads

    reads = LiveReads({"resource.gone": None, "resource.b": "sha256:b"})
    calls = []
    reads.defer("resource.a", lambda: calls.append("a") or "sha256:a")
    reads.defer("resource.c", lambda: calls.append("c") or "sha256:c")
    assert reads.pick(["resource.a", "resource.b", "resource.gone", "resource.never"]) == {
        "resource.a": "sha256:a", "resource.b": "sha256:b", "resource.gone": None, "resource.never": None}
    assert calls == ["a"]
