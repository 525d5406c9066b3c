"""`tkctl preview` refusing, with a message that says what to do: no widget to be had, no browser,
an unknown project, a plan that changes no project. None of these starts a browser."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from tests.e2e.test_preview import CLINIC, widget_cache
from tkctl.cli import main
from tkctl.preview.bundle import PACKAGE, VERSION


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["preview", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def cached(tmp_path_factory, monkeypatch) -> Path:
    """The session's widget cache (filled by the other preview tests, or on first use here)."""
    cache = widget_cache(tmp_path_factory)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def test_offline_with_nothing_cached_it_says_exactly_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9")  # nothing listens on port 9
    code, out, err = run(capsys, str(CLINIC))
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[-3].startswith(f"error: Timekit's booking widget ({PACKAGE} {VERSION}) is not in the cache "
                                f"({tmp_path / 'empty-cache' / 'tkctl'}) and could not be downloaded from "
                                f"http://127.0.0.1:9/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz: ")
    assert lines[-2].startswith("  Either run this once where the npm registry can be reached")
    assert lines[-1] == (f"  or download {PACKAGE}-{VERSION}.tgz yourself (`npm pack {PACKAGE}@{VERSION}`), unpack "
                         "it and pass --widget-js package/public/build/booking.min.js")
    assert not (tmp_path / "empty-cache" / "tkctl" / f"{PACKAGE}-{VERSION}.tgz").exists()


def test_a_widget_js_that_is_not_there(tmp_path, capsys):
    code, _, err = run(capsys, str(CLINIC), "--widget-js", str(tmp_path / "nope.js"))
    assert code == 1
    assert err.splitlines()[-1] == f"error: --widget-js {tmp_path / 'nope.js'}: cannot read it (no such file)"


def test_an_unknown_project_is_a_usage_error_listing_the_projects(capsys):
    code, _, err = run(capsys, str(CLINIC), "--project", "dentist")
    assert code == 64
    assert err.splitlines()[-1] == ("Error: --project dentist: no such project in the config. Projects: "
                                    "consultation, minor-procedure, physio")


def test_a_port_in_use(capsys, cached):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, str(CLINIC), "--port", str(port))
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == (f"error: cannot serve the preview on 127.0.0.1:{port}: Address already in use; "
                                    "choose another --port, or leave it out for a free one")


def test_screenshots_without_chromium_say_how_to_install_it(tmp_path, monkeypatch, capsys, cached):
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser on it
    code, out, err = run(capsys, str(CLINIC), "--screenshot", str(tmp_path / "shots"))
    assert (code, out) == (1, "")
    err = err.splitlines()[-1]  # after the config's warnings
    assert err.startswith("error: screenshots need a Chromium browser and none was found on PATH (chromium, ")
    assert "Debian and Ubuntu: `sudo apt-get install chromium`" in err and "--chromium PATH" in err
    assert not (tmp_path / "shots").exists()


def test_a_chromium_path_that_is_not_a_program(tmp_path, capsys, cached):
    code, _, err = run(capsys, str(CLINIC), "--screenshot", str(tmp_path / "shots"), "--chromium",
                       str(tmp_path / "chrome"))
    assert code == 1
    assert err.splitlines()[-1].startswith(f"error: --chromium {tmp_path / 'chrome'}: no such executable; install Chromium")


def test_a_plan_that_changes_no_project_previews_nothing(tmp_path, monkeypatch, capsys, cached):
    shutil.copytree(CLINIC, tmp_path / "clinic", ignore=shutil.ignore_patterns(".tkctl"))
    monkeypatch.chdir(tmp_path)
    assert main(["apply", "--emulator", "clinic", "--auto-approve"]) == 0
    resources = (tmp_path / "clinic" / "resources.yaml").read_text()
    (tmp_path / "clinic" / "resources.yaml").write_text(resources.replace("name: Consultation room 1",
                                                                          "name: Room 1"))
    assert main(["plan", "--emulator", "clinic", "--out", "plan.json"]) == 0
    assert [c["kind"] for c in json.loads((tmp_path / "plan.json").read_text())["changes"]] == ["resource"]
    code, out, _ = run(capsys, "--plan", "plan.json", "--screenshot", str(tmp_path / "shots"))
    assert (code, out) == (0, "The plan plan.json changes no project that is in the config: nothing to preview.\n")
    assert not (tmp_path / "shots").exists()
