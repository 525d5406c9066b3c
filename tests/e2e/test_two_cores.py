"""The real CLI reading a large config on two cores (config/twocores.py) says and plans exactly
what it says and plans in one process (`TKCTL_NO_FORK=1`), mistakes included."""

from __future__ import annotations

import os
import re

import pytest

from tests.unit.config.bigconfig import write_big_config

SECOND_PROCESS = re.compile(r"debug: config: (\d+) of (\d+) object files read in a second process")


@pytest.fixture
def big(tmp_path):
    """1,500 resources, 3,000 calendars, 40 projects: calendars.yaml alone is past the size
    worth a second process, and is not the largest file."""
    root = tmp_path / "big"
    root.mkdir()
    (root / "tkctl.yaml").write_text("state: state.json\n")
    write_big_config(root, resources=1500, projects=40)
    return root


def _both(tk, *args: str):
    two = tk.subprocess(*args, "-vv", env={"TKCTL_NO_CACHE": "1"})
    one = tk.subprocess(*args, env={"TKCTL_NO_CACHE": "1", "TKCTL_NO_FORK": "1"})
    # A machine with one usable core reads everything in one process either way.
    assert bool(SECOND_PROCESS.search(two.stderr)) == (len(os.sched_getaffinity(0)) >= 2), two.stderr[-2000:]
    assert not SECOND_PROCESS.search(one.stderr)
    return two, one


def test_validate_on_two_cores_says_what_one_process_says(tk, big):
    two, one = _both(tk, "validate", big)
    assert (two.returncode, two.stdout) == (one.returncode, one.stdout) == (0, one.stdout)
    assert "1500 resources, 3000 calendars, 40 projects" in one.stdout


def test_a_mistake_across_files_is_named_at_its_line_on_two_cores(tk, big):
    calendars = big / "calendars.yaml"
    text = calendars.read_text()
    calendars.write_text(text.replace("resource: r-0700\n", "resource: r-9999\n", 1))
    two, one = _both(tk, "validate", big)
    assert two.returncode == one.returncode == 1
    line = text[:text.index("resource: r-0700\n")].count("\n") + 1
    where = f"calendars.yaml, line {line}, column 5: calendar \"c-0700-0\": resource: refers to resource \"r-9999\""

    def problems(stderr: str) -> list[str]:  # -vv adds log lines and the error's traceback
        return [line for line in stderr.splitlines() if line.startswith("  ") and "big/" in line]

    assert list(dict.fromkeys(problems(two.stderr))) == problems(one.stderr)
    assert any(where in p for p in problems(one.stderr)), one.stderr


def test_plans_on_two_cores_are_the_plans_of_one_process(tk, big):
    two, one = _both(tk, "plan", big, "--format", "json")
    assert two.returncode == one.returncode == 0
    assert two.stdout == one.stdout
