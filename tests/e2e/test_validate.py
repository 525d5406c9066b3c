"""`tkctl validate` through click's runner and through the real entry point `tkctl.cli.main`."""

from __future__ import annotations

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


def test_main_ok_for_the_clinic(offline, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", "examples/clinic"]) == 0
    out, err = capsys.readouterr()
    assert out == "Config OK: 7 resources, 8 calendars, 3 projects (examples/clinic).\n"
    assert err == ""


def test_main_defaults_to_the_current_directory(offline, monkeypatch, capsys):
    monkeypatch.chdir(REPO / "examples/clinic")
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == "Config OK: 7 resources, 8 calendars, 3 projects (.).\n"


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
    assert main(["validate", "a", "b"]) == 64
    assert "Got unexpected extra argument (b)" in capsys.readouterr().err


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
    assert result.output == "Config OK: 7 resources, 8 calendars, 3 projects (examples/clinic).\n"


def test_click_runner_problems_raise_config_error(broken):
    main(["--version"])  # registers the subcommands on the group, as the entry point does
    result = CliRunner().invoke(cli, ["validate", "cfg"])
    assert result.exit_code == 1
    assert isinstance(result.exception, ConfigError)
    assert f"error: {result.exception}\n" == BROKEN_OUTPUT
