"""`tkctl export`: an account written through the raw API (not by tkctl) becomes config that
plans no change; deterministic; --only; --split (real CLI, the emulator as a real server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml



def build_account_by_hand(tk) -> dict:
    """An account made the way a person in the admin UI (or a script) would: no tkctl tags."""
    anna = tk.request("POST", "/resources", json={
        "name": "Dr. Anna Jones", "timezone": "Europe/Copenhagen", "email": "anna.jones@clinic.example",
        "tags": ["gp"], "meta": {"t_store_id": "S-1", "room": "4"},
        "availability_constraints": [{"block_weekends": {}}, {"allow_hours": {"start": "08:30", "end": "16:00"}}]},
    ).json()["data"]
    ben = tk.request("POST", "/resources", json={"name": "Ben Smith", "timezone": "UTC",
                                                 "first_name": "Ben", "last_name": "Smith"}).json()["data"]
    # A second resource whose key would collide with the first (same e-mail local part).
    tk.request("POST", "/resources", json={"name": "Anna Jones (locum)", "timezone": "UTC",
                                           "email": "anna.jones@locum.example"})
    tk.request("POST", "/calendars", json={"resource_id": anna["id"], "name": "Home visits",
                                           "description": "At the patient's", "backgroundcolor": "#ff8800"})
    project = tk.request("POST", "/projects", json={
        "name": "GP consultation", "slug": "consult", "resources": [anna["id"], ben["id"]],
        "availability": {"mode": "roundrobin_prioritized", "length": "20 minutes"},
        "booking": {"graph": "instant", "what": "Consultation"},
        "customer_fields": {"name": {"title": "Name", "required": True}},
        "ui": {"display_name": "Book a GP", "localization": {"submit_button": "Book"}}}).json()["data"]
    tk.request("POST", "/projects", json={"name": "Spring campaign 2027", "resources": [ben["id"]]})
    return {"anna": anna, "ben": ben, "project": project}


def export(tk, tmp_path, *args, out="exported"):
    r = tk("export", tmp_path / "settings", "--out", tmp_path / out, *args)
    assert r.code == 0, r.text
    return tmp_path / out, r


@pytest.fixture
def settings_dir(tmp_path):
    (tmp_path / "settings").mkdir()
    return tmp_path / "settings"


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_account_made_by_hand_exports_to_config_that_plans_no_change(tk, tmp_path, settings_dir):
    build_account_by_hand(tk)
    out, r = export(tk, tmp_path)
    assert "Exported 3 resources, 4 calendars, 2 projects from Timekit app" in r.out
    assert sorted(files_of(out)) == [".tkctl/state.json", "calendars.yaml", "projects.yaml", "resources.yaml",
                                     "tkctl.yaml", "widgets/consult.json"]
    resources = yaml.safe_load((out / "resources.yaml").read_text())["resources"]
    assert sorted(resources) == ["anna-jones", "anna-jones-2", "ben-smith"]  # readable, unique, creation order
    assert "first_name" not in resources["anna-jones"]  # Timekit filled it in: not exported
    assert resources["ben-smith"]["first_name"] == "Ben"
    projects = yaml.safe_load((out / "projects.yaml").read_text())["projects"]
    assert sorted(projects) == ["consult", "spring-campaign-2027"]
    assert projects["consult"]["resources"] == ["anna-jones", "ben-smith"]  # priority order kept
    assert projects["consult"]["ui_file"] == "widgets/consult.json"
    assert json.loads((out / "widgets/consult.json").read_text())["display_name"] == "Book a GP"
    calendars = yaml.safe_load((out / "calendars.yaml").read_text())["calendars"]
    assert sorted(calendars) == ["anna-jones-2-bookings", "anna-jones-bookings", "anna-jones-home-visits",
                                 "ben-smith-bookings"]
    assert tk("validate", out).code == 0
    plan = tk("plan", out, "--detailed-exitcode")
    assert plan.code == 0, plan.text
    state = json.loads((out / ".tkctl" / "state.json").read_text())
    assert len(state["objects"]) == 9 and state["app"]["id"]


def test_export_is_deterministic(tk, tmp_path, settings_dir):
    build_account_by_hand(tk)
    first, _ = export(tk, tmp_path)
    before = files_of(first)
    export(tk, tmp_path)  # into the same folder
    assert files_of(first) == before
    other, _ = export(tk, tmp_path, out="again")
    assert files_of(other) == before


def test_only_writes_just_those_objects_to_merge_into_a_config(tk, tmp_path, settings_dir):
    build_account_by_hand(tk)
    out, r = export(tk, tmp_path, "--only", "project.spring-*")
    assert sorted(files_of(out)) == ["projects.yaml"]  # no settings, no state
    assert list(yaml.safe_load((out / "projects.yaml").read_text())["projects"]) == ["spring-campaign-2027"]


def test_split_writes_one_file_per_object(tk, tmp_path, settings_dir):
    build_account_by_hand(tk)
    out, _ = export(tk, tmp_path, "--split")
    names = sorted(files_of(out))
    assert "resources/anna-jones.yaml" in names and "projects/consult.yaml" in names
    assert "calendars/anna-jones-home-visits.yaml" in names
    assert tk("plan", out, "--detailed-exitcode").code == 0


def test_export_refuses_a_folder_with_other_files(tk, tmp_path, settings_dir):
    build_account_by_hand(tk)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    r = tk("export", settings_dir, "--out", tmp_path / "busy")
    assert r.code == 1 and "holds files export would not write" in r.err and "notes.txt" in r.err
    assert tk("export", settings_dir, "--out", tmp_path / "busy", "--force").code == 0
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"


def test_live_values_that_break_tkctl_rules_are_exported_with_a_warning(tk, tmp_path, settings_dir):
    tk.request("POST", "/resources", json={"name": "Nurse", "timezone": "UTC", "availability_constraints": [
        {"allow_weekdays": {}}, {"allow_hours": {"start": 10, "end": 18}}]})
    out, r = export(tk, tmp_path)
    assert 'warning: exported as it is live, but ' in r.err and "allow_weekdays and allow_hours add up" in r.err
    assert tk("plan", out, "--detailed-exitcode").code == 0
