"""Drift apart from config changes, `tkctl drift`, `tkctl refresh`, the app a state belongs to,
and `tkctl state unlock` (real CLI, real server)."""

from __future__ import annotations

import copy
import json
import os
import socket

import pytest

from tests.e2e.conftest import read_state, says_no_changes, write_config
from tests.e2e.test_plan_apply import CALENDARS, PROJECTS, RESOURCES, edit
from tkctl.emulator.testing import running_emulator


@pytest.fixture
def cfg(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", copy.deepcopy(RESOURCES), copy.deepcopy(CALENDARS), copy.deepcopy(PROJECTS))
    assert tk("apply", cfg, "--auto-approve").code == 0
    return cfg


def live(tk, key):
    return next(x for x in tk.api("/resources") if x["meta"]["tkctl_key"] == key)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_drift_exits_0_when_none(tk, cfg, fmt):
    edit(cfg, "resources", lambda s: s["room-1"].update(name="Changed only in the YAML"))  # not drift
    r = tk("drift", cfg, "--format", fmt)
    assert r.code == 0, r.text
    if fmt == "json":
        assert json.loads(r.out)["has_changes"] is False
    else:
        assert "No drift. The live account matches what tkctl last applied." in r.out


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_drift_exits_2_and_shows_only_drift(tk, cfg, fmt):
    edit(cfg, "resources", lambda s: s["room-1"].update(name="Changed in the YAML"))
    tk.request("PUT", f"/resources/{live(tk, 'dr-smith')['id']}", json={"name": "Changed in admin"})
    r = tk("drift", cfg, "--format", fmt)
    assert r.code == 2, r.text
    if fmt == "json":
        data = json.loads(r.out)
        assert [(c["key"], c["fields"]) for c in data["changes"]] == [
            ("dr-smith", [{"path": "name", "old": "Changed in admin", "new": "Dr. Smith", "cause": "drift"}])]
    else:
        assert "dr-smith" in r.out and "room-1" not in r.out
        assert "Drift: 1 object changed outside tkctl." in r.out
    if fmt == "markdown":
        assert r.out.startswith("<!-- tkctl:drift dir=")


def test_plan_keeps_drift_apart_and_shows_an_object_changed_in_both_places_field_by_field(tk, cfg):
    edit(cfg, "resources", lambda s: s["dr-smith"].update(name="Dr. Smith (YAML)"))
    tk.request("PUT", f"/resources/{live(tk, 'dr-smith')['id']}", json={"timezone": "Europe/Paris"})
    r = tk("plan", cfg)
    assert r.code == 0
    assert """Changes in the configuration:
  ~ resource.dr-smith (update)
      name: "Dr. Smith" -> "Dr. Smith (YAML)"

Changed outside tkctl (apply sets these back to the configuration):
  ~ resource.dr-smith (update)
      timezone: "Europe/Paris" -> "America/New_York"
""" in r.out
    change = json.loads(tk("plan", cfg, "--format", "json").out)["changes"][0]
    assert change["cause"] == "both"
    assert [(f["path"], f["cause"]) for f in change["fields"]] == [("name", "config"), ("timezone", "drift")]


def test_refresh_records_the_live_state_and_changes_nothing_live(tk, cfg):
    smith = live(tk, "dr-smith")
    tk.request("PUT", f"/resources/{smith['id']}", json={"name": "Changed in admin"})
    before = (tk.api("/resources"), tk.api("/calendars"), tk.api("/projects", include="resources"))
    tk.emulator.reset_counters()
    r = tk("refresh", cfg)
    assert r.code == 0, r.text
    assert r.out == ("~ resource.dr-smith: recorded the live name\n"
                     "Refresh complete: 1 recorded, 0 forgotten; nothing was changed in the account.\n")
    assert all(route.startswith("GET ") for route in tk.emulator.counters()["by_route"])
    assert (tk.api("/resources"), tk.api("/calendars"), tk.api("/projects", include="resources")) == before
    # Drift is now accepted; the plan still restores the YAML's value, as a config change.
    assert tk("drift", cfg).code == 0
    change = json.loads(tk("plan", cfg, "--format", "json").out)["changes"][0]
    assert (change["key"], change["cause"]) == ("dr-smith", "config")
    assert tk("refresh", cfg).out == "Nothing to refresh: the state already describes the account.\n"


def test_refresh_forgets_objects_deleted_outside_tkctl(tk, cfg):
    home = next(c for c in tk.api("/calendars") if c["name"] == "Home visits")
    tk.request("DELETE", f"/calendars/{home['id']}")
    r = tk("refresh", cfg)
    assert "- calendar.jones-home: gone from the account; forgotten" in r.out
    assert "calendar.jones-home" not in read_state(cfg)["objects"]


def test_a_state_pointed_at_another_app_is_refused_naming_both(tk, cfg, monkeypatch):
    state_before = (cfg / "state.json").read_text()
    app = read_state(cfg)["app"]
    with running_emulator(rate_limit=0) as other:
        monkeypatch.setenv("TIMEKIT_API_URL", other.base_url)
        monkeypatch.setenv("TIMEKIT_APP_TOKEN", other.token)
        other_app = json.loads(__import__("httpx").get(f"{other.base_url}/app", auth=("", other.token)).text)["data"]
        for command in (["plan", cfg], ["apply", cfg, "--auto-approve"], ["drift", cfg], ["refresh", cfg]):
            r = tk(*command)
            assert r.code == 1, command
            assert r.err == (
                f"error: the state file {cfg / 'state.json'} belongs to Timekit app {app['slug']} ({app['id']}), but "
                f"the token reaches app {other_app['slug']} ({other_app['id']}). Use the token of that app, or point "
                "`state` in tkctl.yaml at this app's own state file. tkctl will not treat every object of one "
                "account as deleted from another.\n")
        assert __import__("httpx").get(f"{other.base_url}/resources", auth=("", other.token)).json()["total"] == 0
    assert (cfg / "state.json").read_text() == state_before


def test_plan_never_takes_the_lock_so_pull_requests_plan_at_once(tk, cfg):
    lock = cfg / "state.json.lock"
    lock.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "user": "ci", "command": "apply",
                                "created_at": "2026-12-01T09:00:00Z", "nonce": "x"}))
    assert tk("plan", cfg).code == 0
    assert tk("drift", cfg).code == 0
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 1 and "is locked by ci@" in r.err
    assert tk("refresh", cfg).code == 1


def test_state_unlock(tk, cfg, tmp_path):
    lock = cfg / "state.json.lock"
    r = tk("state", "unlock", cfg)
    assert (r.code, r.out) == (0, f"The state file {cfg / 'state.json'} is not locked.\n")
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "user": "ana", "command": "apply",
              "created_at": "2026-12-01T09:00:00Z", "nonce": "x"}
    lock.write_text(json.dumps(holder))  # held by a live process (this one)
    r = tk("state", "unlock", cfg)
    assert r.code == 1
    assert f"is held by ana@{socket.gethostname()} (pid {os.getpid()}, tkctl apply since 2026-12-01T09:00:00Z)" in r.err
    assert "run again with --force" in r.err and lock.exists()
    r = tk("state", "unlock", cfg, "--force")
    assert r.code == 0 and not lock.exists()
    assert r.out == (f"Removed the state lock {lock}, held by ana@{socket.gethostname()} (pid {os.getpid()}, "
                     "tkctl apply since 2026-12-01T09:00:00Z).\n")
    lock.write_text(json.dumps({**holder, "host": "elsewhere"}))
    assert tk("state", "unlock", cfg).code == 1
    assert tk("state", "unlock", cfg, "--force").code == 0 and not lock.exists()
    assert says_no_changes(tk("plan", cfg))
