"""plan and apply end to end: the real CLI against the emulator running as a real server."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from tests.e2e.conftest import read_state, says_no_changes, write_config

RESOURCES = {
    "dr-jones": {"name": "Dr. Jones", "timezone": "Europe/Copenhagen", "email": "jones@clinic.example",
                 "tags": ["gp", "senior"],
                 "availability_constraints": [{"block_weekends": {}}, {"allow_hours": {"start": 9, "end": 17}},
                                              {"block_hours": {"start": 12, "end": 13}}]},
    "dr-smith": {"name": "Dr. Smith", "timezone": "America/New_York", "email": "smith@clinic.example",
                 "meta": {"room": "2"}},
    "room-1": {"name": "Room 1", "timezone": "Europe/Copenhagen"},
}
CALENDARS = {
    "jones-main": {"resource": "dr-jones", "name": "Bookings",
                   "description": "Created by Timekit on resource creation"},
    "jones-home": {"resource": "dr-jones", "name": "Home visits", "description": "Visits at the patient's home",
                   "backgroundcolor": "#ff8800"},
}
PROJECTS = {
    "consult": {"name": "Consultation", "slug": "consult", "resources": ["dr-jones", "dr-smith"],
                "availability": {"mode": "roundrobin_random", "length": "30 minutes"},
                "booking": {"graph": "instant"},
                "customer_fields": {"name": {"title": "Name", "required": True},
                                    "phone": {"title": "Phone", "format": "tel"}},
                "ui": {"display_name": "Clinic", "localization": {"submit_button": "Book it"}}},
}


@pytest.fixture
def config(tmp_path):
    def make(resources=RESOURCES, calendars=CALENDARS, projects=PROJECTS):
        return write_config(tmp_path / "cfg", copy.deepcopy(resources), copy.deepcopy(calendars),
                            copy.deepcopy(projects))
    return make


def edit(cfg, section, fn):
    path = cfg / f"{section}.yaml"
    data = yaml.safe_load(path.read_text())
    fn(data[section])
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def plan_json(tk, cfg) -> dict:
    r = tk("plan", cfg, "--format", "json")
    assert r.code == 0, r.text
    return json.loads(r.out)


def changes(data):
    return [(c["action"], c["kind"], c["key"], [f["path"] for f in c["fields"]]) for c in data["changes"]]


def test_apply_to_empty_account_then_plan_shows_no_changes(tk, config):
    cfg = config()
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 0, r.text
    assert "Plan: 6 to create, 0 to update, 0 to delete." in r.out
    assert "Apply complete: 6 created, 0 updated, 0 deleted, 0 adopted." in r.out

    assert says_no_changes(tk("plan", cfg))
    assert tk("plan", cfg, "--detailed-exitcode").code == 0

    resources = tk.api("/resources", include="calendars")
    assert sorted(x["meta"]["tkctl_key"] for x in resources) == ["dr-jones", "dr-smith", "room-1"]
    jones = next(x for x in resources if x["meta"]["tkctl_key"] == "dr-jones")
    # The config's "Bookings" calendar took over the one Timekit made, rather than adding a twin.
    assert sorted(c["name"] for c in jones["calendars"]) == ["Bookings", "Home visits"]
    state = read_state(cfg)
    assert {v["id"] for v in state["objects"].values()} >= {jones["id"]}
    assert len(state["objects"]) == 6


EDITS = [
    ("a field", "resources", lambda s: s["room-1"].update(name="Room One"),
     [("update", "resource", "room-1", ["name"])]),
    ("a nested ui key", "projects", lambda s: s["consult"]["ui"]["localization"].update(submit_button="Book now"),
     [("update", "project", "consult", ["ui.localization.submit_button"])]),
    ("a constraint", "resources",
     lambda s: s["dr-jones"]["availability_constraints"].append({"block_day": {"day": "friday"}}),
     [("update", "resource", "dr-jones", ["availability_constraints"])]),
    ("project membership", "projects", lambda s: s["consult"]["resources"].append("room-1"),
     [("update", "project", "consult", ["resources"])]),
    ("a removal", "calendars", lambda s: s.pop("jones-home"),
     [("delete", "calendar", "jones-home", ["resource", "name", "description", "backgroundcolor", "primary"])]),
    ("a new object", "resources", lambda s: s.update({"room-2": {"name": "Room 2", "timezone": "UTC"}}),
     [("create", "resource", "room-2", ["name", "timezone", "meta"])]),
]


@pytest.mark.parametrize("what, section, fn, expected", EDITS, ids=[e[0] for e in EDITS])
def test_each_edit_plans_exactly_that_change_then_converges(tk, config, what, section, fn, expected):
    cfg = config()
    assert tk("apply", cfg, "--auto-approve").code == 0
    edit(cfg, section, fn)
    assert changes(plan_json(tk, cfg)) == expected
    assert tk("plan", cfg, "--detailed-exitcode").code == 2
    r = tk("apply", cfg, "--auto-approve", "--allow-deletes")
    assert r.code == 0, r.text
    assert plan_json(tk, cfg)["has_changes"] is False


def test_removed_project_member_and_resource_are_applied_in_order(tk, config):
    cfg = config()
    assert tk("apply", cfg, "--auto-approve").code == 0
    edit(cfg, "projects", lambda s: s["consult"]["resources"].remove("dr-smith"))
    edit(cfg, "resources", lambda s: s.pop("dr-smith"))
    assert changes(plan_json(tk, cfg)) == [
        ("update", "project", "consult", ["resources"]),
        ("delete", "resource", "dr-smith", ["name", "timezone", "email", "first_name", "meta"]),
    ]
    assert tk("apply", cfg, "--auto-approve", "--allow-deletes").code == 0
    assert plan_json(tk, cfg)["has_changes"] is False
    assert "resource.dr-smith" not in read_state(cfg)["objects"]


def test_drift_made_outside_tkctl_is_reported_and_reverted(tk, config):
    cfg = config()
    assert tk("apply", cfg, "--auto-approve").code == 0
    room = next(x for x in tk.api("/resources") if x["meta"]["tkctl_key"] == "room-1")
    tk.request("PUT", f"/resources/{room['id']}", json={"name": "Renamed in admin"})
    data = plan_json(tk, cfg)
    assert [(c["action"], c["cause"], c["fields"]) for c in data["changes"]] == [
        ("update", "drift", [{"path": "name", "old": "Renamed in admin", "new": "Room 1", "cause": "drift"}])]
    assert "Changed outside tkctl (apply sets these back to the configuration):" in tk("plan", cfg).out
    assert tk("apply", cfg, "--auto-approve").code == 0
    assert plan_json(tk, cfg)["has_changes"] is False


def test_existing_objects_are_adopted_not_duplicated(tk, config):
    """Objects made by hand (same email/slug) are adopted on the first apply."""
    tk.request("POST", "/resources",
               json={"name": "Dr. Smith", "timezone": "America/New_York", "email": "smith@clinic.example"})
    cfg = config()
    data = plan_json(tk, cfg)
    assert ("adopt", "resource", "dr-smith", ["meta"]) in changes(data)
    assert data["summary"]["adopt"] == 1
    assert tk("apply", cfg, "--auto-approve").code == 0
    assert len([x for x in tk.api("/resources") if x["email"] == "smith@clinic.example"]) == 1
    assert plan_json(tk, cfg)["has_changes"] is False


def test_plan_formats(tk, config):
    cfg = config()
    md = tk("plan", cfg, "--format", "markdown")
    assert md.code == 0 and "| Action |" in md.out and "<details>" in md.out
    data = plan_json(tk, cfg)
    assert data["format_version"] == 4 and data["summary"]["create"] == 6
    text = tk("plan", cfg)
    assert text.out.rstrip().endswith("Plan: 6 to create, 0 to update, 0 to delete.")
    assert "\x1b[" not in text.out  # NO_COLOR and not a TTY
    # The checksum is on its own line in every format, and the same in all three.
    checksum = data["checksum"]
    assert f"\nPlan checksum: {checksum}\n" in text.out
    assert f"\nPlan checksum: `{checksum}`\n" in md.out


def test_plan_out_file_is_the_json_plan_whatever_is_printed(tk, config, tmp_path):
    cfg = config()
    out = tmp_path / "plan.json"
    r = tk("plan", cfg, "--format", "markdown", "--out", out)
    assert r.code == 0 and r.out.startswith("<!-- tkctl:plan ")
    saved = json.loads(out.read_text())
    assert saved["summary"]["create"] == 6 and saved["checksum"] in r.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cfg", "plan.json"]  # written atomically: no temp left


def test_apply_without_tty_or_auto_approve_refuses_and_changes_nothing(tk, config):
    cfg = config()
    r = tk("apply", cfg)
    assert r.code == 1
    assert "refusing to apply without confirmation: standard input is not a terminal" in r.err
    assert tk.api("/resources") == []


def test_secrets_never_appear_in_output_plan_or_state(tk, config, tmp_path):
    cfg = config()
    r1 = tk("apply", cfg, "--auto-approve")
    r2 = tk("plan", cfg, "--format", "json")
    api_tokens = [x["api_token"] for x in tk.api("/resources")]
    assert api_tokens and all(api_tokens)
    blob = r1.text + r2.text + (cfg / "state.json").read_text()
    assert tk.emulator.token not in blob
    for secret in api_tokens:
        assert secret not in blob
    assert "api_token" not in blob


def test_deleting_a_resource_with_future_bookings_warns(tk, config):
    cfg = config()
    assert tk("apply", cfg, "--auto-approve").code == 0
    room = next(x for x in tk.api("/resources") if x["meta"]["tkctl_key"] == "room-1")
    for start, end in (("2099-01-05T09:00:00+00:00", "2099-01-05T10:00:00+00:00"),
                       ("2099-01-06T09:00:00+00:00", "2099-01-06T10:00:00+00:00"),
                       ("2001-01-05T09:00:00+00:00", "2001-01-05T10:00:00+00:00")):  # past: not counted
        # tk.request waits out the rate limit the apply above drained (it failed 3 of 3 on a
        # clean machine when these posts went out raw).
        tk.request("POST", "/bookings",
                   json={"resource_id": room["id"], "graph": "instant", "start": start, "end": end,
                         "what": "Cleaning", "where": "Room 1", "customer": {"name": "A", "email": "a@x.io"}})
    edit(cfg, "resources", lambda s: s.pop("room-1"))
    data = plan_json(tk, cfg)
    assert data["warnings"] == ['resource "room-1" has 2 future bookings; deleting it leaves them without their resource']
    assert 'Warning: resource "room-1" has 2 future bookings' in tk("plan", cfg).out


def test_reordering_members_of_a_prioritized_project_moves_the_live_order(tk, config):
    """In roundrobin_prioritized the order of `resources` is the booking priority: it used to
    plan "No changes" and the live order never moved."""
    prioritized = copy.deepcopy(PROJECTS)
    prioritized["consult"]["availability"]["mode"] = "roundrobin_prioritized"
    cfg = config(projects=prioritized)
    assert tk("apply", cfg, "--auto-approve").code == 0

    def live_order():
        (project,) = tk.api("/projects", include="resources")
        return [m["meta"]["tkctl_key"] for m in project["resources"]]

    assert live_order() == ["dr-jones", "dr-smith"]
    edit(cfg, "projects", lambda s: s["consult"].update(resources=["dr-smith", "dr-jones"]))
    data = plan_json(tk, cfg)
    assert changes(data) == [("update", "project", "consult", ["resources"])]
    assert data["changes"][0]["fields"][0]["new"] == ["dr-smith", "dr-jones"]
    assert tk("apply", cfg, "--auto-approve").code == 0
    assert live_order() == ["dr-smith", "dr-jones"]
    assert plan_json(tk, cfg)["has_changes"] is False
