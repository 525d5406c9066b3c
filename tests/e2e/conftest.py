"""End-to-end helpers: run the real tkctl CLI against the emulator fixture (tests/conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from tkctl.cli import main

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class Tkctl:
    """Runs `tkctl` in this process (fast) with the emulator's URL and token in the environment."""

    def __init__(self, emulator, monkeypatch, capsys):
        self.emulator = emulator
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        monkeypatch.setenv("TIMEKIT_API_URL", emulator.base_url)
        monkeypatch.setenv("TIMEKIT_APP_TOKEN", emulator.token)
        monkeypatch.setenv("NO_COLOR", "1")

    def __call__(self, *args: str) -> Result:
        self.capsys.readouterr()
        code = main([str(a) for a in args])
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def subprocess(self, *args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "TIMEKIT_API_URL": self.emulator.base_url,
                    "TIMEKIT_APP_TOKEN": self.emulator.token, "NO_COLOR": "1", **(env or {})}
        return subprocess.run([sys.executable, "-m", "tkctl", *map(str, args)], env=full_env,
                              capture_output=True, text=True, timeout=120, **kw)

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        """One raw API call (not through tkctl), as a test's setup or check makes it."""
        return api_request(self.emulator, method, path, **kwargs)

    def api(self, path: str, **params) -> list | dict:
        """Read the account directly (not through tkctl), every item in one page."""
        return api_items(self.emulator, path, **params)


def api_request(emulator, method: str, path: str, **kwargs) -> httpx.Response:
    """One raw API call to `emulator` (not through tkctl), as a test's setup or check makes it.

    The test shares the app's rate limit with the tkctl it drives, so a 503 is waited out as
    the contract says (Retry-After) instead of failing the test on a fast or slow machine."""
    for _ in range(20):
        r = httpx.request(method, f"{emulator.base_url}{path}", auth=("", emulator.token), timeout=30, **kwargs)
        if r.status_code != 503:
            break
        time.sleep(float(r.headers.get("Retry-After", "1")))
    r.raise_for_status()
    return r


def api_items(emulator, path: str, **params) -> list | dict:
    """Read an account directly (not through tkctl), every item in one page."""
    return api_request(emulator, "GET", path, params={"limit": 1000, **params}).json()["data"]


@pytest.fixture
def tk(emulator, monkeypatch, capsys) -> Tkctl:
    return Tkctl(emulator, monkeypatch, capsys)


NO_CHANGES = "No changes. The live account matches the configuration."


def says_no_changes(result: Result) -> bool:
    """The whole text plan is its checksum and the no-changes verdict."""
    lines = result.out.splitlines()
    return (result.code == 0 and len(lines) == 2 and lines[0].startswith("Plan checksum: sha256:")
            and lines[1] == NO_CHANGES)


def write_config(path: Path, resources=None, calendars=None, projects=None, settings=None) -> Path:
    """A config dir with one file per section, so tests can edit one section at a time."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "tkctl.yaml").write_text(yaml.safe_dump(settings or {"state": "state.json"}))
    for name, section in (("resources", resources), ("calendars", calendars), ("projects", projects)):
        if section is not None:
            (path / f"{name}.yaml").write_text(yaml.safe_dump({name: section}, sort_keys=False))
    return path


def read_state(path: Path) -> dict:
    return json.loads((path / "state.json").read_text())
