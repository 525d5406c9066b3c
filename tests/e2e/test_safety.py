"""Nothing bookable is deleted by accident: each guard end to end (real CLI, real server), each
refusal with its exact message, exit 1 and nothing changed live."""

from __future__ import annotations

import copy
import json

import pytest

from tests.e2e.conftest import read_state, write_config
from tests.e2e.test_plan_apply import CALENDARS, PROJECTS, RESOURCES, edit


@pytest.fixture
def cfg(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", copy.deepcopy(RESOURCES), copy.deepcopy(CALENDARS), copy.deepcopy(PROJECTS))
    assert tk("apply", cfg, "--auto-approve").code == 0
    return cfg


def snapshot(tk):
    return tk.api("/resources"), tk.api("/calendars"), tk.api("/projects", include="resources")


def refused(r, message: str) -> None:
    assert r.code == 1, r.text
    assert f"error: apply refused (1 safety rule); nothing was changed:\n  - {message}\n" == r.err
    assert "Traceback" not in r.text


def test_deletes_are_opt_in_naming_each_with_its_future_bookings(tk, cfg):
    room = next(x for x in tk.api("/resources") if x["meta"]["tkctl_key"] == "room-1")
    tk.request("POST", "/bookings", json={"resource_id": room["id"], "graph": "instant",
                                          "start": "2099-01-05T09:00:00+00:00", "end": "2099-01-05T10:00:00+00:00",
                                          "what": "Check", "where": "Room 1",
                                          "customer": {"name": "A", "email": "a@x.io"}})
    edit(cfg, "resources", lambda s: s.pop("room-1"))
    before, state_before = snapshot(tk), (cfg / "state.json").read_text()
    r = tk("apply", cfg, "--auto-approve")
    refused(r, "the plan deletes 1 object; deletes need --allow-deletes (or allow_deletes: true in the environment):\n"
               f"  - resource.room-1 ({room['id']}, 1 future booking)")
    assert "Apply will refuse this plan:" in r.out and r.out.index("Apply will refuse") < r.out.index("Plan:")
    assert snapshot(tk) == before and (cfg / "state.json").read_text() == state_before
    data = json.loads(tk("plan", cfg, "--format", "json").out)
    assert [x["rule"] for x in data["refusals"]] == ["deletes"] and data["bookings"] == {"resource.room-1": 1}
    assert json.loads(tk("plan", cfg, "--format", "json", "--allow-deletes").out)["refusals"] == []
    r = tk("apply", cfg, "--auto-approve", "--allow-deletes")
    assert r.code == 0 and "1 deleted" in r.out
    assert "resource.room-1" not in read_state(cfg)["objects"]


def test_too_many_updates_need_force(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", {f"r{i:02d}": {"name": f"R {i}", "timezone": "UTC"} for i in range(10)})
    assert tk("apply", cfg, "--auto-approve").code == 0
    edit(cfg, "resources", lambda s: [s[f"r{i:02d}"].update(name=f"Renamed {i}") for i in range(4)])
    before = snapshot(tk)
    r = tk("apply", cfg, "--auto-approve")
    refused(r, "Too many updates: 40% of 10 resources (4), over 30%; check the plan, then apply with --force")
    assert snapshot(tk) == before
    assert tk("apply", cfg, "--auto-approve", "--force").code == 0


def test_targeting_applies_only_the_target_and_its_dependencies(tk, cfg):
    edit(cfg, "resources", lambda s: (s["room-1"].update(name="Room One"), s["dr-smith"].update(name="Dr. S")))
    edit(cfg, "projects", lambda s: s["consult"].update(name="Consultations"))
    r = tk("plan", cfg, "--target", "project.*", "--format", "json")
    data = json.loads(r.out)
    assert [(c["action"], c["kind"], c["key"]) for c in data["changes"]] == [
        ("update", "resource", "dr-smith"), ("update", "project", "consult")]  # dr-smith is a member
    assert data["scope"] == {"targets": ["project.*"], "excludes": [], "partial": True}
    text = tk("plan", cfg, "--target", "project.*", "--exclude", "resource.dr-smith")
    assert "This plan is partial: only project.* and what they depend on; without resource.dr-smith." in text.out
    r = tk("apply", cfg, "--auto-approve", "--target", "project.*", "--exclude", "resource.dr-smith")
    assert r.code == 0 and "Apply complete: 0 created, 1 updated" in r.out
    left = json.loads(tk("plan", cfg, "--format", "json").out)
    assert sorted(c["key"] for c in left["changes"]) == ["dr-smith", "room-1"]


def test_unmanaged_objects_are_counted_listed_and_never_deleted(tk, cfg):
    tk.request("POST", "/resources", json={"name": "Made in the admin UI", "timezone": "UTC"})
    r = tk("plan", cfg)
    # The resource, and the calendar Timekit made with it.
    assert "2 objects in the account are not managed by tkctl (--show-unmanaged lists them); tkctl never deletes " \
           "them." in r.out
    listed = tk("plan", cfg, "--show-unmanaged")
    assert "resource " in listed.out and "'Made in the admin UI'" in listed.out
    data = json.loads(tk("plan", cfg, "--format", "json").out)
    assert [(u["kind"], u["name"]) for u in data["unmanaged"]] == [("resource", "Made in the admin UI"),
                                                                   ("calendar", "Bookings")]
    assert tk("apply", cfg, "--auto-approve", "--allow-deletes").code == 0
    assert any(x["name"] == "Made in the admin UI" for x in tk.api("/resources"))


def test_a_calendar_moved_to_another_resource_is_a_replacement(tk, cfg):
    edit(cfg, "calendars", lambda s: s["jones-home"].update(resource="dr-smith"))
    before = snapshot(tk)
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 1 and "the plan replaces 1 object" in r.err
    assert "Timekit cannot move a calendar to another resource (now resource.dr-smith)" in r.err
    assert snapshot(tk) == before
    r = tk("apply", cfg, "--auto-approve", "--allow-replace")
    assert r.code == 0, r.text
    smith = next(x for x in tk.api("/resources", include="calendars") if x["meta"]["tkctl_key"] == "dr-smith")
    assert "Home visits" in [c["name"] for c in smith["calendars"]]
    assert [c["name"] for c in tk.api("/calendars")].count("Home visits") == 1


def test_a_live_t_key_in_meta_survives_an_apply_that_changes_another_meta_key(tk, cfg):
    """Timekit's own UIs keep data in `meta` under t_* keys, and Timekit replaces `meta` whole."""
    smith = next(x for x in tk.api("/resources") if x["meta"]["tkctl_key"] == "dr-smith")
    tk.request("PUT", f"/resources/{smith['id']}",
               json={"meta": {**smith["meta"], "t_store_address": "Main St 1", "t_latitude": "55.67"}})
    assert tk("plan", cfg, "--detailed-exitcode").code == 0  # unnamed t_* keys are not drift
    edit(cfg, "resources", lambda s: s["dr-smith"]["meta"].update(room="7"))
    change = json.loads(tk("plan", cfg, "--format", "json").out)["changes"][0]
    assert [(f["path"], f["old"], f["new"]) for f in change["fields"]] == [("meta.room", "2", "7")]
    assert change["kept"] == ["meta.t_latitude", "meta.t_store_address"]
    assert tk("apply", cfg, "--auto-approve").code == 0
    meta = next(x for x in tk.api("/resources") if x["meta"]["tkctl_key"] == "dr-smith")["meta"]
    assert meta == {"room": "7", "tkctl_key": "dr-smith", "t_store_address": "Main St 1", "t_latitude": "55.67"}


def test_lifecycle_protect_refuses_delete_whatever_the_flags_even_after_the_block_is_gone(tk, cfg):
    edit(cfg, "projects", lambda s: s["consult"].update(lifecycle={"protect": True}))
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 0, r.text  # records the protection in the state
    assert read_state(cfg)["objects"]["project.consult"]["lifecycle"] == {"protect": True}
    edit(cfg, "projects", lambda s: s.pop("consult"))
    before = snapshot(tk)
    r = tk("apply", cfg, "--auto-approve", "--allow-deletes", "--force")
    refused(r, "project.consult is protected and would be deleted: remove its protection (lifecycle protect, or "
               "the environment's protect list) first, or keep it")
    assert "- project.consult (delete, protected)" in r.out
    assert snapshot(tk) == before


def test_lifecycle_on_remove_forget_leaves_the_object_live(tk, cfg):
    edit(cfg, "resources", lambda s: s["room-1"].update(lifecycle={"on_remove": "forget"}))
    assert tk("apply", cfg, "--auto-approve").code == 0
    edit(cfg, "resources", lambda s: s.pop("room-1"))
    r = tk("plan", cfg)
    assert "x resource.room-1 (forget: stays in the account, no longer managed)" in r.out
    assert r.out.rstrip().endswith("Plan: 0 to create, 0 to update, 0 to delete, 1 to forget.")
    r = tk("apply", cfg, "--auto-approve")  # forgetting is not a delete: no flag needed
    assert r.code == 0 and "1 forgotten" in r.out, r.text
    assert "resource.room-1" not in read_state(cfg)["objects"]
    assert any(x["meta"].get("tkctl_key") == "room-1" for x in tk.api("/resources"))


def test_lifecycle_ignore_fields_keeps_the_live_value(tk, cfg):
    edit(cfg, "projects", lambda s: s["consult"].update(lifecycle={"ignore_fields": ["ui.localization"]}))
    assert tk("apply", cfg, "--auto-approve").code == 0
    (project,) = tk.api("/projects")
    ui = {**project["ui"], "localization": {"submit_button": "Set in the admin UI"}}
    tk.request("PUT", f"/projects/{project['id']}", json={"ui": ui})
    assert tk("plan", cfg, "--detailed-exitcode").code == 0  # not shown
    edit(cfg, "projects", lambda s: s["consult"]["ui"].update(display_name="New name"))
    change = json.loads(tk("plan", cfg, "--format", "json").out)["changes"][0]
    assert [f["path"] for f in change["fields"]] == ["ui.display_name"] and change["kept"] == ["ui.localization"]
    assert tk("apply", cfg, "--auto-approve").code == 0
    (project,) = tk.api("/projects")
    assert project["ui"]["localization"] == {"submit_button": "Set in the admin UI"}  # not sent over
    assert project["ui"]["display_name"] == "New name"


def test_a_bad_ignored_path_is_a_validate_error(tk, cfg):
    edit(cfg, "projects", lambda s: s["consult"].update(lifecycle={"ignore_fields": ["uii.localization"]}))
    r = tk("validate", cfg)
    assert r.code == 1
    assert ('project "consult": lifecycle.ignore_fields[0]: "uii.localization" does not start with a field of a '
            'project; did you mean "ui"?') in r.err


def test_kind_wide_ignore_fields_and_thresholds_from_tkctl_yaml(tk, cfg):
    (cfg / "tkctl.yaml").write_text("state: state.json\nignore_fields: {resource: [tags]}\n"
                                    "thresholds: {max_share: 0.5, min_managed: 2}\n")
    jones = next(x for x in tk.api("/resources") if x["meta"]["tkctl_key"] == "dr-jones")
    tk.request("PUT", f"/resources/{jones['id']}", json={"tags": ["edited-live"]})
    assert tk("plan", cfg, "--detailed-exitcode").code == 0  # tags are left as they are live
    edit(cfg, "resources", lambda s: [s[k].update(name=f"{s[k]['name']}!") for k in ("dr-jones", "dr-smith")])
    r = tk("apply", cfg, "--auto-approve")  # 2 of 3 resources (67%) is over the 50% set here
    refused(r, "Too many updates: 67% of 3 resources (2), over 50%; check the plan, then apply with --force")
    assert tk("apply", cfg, "--auto-approve", "--force").code == 0
    assert next(x for x in tk.api("/resources") if x["meta"]["tkctl_key"] == "dr-jones")["tags"] == ["edited-live"]
