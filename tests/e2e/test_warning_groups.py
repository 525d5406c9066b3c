"""A warning many objects share is shown for a few of them on plan, and counted for the rest;
`tkctl validate` still lists every one."""

from __future__ import annotations

from tests.e2e.conftest import write_config

NO_WEEK_PRESET = 'ui.availability_view: booking.js has no preset for "timeGridWeek"'


def _projects(count: int) -> dict:
    return {f"p{i}": {"name": f"Project {i}", "ui": {"availability_view": "timeGridWeek"}} for i in range(count)}


def test_plan_shows_three_of_a_shared_warning_and_counts_the_rest(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", projects=_projects(7))
    result = tk("plan", cfg)
    assert result.code == 0, result.text
    lines = result.err.splitlines()
    assert lines[0] == "warning: 7 warnings in the config (tkctl validate shows them too):"
    shown = [line for line in lines if NO_WEEK_PRESET in line and "more of this warning" not in line]
    assert [line.split('project "')[1].split('"')[0] for line in shown] == ["p0", "p1", "p2"]
    assert lines[4].startswith("  ... and 4 more of this warning (ui.availability_view: booking.js has no preset")
    assert lines[4].endswith("); tkctl validate lists them all")
    assert len(lines) == 5

    listed = tk("validate", cfg)
    assert listed.code == 0
    assert sum(NO_WEEK_PRESET in line for line in listed.err.splitlines()) == 7


def test_plan_lists_a_warning_shared_by_three_objects_in_full(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", projects=_projects(3))
    result = tk("plan", cfg)
    assert result.code == 0, result.text
    lines = result.err.splitlines()
    assert lines[0] == "warning: 3 warnings in the config (tkctl validate shows them too):"
    assert sum(NO_WEEK_PRESET in line for line in lines) == 3
    assert not any("more of this warning" in line for line in lines)
