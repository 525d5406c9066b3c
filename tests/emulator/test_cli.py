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
from tkctl.emulator.store import widget_key_for

pytestmark = pytest.mark.timeout(60)  # a hung server must fail the test, not the session


def _start(*args: str) -> tuple[subprocess.Popen, list[str]]:
    """Start `tkctl emulator` and read its start-up lines, up to the export line."""
    process = subprocess.Popen([sys.executable, "-m", "tkctl", "emulator", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = [process.stdout.readline()]
    while lines[-1] and not lines[-1].startswith("export "):
        lines.append(process.stdout.readline())
    return process, [line.rstrip("\n") for line in lines]


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
def test_serves_until_a_signal_then_exits_zero(stop_with):
    process, lines = _start("--token", "test_api_key_cli", "--token", "live_api_key_cli")
    try:
        base_url = re.search(r"(http://127\.0\.0\.1:\d+/v2)", lines[0]).group(1)
        assert lines[2:6] == ["App token: test_api_key_cli", f"Widget key: {widget_key_for('test_api_key_cli')}",
                              "App token: live_api_key_cli", f"Widget key: {widget_key_for('live_api_key_cli')}"]
        response = httpx.get(base_url + "/app", auth=("", "test_api_key_cli"))
        assert response.status_code == 200 and response.headers["timekit-testmode"] == "true"
    finally:
        process.send_signal(stop_with)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err


def test_prints_a_generated_token_its_widget_key_and_an_export_line(tmp_path):
    process, lines = _start("--data", str(tmp_path / "emu.db"))
    try:
        token = re.search(r"App token: (live_api_key_[A-Za-z0-9]{32})$", lines[2]).group(1)
        assert re.fullmatch(r"Widget key: live_widget_key_[0-9a-f]{32}", lines[3])
        assert re.match(rf"export TIMEKIT_API_URL=http://\S+/v2 TIMEKIT_APP_TOKEN={token}$", lines[4])
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    assert process.returncode == 0


def test_the_token_is_printed_at_start_and_never_per_request():
    token = "live_api_key_never0logged0000000000000000"
    process, lines = _start("--token", token, "--rate-limit", "0")
    try:
        assert sum(token in line for line in lines) == 2  # the "App token" and the export line
        base_url = re.search(r"(http://127\.0\.0\.1:\d+/v2)", lines[0]).group(1)
        root = base_url[: -len("/v2")]
        httpx.post(root + "/_emulator/faults", json={"path": "/v2/resources", "status": 500})
        statuses = [httpx.request(method, base_url + path, auth=("", key), json=body).status_code
                    for method, path, key, body in [
                        ("GET", "/resources", token, None),  # answered 500 by the fault
                        ("POST", "/resources", token, {"name": "A", "timezone": {}}),
                        ("GET", "/resources/%0A", token, None),
                        ("GET", "/projects", token + "x", None),
                        ("PATCH", "/app", token, None),
                    ]]
        assert statuses == [500, 422, 404, 401, 405]
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert token not in out + err
    assert "Emulator stopped." in err


@pytest.mark.parametrize("args", [
    ["--fail-rate", "1.5"], ["--latency", "-1"], ["--rate-limit", "x"], ["--burst", "0"],
    ["--port", "70000"], ["--daily-limit", "-3"],
])
def test_bad_flag_values_are_usage_errors(args, capsys):
    assert main(["emulator", *args]) == EXIT_USAGE
    assert "Invalid value" in capsys.readouterr().err
