"""Renames and the state subcommands: `moved:`, state list/show/mv/rm/rebuild, import (real CLI,
the emulator as a real server)."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from tests.e2e.conftest import read_state, says_no_changes, write_config
from tests.e2e.test_plan_apply import CALENDARS, PROJECTS, RESOURCES


@pytest.fixture
def cfg(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", copy.deepcopy(RESOURCES), copy.deepcopy(CALENDARS), copy.deepcopy(PROJECTS))
    assert tk("apply", cfg, "--auto-approve").code == 0
    return cfg


def rename_room(cfg, moved: bool) -> None:
    resources = yaml.safe_load((cfg / "resources.yaml").read_text())
    resources["resources"]["meeting-room"] = resources["resources"].pop("room-1")
    if moved:
        resources["moved"] = [{"from": "resource.room-1", "to": "resource.meeting-room"}]
    (cfg / "resources.yaml").write_text(yaml.safe_dump(resources, sort_keys=False))


def room_ids(tk):
    return [x["id"] for x in tk.api("/resources") if x["name"] == "Room 1"]


def test_a_moved_rename_keeps_the_same_timekit_object(tk, cfg):
    (old_id,) = room_ids(tk)
    rename_room(cfg, moved=True)
    data = json.loads(tk("plan", cfg, "--format", "json").out)
    assert [(c["action"], c["key"], c["id"]) for c in data["changes"]] == [("move", "meeting-room", old_id)]
    assert [f["path"] for f in data["changes"][0]["fields"]] == ["meta.tkctl_key"]
    text = tk("plan", cfg).out
    assert "> resource.meeting-room (move)" in text and "renamed from resource.room-1" in text
    assert text.rstrip().endswith("Plan: 0 to create, 0 to update, 0 to delete, 1 to move.")
    r = tk("apply", cfg, "--auto-approve")  # no --allow-deletes: nothing is deleted
    assert r.code == 0, r.text
    assert room_ids(tk) == [old_id]
    objects = read_state(cfg)["objects"]
    assert objects["resource.meeting-room"]["id"] == old_id and "resource.room-1" not in objects
    assert says_no_changes(tk("plan", cfg))  # the moved: entry is now a no-op


def test_without_moved_a_rename_is_a_delete_and_a_create(tk, cfg):
    rename_room(cfg, moved=False)
    data = json.loads(tk("plan", cfg, "--format", "json").out)
    assert sorted((c["action"], c["key"]) for c in data["changes"]) == [("create", "meeting-room"),
                                                                       ("delete", "room-1")]


def test_moved_entries_are_checked(tk, cfg):
    resources = yaml.safe_load((cfg / "resources.yaml").read_text())
    resources["moved"] = [{"from": "resource.room-1", "to": "resource.nowhere"},
                          {"from": "resource.dr-jones", "to": "project.x"}]
    (cfg / "resources.yaml").write_text(yaml.safe_dump(resources, sort_keys=False))
    r = tk("validate", cfg)
    assert r.code == 1
    assert "moved: resource.room-1 -> resource.nowhere: resource.nowhere is not defined" in r.err
    assert "moved: resource.room-1 -> resource.nowhere: resource.room-1 is still defined" in r.err
    assert "moved: resource.dr-jones -> project.x: a key can only be renamed within its kind" in r.err


def test_state_list_and_show(tk, cfg):
    r = tk("state", "list", cfg)
    lines = r.out.splitlines()
    assert r.code == 0 and len(lines) == 6 and r.err == f"6 objects in {cfg / 'state.json'}.\n"
    assert lines[0].startswith("resource.dr-jones  ") and lines[-1].startswith("project.consult  ")
    shown = json.loads(tk("state", "show", "resource.room-1", cfg).out)
    assert shown["id"] == room_ids(tk)[0] and shown["fields"]["name"]
    r = tk("state", "show", "resource.room-2", cfg)
    assert r.code == 1 and 'resource.room-2 is not in the state' in r.err and 'did you mean "resource.room-1"?' in r.err


def test_state_mv_then_plan_sees_the_new_key(tk, cfg):
    (old_id,) = room_ids(tk)
    serial = read_state(cfg)["serial"]
    rename_room(cfg, moved=False)
    r = tk("state", "mv", "resource.room-1", "resource.meeting-room", cfg)
    assert (r.code, r.out) == (0, f"Moved resource.room-1 to resource.meeting-room ({old_id}) in {cfg / 'state.json'}.\n")
    assert read_state(cfg)["serial"] == serial + 1
    data = json.loads(tk("plan", cfg, "--format", "json").out)
    assert [(c["action"], c["key"], [f["path"] for f in c["fields"]]) for c in data["changes"]] == [
        ("update", "meeting-room", ["meta.tkctl_key"])]  # the tag follows on apply
    assert tk("state", "mv", "resource.dr-jones", "project.x", cfg).code == 1


def test_state_rm_forgets_and_deletes_nothing(tk, cfg):
    r = tk("state", "rm", "calendar.jones-home", cfg)
    assert r.code == 0 and "Forgot calendar.jones-home" in r.out and "it stays in the account" in r.out
    assert "Home visits" in [c["name"] for c in tk.api("/calendars")]
    data = json.loads(tk("plan", cfg, "--format", "json").out)
    assert [(c["action"], c["key"]) for c in data["changes"]] == [("adopt", "jones-home")]  # by owner and name


def test_state_rebuild_recovers_a_lost_state_from_tags(tk, cfg):
    before = {k: v["id"] for k, v in read_state(cfg)["objects"].items()}
    (cfg / "state.json").unlink()
    (cfg / "projects.yaml").write_text("projects: {}\n")  # a key left the config since
    r = tk("state", "rebuild", cfg)
    assert r.code == 0, r.text
    assert "= project.consult: " in r.out and "(not in the config: the next plan deletes it, review it)" in r.out
    after = {k: v["id"] for k, v in read_state(cfg)["objects"].items()}
    assert after == before
    data = json.loads(tk("plan", cfg, "--format", "json").out)
    assert [(c["action"], c["key"]) for c in data["changes"]] == [("delete", "consult")]
    assert tk("state", "rebuild", cfg).code == 1  # a state exists now: --force to replace it
    assert tk("state", "rebuild", cfg, "--force").code == 0


def test_import_adopts_one_object_by_id(tk, cfg):
    made = tk.request("POST", "/resources", json={"name": "Lab", "timezone": "UTC"}).json()["data"]
    resources = yaml.safe_load((cfg / "resources.yaml").read_text())
    resources["resources"]["lab"] = {"name": "Laboratory", "timezone": "UTC"}
    (cfg / "resources.yaml").write_text(yaml.safe_dump(resources, sort_keys=False))
    r = tk("import", cfg, "resource.lab", made["id"])
    assert r.code == 0, r.text
    assert read_state(cfg)["objects"]["resource.lab"]["id"] == made["id"]
    data = json.loads(tk("plan", cfg, "--format", "json").out)
    assert [(c["action"], c["key"], [(f["path"], f["old"], f["new"]) for f in c["fields"]])
            for c in data["changes"]] == [("update", "lab", [("name", "Lab", "Laboratory")])]  # only the real difference
    assert tk("import", cfg, "resource.lab", made["id"]).code == 1  # already in the state
    r = tk("import", cfg, "resource.ghost", made["id"])
    assert r.code == 1 and "resource.ghost is not defined in the config" in r.err
    r = tk("import", cfg, "resource.dr-smith", "no-such-id")
    assert r.code == 1
