"""`tkctl emulator` as users run it: a subprocess that serves until SIGTERM, then exits 0."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx
import pytest

from tkctl.cli import EXIT_USAGE, main

pytestmark = pytest.mark.timeout(60)  # a hung server must fail the test, not the session


def _start(*args: str) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen([sys.executable, "-m", "tkctl", "emulator", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = [process.stdout.readline() for _ in range(4)]
    return process, lines


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
def test_serves_until_a_signal_then_exits_zero(stop_with):
    process, lines = _start("--token", "test_api_key_cli", "--token", "live_api_key_cli")
    lines.append(process.stdout.readline())
    try:
        base_url = re.search(r"(http://127\.0\.0\.1:\d+/v2)", lines[0]).group(1)
        assert lines[2:4] == ["App token: test_api_key_cli\n", "App token: live_api_key_cli\n"]
        response = httpx.get(base_url + "/app", auth=("", "test_api_key_cli"))
        assert response.status_code == 200 and response.headers["timekit-testmode"] == "true"
    finally:
        process.send_signal(stop_with)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err


def test_prints_a_generated_token_and_an_export_line(tmp_path):
    process, lines = _start("--data", str(tmp_path / "emu.db"))
    try:
        token = re.search(r"App token: (live_api_key_[A-Za-z0-9]{32})$", lines[2]).group(1)
        assert re.match(rf"export TIMEKIT_API_URL=http://\S+/v2 TIMEKIT_APP_TOKEN={token}$", lines[3])
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    assert process.returncode == 0


@pytest.mark.parametrize("args", [
    ["--fail-rate", "1.5"], ["--latency", "-1"], ["--rate-limit", "x"], ["--burst", "0"],
    ["--port", "70000"], ["--daily-limit", "-3"],
])
def test_bad_flag_values_are_usage_errors(args, capsys):
    assert main(["emulator", *args]) == EXIT_USAGE
    assert "Invalid value" in capsys.readouterr().err
