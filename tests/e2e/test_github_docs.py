"""docs/ci.md's `tkctl github` commands, exactly as written, in a shell: tkctl against the emulator
as a real server and GitHub played by the fake GitHub; and the CLI's own error paths."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT
from tests.unit.github.fake_github import FakeGitHub

REPO = "octo-org/booking-config"


@pytest.fixture
def github():
    fake = FakeGitHub().start()
    fake.add_repo(REPO)
    for n in (1, 2, 3):
        fake.add_issue(REPO, f"Pull request {n}", pull_request=True)
    try:
        yield fake
    finally:
        fake.stop()


def docs_block() -> list[str]:
    text = (ROOT / "docs" / "ci.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_ci_docs_commands_work_as_written(tk, github, tmp_path):
    commands = docs_block()
    assert [c.split()[1] for c in commands] == ["plan", "github", "drift", "github"]
    shutil.copytree(ROOT / "examples" / "clinic", tmp_path / "config", ignore=shutil.ignore_patterns(".tkctl"))
    env = {**os.environ, "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token,
           "GITHUB_TOKEN": github.token, "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": github.url,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for name in ("GITHUB_EVENT_PATH", "GITHUB_SERVER_URL", "GITHUB_RUN_ID"):
        env.pop(name, None)

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)

    plan, comment, drift, issue = commands
    assert run(plan).returncode == 0
    r = run(comment)
    assert r.returncode == 0, r.stderr
    [posted] = github.comments_on(REPO, 3)
    assert r.stdout == f"Created the plan comment on pull request #3: {posted['html_url']}\n"
    assert posted["body"].startswith("<!-- tkctl:plan dir=config env=default -->")
    assert json.loads((tmp_path / "plan.json").read_text())["checksum"] in posted["body"]
    r = run(comment)
    assert r.returncode == 0 and r.stdout.startswith("Left unchanged the plan comment on pull request #3")

    assert tk("apply", tmp_path / "config", "--auto-approve").code == 0
    project = tk.api("/projects")[0]
    tk.request("PUT", f"/projects/{project['id']}", json={"name": "Edited in the admin UI"})
    assert run(drift).returncode == 0  # exit 2 is drift, not an error
    r = run(issue)
    assert r.returncode == 0, r.stderr
    [opened] = github.issues_of(REPO)
    assert r.stdout == f"Opened issue #{opened['number']}: {opened['html_url']}\n"
    assert opened["title"] == "Booking account drift" and "Edited in the admin UI" in opened["body"]
    assert github.token not in r.stdout + r.stderr


def github_env(monkeypatch, github: FakeGitHub, token: str | None = None) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", token or github.token)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_API_URL", github.url)
    for name in ("GITHUB_EVENT_PATH", "GITHUB_SERVER_URL", "GITHUB_RUN_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def saved_plan(tk, tmp_path) -> Path:
    shutil.copytree(ROOT / "examples" / "clinic", tmp_path / "config", ignore=shutil.ignore_patterns(".tkctl"))
    assert tk("plan", tmp_path / "config", "--out", tmp_path / "plan.json").code == 0
    return tmp_path / "plan.json"


def test_comment_with_a_bad_token_exits_1_naming_the_request(tk, github, monkeypatch, saved_plan):
    bad = "ghs_badTokenForTheCliTest000000000000"
    github_env(monkeypatch, github, bad)
    r = tk("github", "comment", "--plan", saved_plan, "--pr", "2")
    assert r.code == 1
    assert r.err == (f"error: GitHub API error 401 on GET /repos/{REPO}/issues/2/comments: Bad credentials; check the "
                     "token in GITHUB_TOKEN (request id " + r.err.split("(request id ")[1])
    assert bad not in r.text and tk.emulator.token not in r.text


def test_comment_on_a_missing_pull_request_and_bad_inputs(tk, github, monkeypatch, saved_plan, tmp_path):
    github_env(monkeypatch, github)
    r = tk("github", "comment", "--plan", saved_plan, "--pr", "99")
    assert r.code == 1 and f"GitHub API error 404 on GET /repos/{REPO}/issues/99/comments: Not Found" in r.err
    r = tk("github", "comment", "--plan", saved_plan)
    assert r.code == 1 and "error: no pull request number: pass --pr N" in r.err
    (tmp_path / "drift.json").write_text('{"report": "drift"}')
    r = tk("github", "comment", "--plan", tmp_path / "drift.json", "--pr", "1")
    assert r.code == 1 and r.err.startswith(f"error: {tmp_path / 'drift.json'} is not a plan tkctl can use")
    monkeypatch.delenv("GITHUB_TOKEN")
    r = tk("github", "comment", "--plan", saved_plan, "--pr", "1")
    assert r.code == 1 and "GITHUB_TOKEN is not set" in r.err
    assert github.writes() == []


def test_issue_needs_a_tkctl_report(tk, github, monkeypatch, tmp_path):
    github_env(monkeypatch, github)
    (tmp_path / "notes.md").write_text("# Some notes\n")
    r = tk("github", "issue", "--markdown", tmp_path / "notes.md")
    assert r.code == 1 and "the report does not start with a tkctl marker line" in r.err
    r = tk("github", "issue", "--markdown", tmp_path / "missing.md")
    assert r.code == 1 and r.err == f"error: cannot read the report {tmp_path / 'missing.md'}: No such file or directory\n"
    (tmp_path / "binary.md").write_bytes(b"\xff\xfe")
    r = tk("github", "issue", "--markdown", tmp_path / "binary.md")
    assert r.code == 1 and "is not UTF-8 text" in r.err
    assert github.requests == []
    r = tk("github", "issue", "--markdown", tmp_path / "notes.md", "--close")
    assert r.code == 1


def test_comment_is_in_tkctl_help(tk):
    r = tk("--help")
    assert r.code == 0 and "github" in r.out
    r = tk("github", "issue", "--help")
    assert r.code == 0 and "--close" in r.out


def test_comment_and_issue_in_process(tk, github, monkeypatch, saved_plan, tmp_path):
    github_env(monkeypatch, github)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_RUN_ID", "12")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 2, "pull_request": {"number": 2}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    r = tk("github", "comment", "--plan", saved_plan, "--artifact", "plans", "--max-chars", "5000")
    [posted] = github.comments_on(REPO, 2)
    assert r.code == 0 and r.out == f"Created the plan comment on pull request #2: {posted['html_url']}\n"
    assert len(posted["body"]) <= 5000 and "artifact `plans` of that run" in posted["body"]

    report = tmp_path / "drift.md"
    report.write_text("<!-- tkctl:drift dir=config env=default -->\n### tkctl drift\n\n**Drift: 1 object changed.**\n")
    r = tk("github", "issue", "--markdown", report, "--label", "tkctl")
    [issue] = github.issues_of(REPO)
    assert r.code == 0 and r.out == f"Opened issue #{issue['number']}: {issue['html_url']}\n"
    assert issue["body"].endswith("<sub>Posted by tkctl: [workflow run](https://github.com/octo-org/booking-config/"
                                  "actions/runs/12).</sub>\n")
    r = tk("github", "issue", "--markdown", report, "--close")
    assert r.code == 0 and r.out == f"Closed issue #{issue['number']}: {issue['html_url']}\n"
    r = tk("github", "issue", "--markdown", report, "--close")
    assert r.code == 0 and r.out == "No open drift issue to close; nothing to do.\n"
