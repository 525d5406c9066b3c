"""Progress bars: drawn on a real terminal (a pty), never in a pipe, in CI or with -q; apply's
per-object lines stay whole lines on the screen while the bar is drawn below them."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import read_state, write_config
from tests.e2e.terminal import run_on_terminal, terminal_env

RESOURCES = {f"r{i}": {"name": f"Room {i}", "timezone": "UTC"} for i in range(1, 7)}
CALENDARS = {f"c{i}": {"resource": f"r{i}", "name": f"Clinic {i}", "description": "Open hours"} for i in range(1, 4)}
PROJECTS = {"p1": {"name": "Consult", "resources": ["r1", "r2"]}, "p2": {"name": "Tour", "resources": ["r3"]}}
SGR_COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;[25];[0-9;]+)m")


@pytest.fixture
def cfg(tmp_path):
    return write_config(tmp_path / "cfg", RESOURCES, CALENDARS, PROJECTS)


def saved_plan(tk, cfg) -> dict:
    assert tk("plan", cfg, "--out", cfg / "plan.json").code == 0
    return json.loads((cfg / "plan.json").read_text())


def state_ids(cfg) -> dict[str, str]:
    """address -> Timekit id, as apply recorded them."""
    return {address: entry["id"] for address, entry in read_state(cfg)["objects"].items()}


def test_apply_on_a_terminal_draws_bars_and_keeps_each_line_whole(tk, cfg):
    steps = len(saved_plan(tk, cfg)["steps"])
    run = run_on_terminal(["apply", cfg, "--auto-approve"], terminal_env(tk.emulator))
    assert run.code == 0, run.text
    # The bars were drawn, with their counts, while the work ran...
    assert "Reading the account" in run.text and re.search(r"\d+/\d+ pages", run.text)
    assert f"{steps}/{steps} steps" in run.text
    assert "steps/s" in run.text  # the rate column
    # ...and what stays on the screen is the plan and one whole line per object, no bar.
    screen = run.screen
    ids = state_ids(cfg)
    assert len(ids) == 11
    for address, id_ in ids.items():
        assert f"+ {address}: created ({id_})" in screen, "\n".join(screen)
    assert screen[-1] == "Apply complete: 11 created, 0 updated, 0 deleted, 0 adopted."
    assert not any("Applying" in line or "Reading the account" in line for line in screen)
    assert "Plan: 11 to create, 0 to update, 0 to delete." in screen


def test_with_stdout_in_a_file_the_lines_go_there_and_the_bar_to_the_terminal(tk, cfg):
    run = run_on_terminal(["apply", cfg, "--auto-approve"], terminal_env(tk.emulator), stdout_to_pipe=True)
    assert run.code == 0, run.text
    assert "Applying" in run.text  # stderr is the terminal: the bar is drawn there
    assert run.screen == []  # and cleared: nothing else went to the terminal
    ids = state_ids(cfg)
    lines = run.stdout.splitlines()
    assert [line for line in lines if ": created (" in line] == \
        [f"+ {a}: created ({ids[a]})" for a in sorted(ids, key=lambda a: ("resource", "calendar", "project").index(
            a.split(".")[0]))]
    assert "\x1b" not in run.stdout


def test_a_pipe_gets_no_progress(tk, cfg):
    r = tk.subprocess("apply", cfg, "--auto-approve", env={"CI": ""})
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert "\x1b" not in r.stdout and "Applying" not in r.stdout
    assert "+ resource.r1: created (" in r.stdout


@pytest.mark.parametrize("extra, args", [({"CI": "true"}, []), ({"CI": "1"}, []), ({"TERM": "dumb"}, []),
                                         ({}, ["-q"])], ids=["CI=true", "CI=1", "TERM=dumb", "-q"])
def test_no_bar_in_ci_on_a_dumb_terminal_or_with_q(tk, cfg, extra, args):
    run = run_on_terminal([*args, "apply", cfg, "--auto-approve"], terminal_env(tk.emulator, **extra))
    assert run.code == 0, run.text
    assert "Reading the account" not in run.text and "Applying" not in run.text
    assert run.screen[-1] == "Apply complete: 11 created, 0 updated, 0 deleted, 0 adopted."
    per_object = [line for line in run.screen if ": created (" in line]
    assert (per_object == []) is (args == ["-q"])


def test_no_color_keeps_the_bar_without_colour(tk, cfg):
    run = run_on_terminal(["apply", cfg, "--auto-approve"], terminal_env(tk.emulator, NO_COLOR="1"))
    assert run.code == 0, run.text
    assert "Applying" in run.text and "steps" in run.text
    assert not SGR_COLOUR.search(run.raw.decode()), "NO_COLOR is set, yet something is coloured"
    coloured = run_on_terminal(["plan", cfg], terminal_env(tk.emulator))
    assert SGR_COLOUR.search(coloured.raw.decode())  # the check above can fail: colour is the default


def test_reading_counts_pages_of_both_listings(tk, tmp_path):
    tk.emulator.seed(resources=[{"name": f"x{i:04d}", "timezone": "UTC"} for i in range(1500)])
    cfg = write_config(tmp_path / "cfg", {"r1": {"name": "Room", "timezone": "UTC"}})
    run = run_on_terminal(["plan", cfg], terminal_env(tk.emulator))
    assert run.code == 0, run.text
    # 1,500 resources are two pages of 1,000 and the projects one: the last frame says 3 of 3.
    assert "3/3 pages" in run.text
    assert not any("pages" in line for line in run.screen)
