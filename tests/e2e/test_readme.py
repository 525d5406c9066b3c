"""README's "Reviewed plans in CI" commands, exactly as written, against the emulator as a real
server, in a shell, with the example clinic as `config/`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import ROOT
from tkctl.config.cache import wait_for_writers


def readme_block(heading: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index(heading):]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_reviewed_plans_in_ci_commands_work_as_written(tk, tmp_path):
    commands = readme_block("### Reviewed plans in CI")
    assert [c.split()[1] for c in commands] == ["validate", "plan", "apply", "apply", "drift"]
    shutil.copytree(ROOT / "examples" / "clinic", tmp_path / "config", ignore=shutil.ignore_patterns(".tkctl"))
    env = {**os.environ, "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token,
           "NO_COLOR": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)

    validate, plan, apply_saved, apply_checksum, drift = commands
    r = run(validate)
    assert r.returncode == 0 and r.stdout.startswith("Config OK"), r.stderr

    r = run(plan)  # the pull request
    assert r.returncode == 0, r.stderr
    saved = json.loads((tmp_path / "plan.json").read_text())
    markdown = (tmp_path / "plan.md").read_text()
    assert markdown.startswith("<!-- tkctl:plan dir=config env=default -->")
    assert saved["checksum"] in markdown and saved["summary"]["create"] == 18

    r = run(apply_saved)  # the merge
    assert r.returncode == 0, r.stderr
    assert "Apply complete: 18 created, 0 updated, 0 deleted, 0 adopted." in r.stdout

    # The next pull request changes a widget; its reviewed checksum is applied on merge.
    widget = tmp_path / "config" / "widgets" / "consultation.json"
    widget.write_text(widget.read_text().replace('"display_name": "', '"display_name": "New: ', 1))
    assert run(plan).returncode == 0
    env["CHECKSUM"] = json.loads((tmp_path / "plan.json").read_text())["checksum"]
    r = run(apply_checksum)
    assert r.returncode == 0, r.stderr
    assert "Apply complete: 0 created, 1 updated, 0 deleted, 0 adopted." in r.stdout
    assert run(apply_checksum).returncode == 1  # that plan is applied; the checksum now differs

    r = run(drift)  # nightly
    assert r.returncode == 0 and "No drift." in (tmp_path / "drift.md").read_text()
    project = tk.api("/projects")[0]
    tk.request("PUT", f"/projects/{project['id']}", json={"name": "Edited in the admin UI"})
    r = run(drift)
    assert r.returncode == 2
    assert "Edited in the admin UI" in (tmp_path / "drift.md").read_text()


def test_environments_section_commands_work_as_written(tmp_path):
    """The two commands under "Environments and replication", run from a copy of the repository's
    examples folder, with the embedded emulator (no token needed for validate or --emulator)."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Environments and replication"):text.index("### Export, import, renames")]
    commands = [line.strip().split("#")[0].strip() for line in section.splitlines() if line.startswith("    tkctl ")]
    assert len(commands) == 2
    shutil.copytree(ROOT / "examples" / "clinic-environments", tmp_path / "examples" / "clinic-environments",
                    ignore=shutil.ignore_patterns(".tkctl"))
    env = {k: v for k, v in os.environ.items() if k not in ("TKCTL_ENV", "TIMEKIT_API_URL")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    validate = subprocess.run(["bash", "-c", commands[0]], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
    assert validate.returncode == 0, validate.stderr
    assert "environment staging" in validate.stdout and "environment production" in validate.stdout
    plan = subprocess.run(["bash", "-c", commands[1]], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert plan.returncode == 0, plan.stderr
    assert "Plan: 7 to create, 0 to update, 0 to delete." in plan.stdout  # 3 resources, 2 calendars, 2 projects


def test_config_cache_commands_work_as_written(tmp_path):
    """README "The config cache": the second plan comes from the cache, the third from the
    files, and all three print the same plan; TKCTL_NO_CACHE saves nothing."""
    commands = readme_block("### The config cache")
    assert len(commands) == 3 and commands[2].startswith("TKCTL_NO_CACHE=1 ")
    shutil.copytree(ROOT / "examples" / "clinic", tmp_path / "examples" / "clinic",
                    ignore=shutil.ignore_patterns(".tkctl"))
    cache = tmp_path / "cache"
    env = {**os.environ, "TKCTL_CACHE_DIR": str(cache), "NO_COLOR": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("TKCTL_NO_CACHE", None)

    def run(command: str) -> subprocess.CompletedProcess:
        r = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr
        return r

    first = run(commands[0])
    wait_for_writers(cache)  # the entry is written by a detached process once the plan is shown
    (entry,) = (cache / "config").glob("*.pickle")
    saved = entry.stat().st_mtime_ns
    second = run(commands[1])
    third = run(commands[2])
    plans = [re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", r.stdout) for r in (first, second, third)]
    assert plans[0] == plans[1] == plans[2]  # each run starts its own embedded emulator on a free port
    assert "18 to create" in plans[0]
    wait_for_writers(cache)
    assert [p.name for p in (cache / "config").glob("*.pickle")] == [entry.name]
    assert entry.stat().st_mtime_ns == saved  # the hit and the TKCTL_NO_CACHE run wrote nothing


def test_reading_and_planning_on_two_cores_commands_work_as_written(tmp_path):
    """README "Reading and planning on two cores": both commands validate the example alike."""
    commands = readme_block("### Reading and planning on two cores")
    assert len(commands) == 2 and commands[1].startswith("TKCTL_NO_FORK=1 ")
    shutil.copytree(ROOT / "examples" / "clinic", tmp_path / "examples" / "clinic",
                    ignore=shutil.ignore_patterns(".tkctl"))
    env = {**os.environ, "NO_COLOR": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    runs = [subprocess.run(["bash", "-c", c], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
            for c in commands]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert runs[0].stdout == runs[1].stdout == "Config OK: 7 resources, 8 calendars, 3 projects (examples/clinic).\n"
