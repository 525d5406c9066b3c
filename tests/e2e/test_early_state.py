"""A plan reads the state file while the config loads (planner.EarlyRead.state), and reports
what it finds where it always did: a broken state file after a config without problems, and
never before a config problem."""

from __future__ import annotations

import shutil

from tests.e2e.conftest import ROOT


def _clinic(tmp_path):
    cfg = tmp_path / "clinic"
    shutil.copytree(ROOT / "examples" / "clinic", cfg, ignore=shutil.ignore_patterns(".tkctl"))
    (cfg / ".tkctl").mkdir()
    (cfg / ".tkctl" / "state.json").write_text('{"format_version": 1, "serial": ')  # cut short
    return cfg


def test_a_broken_state_file_is_reported_once_the_config_has_loaded(tk, tmp_path):
    cfg = _clinic(tmp_path)
    run = tk.subprocess("plan", cfg, env={"TKCTL_CACHE_DIR": str(tmp_path / "cache")})
    assert run.returncode == 1, run.stderr
    assert "state.json is not valid JSON" in run.stderr and "Traceback" not in run.stderr


def test_a_config_problem_is_reported_before_a_broken_state_file(tk, tmp_path):
    cfg = _clinic(tmp_path)
    (cfg / "resources.yaml").write_text((cfg / "resources.yaml").read_text() + "  dr-broken:\n    nmae: x\n")
    run = tk.subprocess("plan", cfg, env={"TKCTL_CACHE_DIR": str(tmp_path / "cache")})
    assert run.returncode == 1, run.stderr
    assert "resources.yaml" in run.stderr and "nmae" in run.stderr
    assert "state.json" not in run.stderr
