"""The commands at the top of docs/terminal.md, exactly as written, in a shell, against the
emulator as a real server, with the example clinic as `config/`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import ROOT
from tests.e2e.test_terminal_logging import TIMING_LINE
from tests.unit.render.test_render_html import Page

REQUEST_LINE = re.compile(r"^info: GET /\S+ -> 200 in \d+ ms \(request id [0-9a-f-]+, 0 retries\)$")


def doc_commands() -> list[str]:
    text = (ROOT / "docs" / "terminal.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_terminal_doc_commands_work_as_written(tk, tmp_path):
    commands = doc_commands()
    assert [c.split()[1:3] for c in commands] == [["-v", "plan"], ["plan", "config/"], ["show", "plan.json"],
                                                  ["-q", "apply"], ["graph", "config/"], ["graph", "config/"]]
    shutil.copytree(ROOT / "examples" / "clinic", tmp_path / "config", ignore=shutil.ignore_patterns(".tkctl"))
    env = {**{k: v for k, v in os.environ.items() if k != "TKCTL_LOG"}, "TIMEKIT_API_URL": tk.emulator.base_url,
           "TIMEKIT_APP_TOKEN": tk.emulator.token, "NO_COLOR": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def run(command: str) -> subprocess.CompletedProcess:
        r = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"{command}\n{r.stderr}"
        return r

    verbose, html_plan, html_show, quiet_apply, mermaid, dot = commands
    r = run(verbose)
    assert "Plan: 18 to create, 0 to update, 0 to delete." in r.stdout
    logged = [line for line in (tmp_path / "requests.log").read_text().splitlines() if line.startswith("info:")]
    requests = [line for line in logged if REQUEST_LINE.match(line)]
    assert len(requests) == 3
    timings = [TIMING_LINE.match(line) for line in logged if line not in requests]
    assert len(timings) == 5 and all(timings) and {m[1] for m in timings} == {"state", "account", "config", "plan"}

    run(html_plan)
    run(html_show)
    assert (tmp_path / "plan.html").read_text() == (tmp_path / "reviewed.html").read_text()
    assert len(Page((tmp_path / "plan.html").read_text()).root.find("details")) == 18

    r = run(quiet_apply)
    assert ": created (" not in r.stdout and r.stdout.rstrip().endswith(
        "Apply complete: 18 created, 0 updated, 0 deleted, 0 adopted.")
    log = (tmp_path / "apply.log").read_text()
    assert "tkctl -q apply plan.json --log-file apply.log" in log.splitlines()[0]
    assert log.count(" INFO tkctl.http: POST /resources -> 201 in ") == 7
    assert tk.emulator.token not in log and not any(r["api_token"] in log for r in tk.api("/resources"))
    assert json.loads((tmp_path / "plan.json").read_text())["summary"]["create"] == 18

    run(mermaid)
    assert (tmp_path / "graph.mmd").read_text().splitlines()[1] == "flowchart RL"
    run(dot)
    assert (tmp_path / "graph.dot").read_text().splitlines()[1] == "digraph tkctl {"
