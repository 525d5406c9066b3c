"""Saved plans: the checksum, the shape check, and what makes a plan stale (core/planfile.py)."""

from __future__ import annotations

import copy

import pytest

from tests.unit.core.test_plan import desired, live_project, live_resource, proj, record, res
from tkctl.core.live import LiveState
from tkctl.core.build import build_plan
from tkctl.core.planfile import checksum, shape_problems, staleness

APP = {"id": "app-1", "slug": "clinic", "test_mode": False}
TARGET = {"api_url": "http://127.0.0.1:1/v2", "config_dir": "cfg", "emulator": False, "app": APP}
STATE = {"lineage": "L", "serial": 3}


def make(objs=None, live=None, state=None, *, target=TARGET, state_info=STATE):
    a, p = res("a"), proj("p", ["a"], name="Consult")
    objs = objs if objs is not None else [a, p]
    live = live if live is not None else LiveState.from_payloads(
        [live_resource("r1", "a")], [live_project("p1", "p", ["r1"], name="Old name")])
    state = state if state is not None else {("resource", "a"): record(a, "r1"), ("project", "p"): record(p, "p1")}
    return build_plan(desired(*objs), live, state, target=target, state_info=state_info)


def test_checksum_is_stable_and_ignores_only_what_does_not_change_the_work():
    data = make().data("1.0")
    assert data["checksum"] == checksum(data) and data["checksum"].startswith("sha256:")
    same = make(target={**TARGET, "api_url": "http://127.0.0.1:2/v2", "config_dir": "../x/cfg"}).data("2.0")
    same["warnings"].append("future bookings")
    same["changes"][0]["source"] = "elsewhere.yaml:9"
    assert checksum(same) == data["checksum"]


@pytest.mark.parametrize("edit", [
    lambda d: d["steps"][0]["request"]["body"].update(name="Tampered"),
    lambda d: d["state"].update(serial=4),
    lambda d: d["target"]["app"].update(id="app-2"),
    lambda d: d["reads"].update({"project.p": "sha256:other"}),
    lambda d: d["problems"].append("x"),
], ids=["step-body", "serial", "app", "read", "problem"])
def test_checksum_covers_what_apply_depends_on(edit):
    data = make().data("1.0")
    edited = copy.deepcopy(data)
    edit(edited)
    assert checksum(edited) != data["checksum"]
    assert shape_problems(edited) == ["its checksum does not match its content: the file was edited after it was made"]


def test_shape_problems():
    good = make().data("1.0")
    assert shape_problems(good) == []
    assert shape_problems([]) == ["it is not a JSON object"]
    assert shape_problems({**good, "format_version": 1, "tkctl_version": "0.0.9"}) == [
        "it has plan format version 1 (made by tkctl 0.0.9); this tkctl applies version 4: plan again with this tkctl"]
    broken = {k: v for k, v in good.items() if k != "steps"}
    assert shape_problems(broken) == ['"steps" is missing or not a list']


def test_reads_cover_every_object_the_steps_touch_or_name():
    data = make().data("1.0")
    assert [s["address"] for s in data["steps"]] == ["project.p"]
    assert set(data["reads"]) == {"project.p"} and data["ids"] == {"project.p": "p1"}
    # A members step names the members: they are read too.
    b = res("b")
    live = LiveState.from_payloads([live_resource("r1", "a"), live_resource("r2", "b")],
                                   [live_project("p1", "p", ["r1"], name="Consult")])
    state = {("resource", "a"): record(res("a"), "r1"), ("resource", "b"): record(b, "r2"),
             ("project", "p"): record(proj("p", ["a"], name="Consult"), "p1")}
    data = make([res("a"), b, proj("p", ["a", "b"], name="Consult")], live, state).data("1.0")
    assert set(data["reads"]) == {"project.p", "resource.a", "resource.b"}
    assert data["ids"] == {"project.p": "p1", "resource.a": "r1", "resource.b": "r2"}


def test_a_plan_is_not_stale_against_itself():
    assert staleness(make().data("1.0"), make()) == []


def test_untouched_objects_may_change_meanwhile():
    saved = make().data("1.0")
    b = res("b")
    objs = [res("a"), proj("p", ["a"], name="Consult"), b]
    live = LiveState.from_payloads([live_resource("r1", "a"), live_resource("r2", "b", name="Edited")],
                                   [live_project("p1", "p", ["r1"], name="Old name")])
    state = {("resource", "a"): record(res("a"), "r1"), ("project", "p"): record(proj("p", ["a"], name="Consult"), "p1")}
    # b is new in the config: that is a config change, so the plan is stale for that reason only
    reasons = staleness(saved, make(objs, live, state))
    assert reasons == ["the configuration changed since the plan was made: resource.b now plan differently"]


STALE = [
    ("state-serial", dict(state_info={"lineage": "L", "serial": 4}),
     ["the state changed since the plan was made (serial 3 when planned, 4 now): another apply or refresh ran"]),
    ("state-lineage", dict(state_info={"lineage": "M", "serial": 3}),
     ["the state file is a different one (lineage L when planned, M now)"]),
    ("app", dict(target={**TARGET, "app": {"id": "app-2", "slug": "other"}}),
     ["the plan was made for Timekit app clinic (app-1), but the token now reaches app other (app-2)"]),
    ("touched-object-edited", dict(live=LiveState.from_payloads(
        [live_resource("r1", "a")], [live_project("p1", "p", ["r1"], name="Edited again")])),
     ["project.p was changed in the account since the plan was made"]),
    ("member-deleted", dict(live=LiveState.from_payloads([], [live_project("p1", "p", [], name="Old name")])),
     ["project.p was changed in the account since the plan was made"]),
    ("config", dict(objs=[res("a"), proj("p", ["a"], name="Consult 2")]),
     ["the configuration changed since the plan was made: project.p now plan differently"]),
]


@pytest.mark.parametrize("name, moved, expected", STALE, ids=[s[0] for s in STALE])
def test_each_kind_of_move_makes_a_saved_plan_stale_and_is_named(name, moved, expected):
    saved = make().data("1.0")
    assert staleness(saved, make(**moved)) == expected


def test_a_create_goes_stale_when_the_object_appears_meanwhile():
    saved = make(objs=[res("n")], live=LiveState(), state={}).data("1.0")
    assert saved["reads"] == {"resource.n": None}
    appeared = LiveState.from_payloads([live_resource("r7", "n")], [])
    assert staleness(saved, make(objs=[res("n")], live=appeared, state={})) == [
        "resource.n now exists in the account; the plan would create it again"]
