"""`tkctl validate` through click's runner and through the real entry point `tkctl.cli.main`."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from tkctl.cli import cli, main
from tkctl.cli import validate
from tkctl.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
BROKEN = {
    "resources.yaml": "resources:\n  dr-jones: {name: Dr Jones, timezone: Europe/Copenhagen}\n",
    "projects.yaml": "projects:\n  consult:\n    name: Consult\n    resources: [dr-jones, dr-who]\n    availabilty: {}\n",
}
BROKEN_OUTPUT = (
    "error: 2 problems in the config:\n"
    '  cfg/projects.yaml, line 4, column 27: project "consult": resources[1]: refers to resource "dr-who", '
    "which is not defined. Defined resources: dr-jones.\n"
    '  cfg/projects.yaml, line 5, column 5: project "consult": availabilty: unknown field; did you mean "availability"?\n'
)
# The clinic example is free of warnings. Its deliberately broken variant keeps the mistake
# the clinic once had (issue 14): allow_weekdays next to allow_hours, which Timekit adds up.
CLINIC_OK = "Config OK: 7 resources, 8 calendars, 3 projects (examples/clinic).\n"
BROKEN_HOURS = "examples/clinic-broken-hours"
BROKEN_HOURS_WARNING = (
    "warning: 1 warning in the config:\n"
    '  examples/clinic-broken-hours/resources.yaml, line 12, column 9: resource "nurse-berg": '
    "availability_constraints[0]: allow_weekdays and allow_hours add up: Timekit opens every time that any allow_* "
    "rule allows, so this list opens Monday to Friday around the clock and 10:00-18:00 on every other day. To open "
    "only 10:00-18:00 on Monday to Friday, replace allow_weekdays with block_weekends, or write one "
    "allow_day_and_time per day\n"
)
BROKEN_HOURS_OK = "Config OK: 1 resource, 0 calendars, 1 project (examples/clinic-broken-hours); 1 warning (above).\n"


@pytest.fixture
def broken(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "cfg"
    root.mkdir()
    for name, text in BROKEN.items():
        (root / name).write_text(text)
    return root


@pytest.fixture
def offline(monkeypatch):
    """No token, no API URL, and any attempt to open a connection fails the test."""
    for name in ("TIMEKIT_APP_TOKEN", "TIMEKIT_API_URL"):
        monkeypatch.delenv(name, raising=False)

    def refuse(*args, **kwargs):
        raise AssertionError("tkctl validate tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_main_ok_for_the_clinic_without_warnings(offline, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", "examples/clinic"]) == 0
    assert capsys.readouterr() == (CLINIC_OK, "")
    assert main(["validate", "--strict", "examples/clinic"]) == 0


def test_main_warns_about_allow_weekdays_next_to_allow_hours(offline, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", BROKEN_HOURS]) == 0
    assert capsys.readouterr() == (BROKEN_HOURS_OK, BROKEN_HOURS_WARNING)


def test_main_defaults_to_the_current_directory(offline, monkeypatch, capsys):
    monkeypatch.chdir(REPO / "examples/clinic")
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == "Config OK: 7 resources, 8 calendars, 3 projects (.).\n"


def test_strict_fails_on_warnings(offline, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", "--strict", BROKEN_HOURS]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == BROKEN_HOURS_WARNING + "error: --strict: the 1 warning above count as problems\n"


def test_strict_without_warnings_passes(offline, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "objects.yaml").write_text("resources:\n  r: {name: R, timezone: UTC}\n")
    assert main(["validate", "--strict"]) == 0
    assert capsys.readouterr() == ("Config OK: 1 resource, 0 calendars, 0 projects (.).\n", "")


def test_warnings_come_before_problems(offline, broken, capsys):
    (broken / "widget.yaml").write_text("projects:\n  w: {name: W, ui: {show_credit: false}}\n")
    assert main(["validate", "cfg"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "warning: 1 warning in the config:\n"
        '  cfg/widget.yaml, line 2, column 21: project "w": ui.show_credit: unknown widget setting (the booking widget '
        'ignores it); did you mean "show_credits"?\n' + BROKEN_OUTPUT
    )


def test_json_for_the_clinic(offline, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", "examples/clinic", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out) == {
        "format_version": 1, "ok": True, "config_dir": "examples/clinic",
        "objects": {"resource": 7, "calendar": 8, "project": 3}, "problems": [], "warnings": [],
    }


def test_json_for_the_broken_hours_example(offline, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", BROKEN_HOURS, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    data = json.loads(out)
    assert [(w["file"], w["line"], w["column"], w["object"], w["field"]) for w in data["warnings"]] == [
        ("examples/clinic-broken-hours/resources.yaml", 12, 9, 'resource "nurse-berg"', "availability_constraints[0]"),
    ]
    assert [f"  {w['file']}, line {w['line']}, column {w['column']}: {w['object']}: {w['field']}: {w['message']}"
            for w in data["warnings"]] == BROKEN_HOURS_WARNING.splitlines()[1:]
    assert main(["validate", BROKEN_HOURS, "--format", "json", "--strict"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_json_for_problems(broken, capsys):
    assert main(["validate", "cfg", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out) == {
        "format_version": 1,
        "ok": False,
        "config_dir": "cfg",
        "objects": None,
        "problems": [
            {"file": "cfg/projects.yaml", "line": 4, "column": 27, "object": 'project "consult"', "field": "resources[1]",
             "message": 'refers to resource "dr-who", which is not defined. Defined resources: dr-jones.'},
            {"file": "cfg/projects.yaml", "line": 5, "column": 5, "object": 'project "consult"', "field": "availabilty",
             "message": 'unknown field; did you mean "availability"?'},
        ],
        "warnings": [],
    }


def test_json_for_findings_without_a_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIMEKIT_API_URL", "localhost:8080")
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg/objects.yaml").write_bytes(b"\xff")
    assert main(["validate", "cfg", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["problems"] == [
        {"file": None, "line": None, "column": None, "object": None, "field": "environment variable TIMEKIT_API_URL",
         "message": "must be an http:// or https:// URL (got 'localhost:8080')"},
        {"file": "cfg/objects.yaml", "line": None, "column": None, "object": None, "field": None,
         "message": "cannot be read: not UTF-8 text (invalid start byte at byte 0)"},
    ]


def test_unknown_format_is_a_usage_error(capsys):
    assert main(["validate", "--format", "yaml"]) == 64
    assert "'yaml' is not one of 'text', 'json'" in capsys.readouterr().err


def _doc_block(name: str) -> str:
    doc = (REPO / "docs/validate.md").read_text()
    match = re.search(rf"<!-- validate-example: {re.escape(name)} -->\n```\w+\n(.*?)```", doc, re.S)
    assert match, f"docs/validate.md has no example block {name!r}"
    return match.group(1)


def test_the_documented_examples_are_what_validate_prints(offline, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cfg").mkdir()
    config = _doc_block("cfg/projects.yaml")
    (tmp_path / "cfg/projects.yaml").write_text(config)
    assert main(["validate", "cfg", "--format", "json"]) == 1
    assert capsys.readouterr() == (_doc_block("output"), "")
    (tmp_path / "cfg/projects.yaml").write_text(config.replace("20 minutez", "20 minutes"))
    assert main(["validate", "cfg"]) == 0
    out, err = capsys.readouterr()
    assert err + out == _doc_block("text")


def test_main_reports_every_problem_and_exits_1(broken, capsys):
    assert main(["validate", "cfg"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == BROKEN_OUTPUT


def test_main_missing_directory_is_an_error_not_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "nowhere"]) == 1
    assert capsys.readouterr().err == "error: 1 problem in the config:\n  nowhere: config directory does not exist\n"


def test_main_usage_error_exits_64(capsys):
    assert main(["validate", "--nope"]) == 64
    assert "No such option '--nope'" in capsys.readouterr().err


def test_validate_takes_the_files_pre_commit_passes(capsys, tmp_path, monkeypatch):
    """Each file's config folder is checked once; files that are not tkctl config are left out."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "tkctl.yaml").write_text("state: s.json\n")
    (tmp_path / "cfg" / "a.yaml").write_text("resources:\n  r: {name: R, timezone: UTC}\n")
    (tmp_path / "cfg" / "b.yaml").write_text("resources:\n  q: {name: Q, timezone: UTC}\n")
    (tmp_path / "workflow.yaml").write_text("on: push\n")
    assert main(["validate", "cfg/a.yaml", "cfg/b.yaml", "workflow.yaml"]) == 0
    out = capsys.readouterr().out
    assert out == "Config OK: 2 resources, 0 calendars, 0 projects (cfg).\n"
    assert main(["validate", "workflow.yaml"]) == 0
    assert capsys.readouterr().out == "No tkctl config among the files given.\n"


def test_validate_needs_no_token_and_no_network(offline, monkeypatch, tmp_path, capsys):
    # even a token_env naming an unset variable and an unreachable api_url are fine offline
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tkctl.yaml").write_text("api_url: http://127.0.0.1:9/v2\ntoken_env: NOT_SET_ANYWHERE\n")
    (tmp_path / "objects.yaml").write_text("resources:\n  r: {name: R, timezone: UTC}\n")
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == "Config OK: 1 resource, 0 calendars, 0 projects (.).\n"


def test_click_runner_ok(offline, monkeypatch):
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(validate.command, ["examples/clinic"])
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == (CLINIC_OK, "")


def test_click_runner_problems_raise_config_error(broken):
    main(["--version"])  # registers the subcommands on the group, as the entry point does
    result = CliRunner().invoke(cli, ["validate", "cfg"])
    assert result.exit_code == 1
    assert isinstance(result.exception, ConfigError)
    assert f"error: {result.exception}\n" == BROKEN_OUTPUT
