"""On a terminal, apply shows the plan and applies only after the user types "yes"."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.e2e.conftest import write_config

GOOD = {"room-1": {"name": "Room 1", "timezone": "UTC"}}


def apply_on_a_terminal(tk, cfg, answer: str) -> tuple[int, str]:
    master, slave = pty.openpty()
    env = {**os.environ, "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token,
           "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "tkctl", "apply", str(cfg)], stdin=slave,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    os.close(slave)
    os.write(master, (answer + "\n").encode())
    out, _ = proc.communicate(timeout=60)
    os.close(master)
    return proc.returncode, out.decode()


@pytest.mark.parametrize("answer, code, applied", [("yes", 0, True), ("no", 1, False), ("y", 1, False)])
def test_apply_asks_for_yes(tk, tmp_path, answer, code, applied):
    cfg = write_config(tmp_path, GOOD)
    rc, out = apply_on_a_terminal(tk, cfg, answer)
    assert rc == code, out
    assert "Plan: 1 to create, 0 to update, 0 to delete." in out
    assert "Apply these changes? Only 'yes' will be accepted" in out
    assert (len(tk.api("/resources")) == 1) is applied
    if not applied:
        assert "apply cancelled: nothing was changed." in out
