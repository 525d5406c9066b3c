"""README's and docs/preview.md's `tkctl preview` commands, run as written (the screenshot ones by
test_preview_screenshots.py, with the same arguments), and the README's picture."""

from __future__ import annotations

import re
import shlex
import signal
import stat

from tests.e2e.test_preview import ROOT, STARTUP_GUARD_S, start_preview, widget_cache
from tests.e2e.test_preview_screenshots import README_PLAN_SCREENSHOT, README_SCREENSHOT

SECTION = "## Previewing the booking widget"


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index(SECTION):]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def test_the_readme_and_docs_show_the_same_commands():
    docs = (ROOT / "docs" / "preview.md").read_text()
    block = re.search(r"```sh\n(.*?)```", docs, re.S).group(1)
    assert [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()] == readme_commands()


def test_the_screenshot_commands_are_the_ones_the_screenshot_tests_run():
    commands = readme_commands()
    assert commands[2] == ["tkctl", "preview", *README_SCREENSHOT]
    assert commands[3] == ["tkctl", "preview", *README_PLAN_SCREENSHOT]


def test_the_serving_commands(tmp_path, tmp_path_factory):
    recorder = tmp_path / "browser"  # stands in for the user's web browser: notes the URL it is given
    recorder.write_text(f"#!/bin/sh\necho \"$1\" >> {tmp_path / 'opened'}\n")
    recorder.chmod(recorder.stat().st_mode | stat.S_IXUSR)
    serve_all, serve_one = readme_commands()[:2]
    assert serve_all == ["tkctl", "preview", "examples/clinic"]
    running = start_preview(*serve_all[2:], cache=widget_cache(tmp_path_factory))
    running.read_until("Press Ctrl-C to stop.")
    assert sorted(running.urls) == ["consultation", "minor-procedure", "physio"]
    running.process.send_signal(signal.SIGINT)
    assert running.process.wait(timeout=STARTUP_GUARD_S) == 0

    assert serve_one == ["tkctl", "preview", "examples/clinic", "--project", "physio", "--open"]
    running = start_preview(*serve_one[2:], cache=widget_cache(tmp_path_factory), env={"BROWSER": str(recorder)})
    running.read_until("Press Ctrl-C to stop.")
    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(timeout=STARTUP_GUARD_S) == 0
    assert (tmp_path / "opened").read_text().split() == [running.urls["physio"]]


def test_the_readme_picture_is_there_and_a_png():
    picture = re.search(r"!\[[^\]]*\]\((docs/[^)]+\.png)\)", (ROOT / "README.md").read_text()).group(1)
    assert picture == "docs/preview-clinic.png"
    assert (ROOT / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
