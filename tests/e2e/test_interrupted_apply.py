"""An interrupted apply never corrupts the state file nor leaves an object a rerun cannot find."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import read_state, says_no_changes, write_config
from tests.e2e.test_plan_apply import CALENDARS, PROJECTS, RESOURCES
from tkctl.state import load_state


@pytest.mark.parametrize("path", ["/v2/resources", "/v2/calendars", "/v2/projects"])
@pytest.mark.parametrize("status", [500, 503])
def test_a_create_whose_answer_is_lost_is_found_not_sent_twice(tk, tmp_path, path, status):
    """The server made the object, then answered 500 or 503 (as a proxy can): apply looks the
    object up by its tag (or owner and name) before it would send the create again, records it,
    and finishes in the same run with no duplicate."""
    cfg = write_config(tmp_path, RESOURCES, CALENDARS, PROJECTS)
    tk.emulator.add_fault(method="POST", path=path, nth=1, status=status, after_handling=True)
    tk.emulator.configure(rate_limit=0)  # counts of requests below must not include rate-limit refusals
    tk.emulator.reset_counters()
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 0, r.text
    assert "Apply complete: 6 created" in r.out
    counters = tk.emulator.counters()["by_route"]
    posts = {"/v2/resources": 3, "/v2/calendars": 1, "/v2/projects": 1}  # one calendar takes over the default
    assert counters[f"POST {path}"] == posts[path]  # never sent again
    assert len(tk.api("/resources")) == 3 and len(tk.api("/projects")) == 1
    assert sorted(c["name"] for c in tk.api("/calendars")) == ["Bookings", "Bookings", "Bookings", "Home visits"]
    assert len(read_state(cfg)["objects"]) == 6
    assert says_no_changes(tk("plan", cfg))


def test_a_create_refused_before_it_acted_is_sent_again_after_looking(tk, tmp_path):
    """A 503 before the server acted: the lookup finds nothing, so the create is sent again once."""
    cfg = write_config(tmp_path, RESOURCES)
    tk.emulator.add_fault(method="POST", path="/v2/resources", nth=1, status=503)
    tk.emulator.configure(rate_limit=0)  # counts of requests below must not include rate-limit refusals
    tk.emulator.reset_counters()
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 0, r.text
    counters = tk.emulator.counters()["by_route"]
    assert counters["POST /v2/resources"] == 4  # 3 creates, one of them sent twice
    assert counters["GET /v2/resources"] >= 2  # the listing for the plan, and the lookup
    assert sorted(x["meta"]["tkctl_key"] for x in tk.api("/resources")) == sorted(RESOURCES)


def test_a_failed_update_stops_the_apply_and_the_rerun_continues(tk, tmp_path):
    cfg = write_config(tmp_path, RESOURCES, CALENDARS, PROJECTS)
    assert tk("apply", cfg, "--auto-approve").code == 0
    write_config(cfg, {**RESOURCES, "room-1": {**RESOURCES["room-1"], "name": "Room One"}}, CALENDARS,
                 {"consult": {**PROJECTS["consult"], "name": "Consultations"}})
    tk.emulator.add_fault(method="PUT", path="/v2/resources", nth=1, status=422)
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 1
    assert "apply stopped: 1 change(s) failed, 0 succeeded and are recorded in the state, 1 not attempted." in r.err
    assert "resource.room-1: Timekit API error 422 on PUT /resources/" in r.err
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 0 and "Apply complete: 0 created, 2 updated" in r.out


def test_killed_apply_leaves_valid_state_and_rerun_converges(tk, tmp_path):
    """The 5th create is made by the server but its answer is held back; tkctl is killed while
    it waits, so that object exists, tagged, and is not in the state. Holding one request makes
    the kill land at a known point whatever the machine's speed. The state is read as tkctl
    reads it: the file plus the journal of the steps done since the apply began."""
    resources = {f"r{i:02d}": {"name": f"R {i}", "timezone": "UTC"} for i in range(30)}
    cfg = write_config(tmp_path, resources)
    tk.emulator.add_fault(method="POST", path="/v2/resources", nth=5, status=None, delay_ms=120_000,
                          after_handling=True)
    env = {**os.environ, "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token}
    proc = subprocess.Popen([sys.executable, "-m", "tkctl", "apply", str(cfg), "--auto-approve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120  # a generous bound for a stuck test, not a measurement
    while time.monotonic() < deadline:  # every create but the held one is answered and recorded
        if len(load_state(cfg / "state.json").entries) == 29:
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert len(load_state(cfg / "state.json").entries) == 29  # file and journal: still valid
    assert len(tk.api("/resources")) == 30  # the held create happened
    assert not [p for p in cfg.iterdir() if p.name.startswith("state.json.") and p.suffix not in (".lock", ".journal")]
    r = tk("apply", cfg, "--auto-approve")  # a stale lock from the killed process is taken over
    assert r.code == 0, r.text
    live = tk.api("/resources")
    assert sorted(x["meta"]["tkctl_key"] for x in live) == sorted(resources)
    assert len(read_state(cfg)["objects"]) == 30
    assert not (cfg / "state.json.journal").exists()  # compacted into the file


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
