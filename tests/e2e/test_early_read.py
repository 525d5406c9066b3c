"""plan and drift read the account while the config loads (planner.EarlyRead); nothing a user
sees may change: the same plan, config problems first, the same errors from the account."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from tests.e2e.conftest import write_config

from tkctl.planner import make_plan, plan_folder
from tkctl.targets import open_target
from tkctl.workspace import open_workspace

RESOURCES = {f"doc-{i}": {"name": f"Doctor {i}", "email": f"doc{i}@clinic.example", "timezone": "Europe/Copenhagen"}
             for i in range(4)}
CALENDARS = {"doc-0-extra": {"resource": "doc-0", "name": "Extra", "description": "Extra hours"}}
PROJECTS = {"consult": {"name": "Consultation", "resources": ["doc-0", "doc-1"],
                        "availability": {"mode": "roundrobin_random", "length": "30 minutes"}}}


def _folder(tmp_path: Path) -> Path:
    return write_config(tmp_path / "cfg", RESOURCES, CALENDARS, PROJECTS)


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v2"


def test_the_plan_read_early_equals_the_plan_read_after_loading(tk, tmp_path):
    cfg = _folder(tmp_path)
    assert tk("apply", cfg, "--auto-approve").code == 0
    (cfg / "resources.yaml").write_text((cfg / "resources.yaml").read_text().replace("Doctor 1", "Doctor One"))
    environ = dict(os.environ)
    _, early = plan_folder(str(cfg), env=None, emulator=False, environ=environ)
    workspace = open_workspace(cfg, environ)
    with open_target(workspace.settings, emulator=False, environ=environ) as target:
        late = make_plan(workspace, target, workspace.read_state(False))
    assert early.data("x") == late.data("x")
    assert [c.address for c in early.changes] == ["resource.doc-1"]


def test_a_config_problem_comes_first_even_when_the_account_cannot_be_reached(tk, tmp_path, monkeypatch):
    cfg = _folder(tmp_path)
    (cfg / "broken.yaml").write_text("resources:\n  bad:\n    name: 5\n")
    monkeypatch.setenv("TIMEKIT_API_URL", _closed_port_url())
    for command in ("plan", "drift"):
        result = tk(command, cfg)
        assert result.code == 1, result.text
        assert "broken.yaml, line 3" in result.err
        assert "connect" not in result.err.lower()


def test_a_config_problem_comes_first_when_the_token_is_missing(tk, tmp_path, monkeypatch):
    cfg = _folder(tmp_path)
    (cfg / "broken.yaml").write_text("resources:\n  bad:\n    name: 5\n")
    monkeypatch.delenv("TIMEKIT_APP_TOKEN")
    result = tk("plan", cfg)
    assert result.code == 1
    assert "broken.yaml, line 3" in result.err
    assert "TIMEKIT_APP_TOKEN is not set" not in result.err


def test_a_missing_token_is_reported_once_the_config_loads(tk, tmp_path, monkeypatch):
    cfg = _folder(tmp_path)
    monkeypatch.delenv("TIMEKIT_APP_TOKEN")
    result = tk("plan", cfg)
    assert result.code == 1
    assert "the environment variable TIMEKIT_APP_TOKEN is not set" in result.err


def test_an_api_error_during_the_early_read_is_reported_as_before(tk, tmp_path):
    cfg = _folder(tmp_path)
    assert tk("apply", cfg, "--auto-approve").code == 0
    tk.emulator.add_fault(method="GET", path="/v2/projects", nth=1, status=401)
    result = tk("plan", cfg)
    assert result.code == 1, result.text
    assert "GET" in result.err and "/projects" in result.err
    assert "Traceback" not in result.err


def test_a_config_problem_does_not_wait_for_an_api_that_never_answers(tmp_path):
    """The read started early is waiting on a server that accepted the connection and never
    answers; the broken config is reported and tkctl exits, without waiting out the read."""
    import subprocess
    import sys

    cfg = _folder(tmp_path)
    (cfg / "broken.yaml").write_text("resources:\n  bad:\n    name: 5\n")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(50)
        env = {**os.environ, "TIMEKIT_API_URL": f"http://127.0.0.1:{silent.getsockname()[1]}/v2",
               "TIMEKIT_APP_TOKEN": "test_api_key_" + "s" * 32, "TKCTL_HTTP_TIMEOUT": "3600"}
        # Were it to wait for the read, it would wait an hour: the 120 s limit here would end it.
        r = subprocess.run([sys.executable, "-m", "tkctl", "plan", str(cfg)], env=env, capture_output=True,
                           text=True, timeout=120)
    assert r.returncode == 1
    assert "broken.yaml, line 3" in r.stderr and "name: must be a string" in r.stderr
