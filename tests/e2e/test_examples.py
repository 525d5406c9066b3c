"""The examples, as README's quick start runs them, and as a user would against an account."""

from __future__ import annotations

import shutil

from tests.e2e.conftest import ROOT, says_no_changes, write_config

EXAMPLE = ROOT / "examples" / "clinic"


def test_quick_start_embedded_emulator_then_no_changes(tk, tmp_path):
    cfg = tmp_path / "clinic"
    shutil.copytree(EXAMPLE, cfg, ignore=shutil.ignore_patterns(".tkctl"))
    first = tk("apply", "--emulator", cfg, "--auto-approve")
    assert first.code == 0, first.text
    assert "Apply complete: 18 created, 0 updated, 0 deleted, 0 adopted." in first.out
    assert (cfg / ".tkctl" / "emulator.db").exists() and (cfg / ".tkctl" / "emulator-state.json").exists()
    assert not (cfg / ".tkctl" / "state.json").exists()  # never mixed with a real account's state

    second = tk("apply", "--emulator", cfg, "--auto-approve")
    assert says_no_changes(second), second.text
    assert tk("plan", "--emulator", cfg, "--detailed-exitcode").code == 0
    # The embedded emulator is separate from the one in TIMEKIT_API_URL.
    assert tk.api("/resources") == []


def test_examples_against_a_real_server_then_no_changes(tk, tmp_path):
    cfg = tmp_path / "clinic"
    shutil.copytree(EXAMPLE, cfg, ignore=shutil.ignore_patterns(".tkctl"))
    assert tk("apply", cfg, "--auto-approve").code == 0
    plan = tk("plan", cfg, "--detailed-exitcode")
    assert says_no_changes(plan), plan.text
    projects = tk.api("/projects", include="resources")
    assert sorted(p["meta"]["tkctl_key"] for p in projects) == ["consultation", "minor-procedure", "physio"]
    assert all(p["resources"] for p in projects)
    assert all(p["ui"] for p in projects)  # ui_file and inline ui both reached the API


def test_independent_writes_run_concurrently(tk, tmp_path):
    """24 independent creates are in flight together, not one at a time. The emulator counts
    how many requests were ever in progress at once, so no clock is involved: the latency only
    keeps each create open long enough for the others to join it."""
    cfg = write_config(tmp_path, {f"r{i:02d}": {"name": f"R {i}", "timezone": "UTC"} for i in range(24)})
    tk.emulator.configure(latency_ms=250, rate_limit=0)
    tk.emulator.reset_counters()
    assert tk("apply", cfg, "--auto-approve").code == 0
    counters = tk.emulator.counters()
    assert counters["by_route"]["POST /v2/resources"] == 24
    assert 2 <= counters["max_in_flight"] <= 8  # concurrent, and within the client's bound
    assert len(tk.api("/resources")) == 24
