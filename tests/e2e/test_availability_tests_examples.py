"""The shipped examples' availability tests: examples/clinic passes (on a fresh emulator and on
an account reached by URL), and examples/clinic-broken-hours fails with the report docs/testing.md
shows, asserted exactly."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

CLINIC_TESTS = ["consultation-opening-hours", "patel-video-hours", "phone-line-new-york",
                "minor-procedure-doctor-and-room", "physio-not-on-mondays"]


def copy(example: str, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "examples" / example, tmp_path / example, ignore=shutil.ignore_patterns(".tkctl"))
    return tmp_path / example


def test_the_clinic_passes_on_a_fresh_emulator(tk, tmp_path, monkeypatch):
    copy("clinic", tmp_path, monkeypatch)
    result = tk("test", "clinic", "--emulator")
    assert result.code == 0, result.text
    assert result.err == ""  # the example has no warnings left
    lines = result.out.splitlines()
    assert lines[0] == "Testing clinic on a fresh emulator (the config applied: 18 created)."
    assert [line.split(":")[0] for line in lines if line.startswith(("PASS", "FAIL", "ERROR"))] == [
        f"PASS {name}" for name in CLINIC_TESTS]
    assert sum(1 for line in lines if line.startswith("  ok    bookable: booked ")) == 3
    assert lines[-1] == "Result: 5 of 5 tests passed."


def test_the_clinic_passes_on_the_account_it_was_applied_to(tk, tmp_path, monkeypatch):
    copy("clinic", tmp_path, monkeypatch)
    assert tk("apply", "clinic", "--auto-approve").code == 0
    result = tk("test", "clinic")
    assert result.code == 0, result.text
    assert result.out.count("  skip  bookable: skipped: ") == 3
    assert tk.api("/bookings") == []


def _monday_ahead() -> date:
    return date.today() + timedelta(days=14 - date.today().weekday())


def test_the_broken_example_reports_its_failures_readably(tk, tmp_path, monkeypatch):
    """The report exactly, for a window pinned to a known Monday: Sofie's allow_weekdays opens
    Monday 00:00 to Friday 24:00 (479 half-hour slots on the quarter hours) and allow_hours
    opens Saturday and Sunday 10-18 (31 each): 541 slots, 62 on the weekend, and 324 of the
    weekday ones outside 10-18 (31 a day are inside)."""
    cfg = copy("clinic-broken-hours", tmp_path, monkeypatch)
    monday = _monday_ahead()
    tests = cfg / "tests.yaml"
    tests.write_text(tests.read_text().replace("from: next_monday", f"from: {monday}"))

    def day(offset: int) -> str:
        d = monday + timedelta(days=offset)
        return f"{('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')[d.weekday()]} {d.isoformat()}"

    result = tk("test", "clinic-broken-hours", "--emulator")
    assert result.code == 1
    assert result.out == f"""Testing clinic-broken-hours on a fresh emulator (the config applied: 2 created).

FAIL phone-line-hours: project "phone-line", {day(0)} to {day(6)} (America/New_York), 541 slots
  ok    min_slots 50: 541 slots
  FAIL  only_on monday, tuesday, wednesday, thursday, friday: 62 of 541 slots are on other days
          {day(5)} 10:00-10:30 Sofie Berg
          {day(5)} 10:15-10:45 Sofie Berg
          {day(5)} 10:30-11:00 Sofie Berg
          and 59 more
  FAIL  within_hours 10:00-18:00: 324 of 541 slots are outside 10:00-18:00
          {day(0)} 00:00-00:30 Sofie Berg
          {day(0)} 00:15-00:45 Sofie Berg
          {day(0)} 00:30-01:00 Sofie Berg
          and 321 more
  ok    slot_at monday 10:00: offered (1 start)
  FAIL  no_slot_at saturday 10:00: 1 slot offered at these times
          {day(5)} 10:00-10:30 Sofie Berg

Result: 0 of 1 test passed, 1 failed.
"""
    # The same mistake, found offline by validate, goes to standard error as a warning.
    assert result.err.startswith("warning: 1 warning in the config (tkctl validate shows them too):\n"
                                 '  clinic-broken-hours/resources.yaml, line 12, column 9: resource "nurse-berg": '
                                 "availability_constraints[0]: allow_weekdays and allow_hours add up")


def test_the_broken_example_as_shipped_fails(tk, tmp_path, monkeypatch):
    copy("clinic-broken-hours", tmp_path, monkeypatch)
    result = tk("test", "clinic-broken-hours", "--emulator", "--format", "junit")
    assert result.code == 1
    assert '<testcase name="phone-line-hours" classname="project.phone-line">' in result.out
    assert result.out.count("<failure ") == 3


# ---------------------------------------------------------------- README and docs/testing.md


def _block(text: str, language: str, after: str) -> str:
    section = text[text.index(after):]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


@pytest.mark.parametrize("doc, heading", [("README.md", "## Testing availability"),
                                          ("docs/testing.md", "## Writing tests")])
def test_the_yaml_examples_pass_on_the_clinic(tk, tmp_path, monkeypatch, doc, heading):
    cfg = copy("clinic", tmp_path, monkeypatch)
    (cfg / "tests.yaml").write_text(_block((ROOT / doc).read_text(), "yaml", heading))
    result = tk("test", "clinic", "--emulator")
    assert result.code == 0, result.text
    assert "FAIL" not in result.out and result.out.count("\nPASS ") >= 1


def test_readme_commands_work_as_written(tk, tmp_path):
    commands = [line.split("#")[0].strip() for line in _block((ROOT / "README.md").read_text(), "sh",
                                                                "## Testing availability").splitlines()]
    assert [c.split()[:2] for c in commands] == [["tkctl", "validate"], ["tkctl", "test"], ["tkctl", "test"],
                                                 ["tkctl", "test"]]
    for example in ("clinic", "clinic-broken-hours"):
        shutil.copytree(ROOT / "examples" / example, tmp_path / "examples" / example,
                        ignore=shutil.ignore_patterns(".tkctl"))
    env = {**os.environ, "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token,
           "NO_COLOR": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)

    validate, clinic, broken, live = commands
    r = run(validate)
    assert r.returncode == 0 and "allow_weekdays and allow_hours add up" in r.stderr
    r = run(clinic)
    assert r.returncode == 0 and r.stdout.endswith("Result: 5 of 5 tests passed.\n"), r.stdout + r.stderr
    r = run(broken)
    assert r.returncode == 1 and r.stdout.endswith("Result: 0 of 1 test passed, 1 failed.\n"), r.stdout + r.stderr
    assert run("tkctl apply examples/clinic --auto-approve").returncode == 0
    r = run(live)
    assert r.returncode == 0, r.stdout + r.stderr
    suite = ET.parse(tmp_path / "tkctl-tests.xml").getroot()[0]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "0", "0")


def test_the_json_example_in_the_docs_has_the_reports_keys(tk, tmp_path, monkeypatch):
    documented = json.loads(_block((ROOT / "docs/testing.md").read_text(), "json", "### JSON"))
    copy("clinic-broken-hours", tmp_path, monkeypatch)
    result = tk("test", "clinic-broken-hours", "--emulator", "--format", "json")
    assert result.code == 1
    real = json.loads(result.out)

    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shape(value[0])] if value and isinstance(value[0], dict) else "list"
        return "value"

    assert shape(documented) == shape(real) | {"tests": [shape(real["tests"][0]) | {
        "expectations": [shape(real["tests"][0]["expectations"][1])]}]}
    documented_item, real_item = documented["tests"][0]["expectations"][0], real["tests"][0]["expectations"][1]
    assert {k: v for k, v in documented_item.items() if k != "offending"} == \
        {k: v for k, v in real_item.items() if k != "offending"}  # the slots' dates depend on the week
