"""An interrupted apply never corrupts the state file nor leaves an object a rerun cannot find."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.e2e.conftest import read_state, write_config
from tests.e2e.test_plan_apply import CALENDARS, PROJECTS, RESOURCES


def test_server_failure_after_create_is_adopted_on_rerun(tk, tmp_path):
    """The project is created but the answer is lost (500): the rerun adopts it by its tag."""
    cfg = write_config(tmp_path, RESOURCES, CALENDARS, PROJECTS)
    tk.emulator.add_fault(method="POST", path="/v2/projects", nth=1, status=500, after_handling=True)
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 1 and "project.consult: Timekit API error 500" in r.err
    assert "project.consult" not in read_state(cfg)["objects"]
    assert len(read_state(cfg)["objects"]) == 5

    r = tk("plan", cfg, "--format", "json")
    assert [(c["action"], c["key"]) for c in json.loads(r.out)["changes"]] == [("adopt", "consult")]
    assert tk("apply", cfg, "--auto-approve").code == 0
    assert len(tk.api("/projects")) == 1
    assert "project.consult" in read_state(cfg)["objects"]


def test_calendar_created_but_unrecorded_is_adopted(tk, tmp_path):
    cfg = write_config(tmp_path, RESOURCES, CALENDARS, PROJECTS)
    tk.emulator.add_fault(method="POST", path="/v2/calendars", nth=1, status=500, after_handling=True)
    assert tk("apply", cfg, "--auto-approve").code == 1
    assert tk("apply", cfg, "--auto-approve").code == 0
    names = sorted(c["name"] for c in tk.api("/calendars"))
    assert names.count("Home visits") == 1


def test_killed_apply_leaves_valid_state_and_rerun_converges(tk, tmp_path):
    """The 5th create is made by the server but its answer is held back; tkctl is killed while
    it waits, so that object exists, tagged, and is not in the state. Holding one request makes
    the kill land at a known point whatever the machine's speed."""
    resources = {f"r{i:02d}": {"name": f"R {i}", "timezone": "UTC"} for i in range(30)}
    cfg = write_config(tmp_path, resources)
    tk.emulator.add_fault(method="POST", path="/v2/resources", nth=5, status=None, delay_ms=120_000,
                          after_handling=True)
    env = {**os.environ, "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token}
    proc = subprocess.Popen([sys.executable, "-m", "tkctl", "apply", str(cfg), "--auto-approve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120  # a generous bound for a stuck test, not a measurement
    while time.monotonic() < deadline:  # every create but the held one is answered and recorded
        try:
            done = len(read_state(cfg)["objects"])
        except FileNotFoundError:
            done = 0
        if done == 29:
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    state = read_state(cfg)  # still valid JSON
    assert len(state["objects"]) == 29
    assert len(tk.api("/resources")) == 30  # the held create happened
    assert not [p for p in cfg.iterdir() if p.name.startswith("state.json.") and p.suffix != ".lock"]
    r = tk("apply", cfg, "--auto-approve")  # a stale lock from the killed process is taken over
    assert r.code == 0, r.text
    live = tk.api("/resources")
    assert sorted(x["meta"]["tkctl_key"] for x in live) == sorted(resources)
    assert len(read_state(cfg)["objects"]) == 30


def test_passing_server_errors_on_reads_are_retried(tk, tmp_path):
    cfg = write_config(tmp_path, RESOURCES)
    tk.emulator.add_fault(method="GET", path="/v2/resources", nth=1, status=500)
    tk.emulator.add_fault(method="GET", path="/v2/projects", nth=1, status=503)
    r = tk("plan", cfg)
    assert r.code == 0, r.text
    assert r.out.rstrip().endswith("Plan: 3 to create, 0 to update, 0 to delete.")
    assert tk.emulator.counters()["by_route"]["GET /v2/resources"] == 2


def test_lost_state_file_is_rebuilt_by_adoption(tk, tmp_path):
    cfg = write_config(tmp_path, RESOURCES, CALENDARS, PROJECTS)
    assert tk("apply", cfg, "--auto-approve").code == 0
    before = read_state(cfg)["objects"]
    (cfg / "state.json").unlink()
    r = tk("plan", cfg, "--format", "json")
    data = json.loads(r.out)
    assert [(c["action"], c["fields"]) for c in data["changes"]] == [("adopt", [])] * 6
    assert tk("apply", cfg, "--auto-approve").code == 0
    after = read_state(cfg)["objects"]
    assert {k: v["id"] for k, v in after.items()} == {k: v["id"] for k, v in before.items()}
    assert len(tk.api("/resources")) == 3 and len(tk.api("/projects")) == 1
    assert json.loads(tk("plan", cfg, "--format", "json").out)["has_changes"] is False
