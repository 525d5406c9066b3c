"""tkctl/planapart.py: a plan made on two cores (a forked child answering which of the later
objects are unchanged) is the plan one process makes; a child that fails costs only time;
and the split is chosen only where it pays (core/apart.py's cost model)."""

from __future__ import annotations

import os

import pytest

from tkctl import fork, planapart
from tkctl.core import apart
from tkctl.core.build import build_plan
from tkctl.core.live import LiveState
from tkctl.core.model import DesiredObject, DesiredState
from tkctl.core.plan import StateRecord, desired_record, forget_derived


def account(size: int, changed: set[int]) -> tuple[DesiredState, LiveState, dict]:
    """`size` resources with a calendar each, all tracked; those numbered in `changed` edited
    live, and one project naming the first three resources."""
    desired, resources, state = DesiredState(), [], {}
    for i in range(size):
        key = f"r{i:04d}"
        res = DesiredObject("resource", key, {"name": f"R {i}", "timezone": "UTC", "email": f"{key}@x.example"})
        cal = DesiredObject("calendar", f"c{i:04d}", {"name": "Consult", "description": "d"}, {"resource": key})
        desired.add(res)
        desired.add(cal)
        resources.append({"id": f"id-{key}", "name": f"R {i}" if i not in changed else "Edited",
                          "timezone": "UTC", "email": f"{key}@x.example", "meta": {"tkctl_key": key},
                          "calendars": [{"id": f"cal-{key}", "name": "Consult", "description": "d"}]})
        for obj, id_, tag in ((res, f"id-{key}", True), (cal, f"cal-{key}", False)):
            record = desired_record(obj, tag=tag)[1]
            state[(obj.kind, obj.key)] = StateRecord(id_, record.fingerprint, record.fields, record.lifecycle)
    members = [f"r{i:04d}" for i in range(min(3, size))]
    project = DesiredObject("project", "p", {"name": "P", "slug": "p"}, {"resources": members})
    desired.add(project)
    record = desired_record(project)[1]
    state[("project", "p")] = StateRecord("pid", record.fingerprint, record.fields, record.lifecycle)
    projects = [{"id": "pid", "name": "P", "slug": "p", "meta": {"tkctl_key": "p"},
                 "resources": [{"id": f"id-{m}"} for m in members]}]
    forget_forms(desired)
    return desired, LiveState.from_payloads(resources, projects), state


def forget_forms(desired: DesiredState) -> None:
    """As a config read from its files: every canonical form still to work out."""
    for obj in desired:
        forget_derived(obj)
    desired.digest = None


def summary(plan) -> tuple:
    return (plan.data("test"), dict(plan.live_fingerprints), plan.problems, plan.no_change)


@pytest.fixture
def spy(monkeypatch):
    """Records what the plan got from the child (bytes, None when it failed, or nothing asked)."""
    got: list = []
    real = planapart.build_plan

    def wrapped(*args, **kwargs):
        if "unchanged" in kwargs:
            ask = kwargs["unchanged"]

            def recorded():
                got.append(ask())
                return got[-1]

            kwargs["unchanged"] = recorded
        return real(*args, **kwargs)

    monkeypatch.setattr(planapart, "build_plan", wrapped)
    monkeypatch.setattr(planapart, "MIN_OBJECTS", 1)
    monkeypatch.setattr(planapart, "MIN_SAVED", 0)
    monkeypatch.setattr(planapart, "FORK_COST", 0)
    monkeypatch.setattr(fork, "_can_fork", lambda: True)
    return got


def test_a_plan_made_on_two_cores_is_the_plan_made_alone(spy, caplog):
    caplog.set_level("DEBUG", logger="tkctl.plan")
    desired, live, state = account(400, changed={5, 390})
    alone = summary(build_plan(desired, live, state))
    forget_forms(desired)
    assert summary(planapart.plan_on_two_cores(desired, live, state, environ={})) == alone
    assert len(spy) == 1 and isinstance(spy[0], bytes) and 0 < sum(spy[0]) < len(spy[0])
    assert alone[3] == len(desired) - 2  # the two edited resources are updates
    assert f"objects compared in a second process, {sum(spy[0])} of them unchanged" in caplog.text


def test_a_child_that_fails_costs_only_time(spy, monkeypatch, caplog):
    caplog.set_level("DEBUG", logger="tkctl.plan")
    desired, live, state = account(300, changed={7})
    alone = summary(build_plan(desired, live, state))
    forget_forms(desired)

    def fails(*args, **kwargs):
        os._exit(1)  # the child dies before answering

    monkeypatch.setattr(planapart, "unchanged_objects", fails)
    assert summary(planapart.plan_on_two_cores(desired, live, state, environ={})) == alone
    assert spy == [None]
    assert "the second process gave no answer; comparing its" in caplog.text


def test_no_fork_plans_in_one_process(spy):
    desired, live, state = account(50, changed=set())
    plan = planapart.plan_on_two_cores(desired, live, state, environ={"TKCTL_NO_FORK": "1"})
    assert spy == [] and plan.no_change == len(desired)


def test_the_split_is_chosen_only_where_it_pays():
    desired, live, state = account(5000, changed=set())
    start = apart.split_point(desired, planapart.FORK_COST, least=planapart.MIN_SAVED)
    assert start is not None and 0 < start < len(desired)
    costs = [apart.cost(obj) for obj in desired]
    mine = sum(costs[:start]) + apart._BIND * (len(costs) - start)
    theirs = sum(costs[start:]) * apart._APART + planapart.FORK_COST
    assert abs(mine - theirs) <= max(costs) * apart._APART + apart._BIND * 2  # both finish together
    for obj in desired:
        desired_record(obj)  # as the config cache keeps them: cheap to plan, not worth a fork
    assert apart.split_point(desired, planapart.FORK_COST, least=planapart.MIN_SAVED) is None
