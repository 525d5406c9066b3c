"""The plan reviewed is the plan applied: saved plans, --checksum, show (real CLI, real server)."""

from __future__ import annotations

import collections
import copy
import json
import re

import pytest

from tests.e2e.conftest import read_state, says_no_changes, write_config
from tests.e2e.test_plan_apply import CALENDARS, PROJECTS, RESOURCES, edit


@pytest.fixture
def applied(tk, tmp_path):
    """A config applied once, then edited so that a plan has work of every kind to do."""
    cfg = write_config(tmp_path / "cfg", copy.deepcopy(RESOURCES), copy.deepcopy(CALENDARS), copy.deepcopy(PROJECTS))
    assert tk("apply", cfg, "--auto-approve").code == 0
    edit(cfg, "resources", lambda s: s.update({"room-2": {"name": "Room 2", "timezone": "UTC"}}))
    edit(cfg, "projects", lambda s: (s["consult"]["ui"]["localization"].update(submit_button="Book now"),
                                     s["consult"]["resources"].append("room-2")))
    edit(cfg, "calendars", lambda s: s.pop("jones-home"))
    return cfg


def save_plan(tk, cfg, tmp_path) -> tuple[dict, str]:
    plan_file = tmp_path / "plan.json"
    r = tk("plan", cfg, "--out", plan_file)
    assert r.code == 0, r.text
    return json.loads(plan_file.read_text()), str(plan_file)


def writes(counters: dict) -> collections.Counter:
    return collections.Counter({route: n for route, n in counters["by_route"].items() if not route.startswith("GET ")})


def step_routes(plan: dict) -> collections.Counter:
    """The emulator route each request step of the plan maps to."""
    routes = collections.Counter()
    for step in plan["steps"]:
        request = step.get("request")
        if request:
            routes[f"{request['method']} /v2" + re.sub(r"\{[^}]+\}", "{id}", request["path"])] += 1
    return routes


def test_a_saved_plan_is_applied_exactly_and_without_a_prompt(tk, applied, tmp_path):
    plan, plan_file = save_plan(tk, applied, tmp_path)
    assert plan["summary"] == {"create": 1, "update": 1, "replace": 0, "move": 0, "delete": 1, "adopt": 0,
                               "forget": 0, "no_change": 4}
    # The emulator counts refused requests too; with its rate limit on, a 503 (which apply
    # answers by looking before sending again) would count as a second write.
    tk.emulator.configure(rate_limit=0)
    tk.emulator.reset_counters()
    r = tk("apply", plan_file, "--allow-deletes")  # no --auto-approve, no terminal: the review was the approval
    assert r.code == 0, r.text
    assert "Apply complete: 1 created, 1 updated, 1 deleted, 0 adopted." in r.out
    # The writes sent are exactly the plan's steps; the reads check the plan is not stale.
    assert writes(tk.emulator.counters()) == step_routes(plan)
    assert step_routes(plan) == {"POST /v2/resources": 1, "PUT /v2/projects/{id}": 1,
                                 "PUT /v2/projects/{id}/resources": 1, "DELETE /v2/calendars/{id}": 1}
    assert says_no_changes(tk("plan", applied))
    consult = tk.api("/projects", include="resources")[0]
    assert consult["ui"]["localization"]["submit_button"] == "Book now"
    assert sorted(m["meta"]["tkctl_key"] for m in consult["resources"]) == ["dr-jones", "dr-smith", "room-2"]


def test_a_saved_plan_cannot_be_applied_twice(tk, applied, tmp_path):
    _, plan_file = save_plan(tk, applied, tmp_path)
    assert tk("apply", plan_file, "--allow-deletes").code == 0
    r = tk("apply", plan_file, "--allow-deletes")
    assert r.code == 1
    assert "the state changed since the plan was made (serial" in r.err and "none of it was applied" in r.err


def _edit_config(tk, cfg):
    edit(cfg, "resources", lambda s: s["room-1"].update(name="Room One"))


def _move_state(tk, cfg):
    edit(cfg, "resources", lambda s: s["room-1"].update(name="Room One"))
    assert tk("apply", cfg, "--auto-approve", "--allow-deletes").code == 0
    edit(cfg, "resources", lambda s: s["room-1"].update(name="Room 1"))


def _edit_live(tk, cfg):
    consult = tk.api("/projects")[0]
    tk.request("PUT", f"/projects/{consult['id']}", json={"name": "Renamed in the admin UI"})


STALE = [
    (_edit_config, "the configuration changed since the plan was made: resource.room-1 now plan differently"),
    (_move_state, "the state changed since the plan was made (serial "),
    (_edit_live, "project.consult was changed in the account since the plan was made"),
]


@pytest.mark.parametrize("move, reason", STALE, ids=["config-edited", "state-serial-moved", "live-object-edited"])
def test_a_stale_saved_plan_is_refused_and_nothing_is_written(tk, applied, tmp_path, move, reason):
    _, plan_file = save_plan(tk, applied, tmp_path)
    move(tk, applied)
    state_before = (applied / "state.json").read_text()
    live_before = (tk.api("/resources"), tk.api("/calendars"), tk.api("/projects", include="resources"))
    tk.emulator.reset_counters()
    r = tk("apply", plan_file, "--allow-deletes")
    assert r.code == 1
    assert f"error: the saved plan {plan_file} is stale, so none of it was applied:\n  - " in r.err
    assert reason in r.err and r.err.rstrip().endswith("Make a new plan and review it.")
    assert "Traceback" not in r.text
    assert writes(tk.emulator.counters()) == {}
    assert (applied / "state.json").read_text() == state_before
    assert (tk.api("/resources"), tk.api("/calendars"), tk.api("/projects", include="resources")) == live_before


def test_unrelated_drift_does_not_make_a_saved_plan_stale(tk, applied, tmp_path):
    plan, plan_file = save_plan(tk, applied, tmp_path)
    room = next(x for x in tk.api("/resources") if x["meta"]["tkctl_key"] == "room-1")
    assert "resource.room-1" not in plan["reads"]  # no step touches or names it
    tk.request("PUT", f"/resources/{room['id']}", json={"name": "Renamed in admin"})
    assert tk("apply", plan_file, "--allow-deletes").code == 0
    drift = json.loads(tk("drift", applied, "--format", "json").out)
    assert [(c["key"], [f["path"] for f in c["fields"]]) for c in drift["changes"]] == [("room-1", ["name"])]


def test_an_edited_plan_file_is_refused(tk, applied, tmp_path):
    plan, plan_file = save_plan(tk, applied, tmp_path)
    plan["steps"][0]["request"]["body"]["name"] = "Injected"
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    r = tk("apply", plan_file)
    assert r.code == 1
    assert r.err == (f"error: {plan_file} is not a plan tkctl can use: its checksum does not match its content: "
                     "the file was edited after it was made\n")


@pytest.mark.parametrize("content, problem", [
    ("{", "is not a tkctl plan file: not valid JSON (Expecting property name enclosed in double quotes at line 1)"),
    ("[]", "is not a plan tkctl can use: it is not a JSON object"),
    ('{"format_version": 1}', "is not a plan tkctl can use: it has plan format version 1; this tkctl applies "
                              "version 4: plan again with this tkctl"),
])
def test_files_that_are_not_plans_are_refused_clearly(tk, tmp_path, content, problem):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(content)
    for command in (["apply", plan_file], ["show", plan_file]):
        r = tk(*command)
        assert (r.code, r.err) == (1, f"error: {plan_file} {problem}\n")


def test_checksum_accepted_applies_without_a_prompt(tk, applied, tmp_path):
    plan, _ = save_plan(tk, applied, tmp_path)
    r = tk("apply", applied, "--checksum", plan["checksum"], "--allow-deletes")
    assert r.code == 0, r.text
    assert "Apply complete: 1 created, 1 updated, 1 deleted, 0 adopted." in r.out
    assert says_no_changes(tk("plan", applied))


def test_checksum_refused_when_the_plan_moved(tk, applied, tmp_path):
    plan, _ = save_plan(tk, applied, tmp_path)
    _edit_live(tk, applied)
    state_before = (applied / "state.json").read_text()
    tk.emulator.reset_counters()
    r = tk("apply", applied, "--checksum", plan["checksum"].removeprefix("sha256:"), "--allow-deletes")  # bare hex too
    assert r.code == 1
    assert f"not the reviewed {plan['checksum']}: the config, the state or the account changed since the review" in r.err
    assert writes(tk.emulator.counters()) == {}
    assert (applied / "state.json").read_text() == state_before


def test_the_checksum_of_an_unchanged_plan_is_the_same_on_every_run(tk, applied, tmp_path):
    first, _ = save_plan(tk, applied, tmp_path)
    second = json.loads(tk("plan", applied, "--format", "json").out)
    assert first["checksum"] == second["checksum"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_show_renders_a_saved_plan_in_every_format(tk, applied, tmp_path, fmt):
    plan, plan_file = save_plan(tk, applied, tmp_path)
    direct = tk("plan", applied, "--format", fmt)
    shown = tk("show", plan_file, "--format", fmt)
    assert shown.code == 0, shown.text
    if fmt == "json":
        assert json.loads(shown.out) == plan
    else:
        assert f"{plan['checksum']}" in shown.out
        assert shown.out.splitlines()[-1] == direct.out.splitlines()[-1]
    if fmt == "markdown":
        assert shown.out.startswith("<!-- tkctl:plan dir=")


def test_apply_of_a_plan_with_no_state_file_yet(tk, tmp_path):
    """A plan made before the first apply records no lineage; it stays valid until an apply."""
    cfg = write_config(tmp_path / "cfg", RESOURCES)
    plan, plan_file = save_plan(tk, cfg, tmp_path)
    assert plan["state"] == {"lineage": None, "serial": 0}
    r = tk("apply", plan_file)
    assert r.code == 0, r.text
    assert len(read_state(cfg)["objects"]) == 3


def test_a_700_change_markdown_plan_fits_a_comment(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", {f"room-{i:03d}": {"name": f"Room {i}", "timezone": "Europe/Copenhagen",
                                                           "tags": ["room", f"floor-{i % 7}"]} for i in range(700)})
    plan_file = tmp_path / "plan.json"
    r = tk("plan", cfg, "--format", "markdown", "--out", plan_file)
    assert r.code == 0
    assert r.out.startswith("<!-- tkctl:plan dir=")
    assert len(r.out) <= 60_000
    assert r.out.count("| create | resource |") == 700
    assert f"changed objects are not shown in detail** to stay within 60,000 characters; the full plan is in `{plan_file}`" in r.out
    assert len(json.loads(plan_file.read_text())["changes"]) == 700
