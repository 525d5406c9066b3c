"""The example workflows in examples/github/, run job by job as GitHub would run them: the tkctl
action's steps for real (tkctl against the emulator, GitHub played by the fake GitHub), the
state committed and pushed to a real git remote, and other actions' inputs checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import write_config
from tests.unit.github.actions_runner import ROOT, ActionRunner, Expressions
from tests.unit.github.fake_github import FakeGitHub

EXAMPLES = ROOT / "examples" / "github"
WORKFLOWS = sorted(EXAMPLES.glob("*.yml"))
OUR_ACTION = "your-org/tkctl@v1"
REPO = "octo-org/booking-config"
PR = 3


def load(name: str) -> dict:
    # PyYAML reads a bare `on:` key as True (YAML 1.1); GitHub reads it as "on".
    workflow = yaml.safe_load((EXAMPLES / name).read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_there_are_three_workflows():
    assert [w.name for w in WORKFLOWS] == ["tkctl-apply.yml", "tkctl-drift.yml", "tkctl-plan.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_shape(path):
    workflow = load(path.name)
    inputs = set(yaml.safe_load((ROOT / "action.yml").read_text())["inputs"])
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if step.get("uses") == OUR_ACTION:
                assert set(step["with"]) <= inputs, step["with"]
            if "run" in step:
                # Expressions never go into a script (script injection): they come in through env.
                assert "${{" not in step["run"], step["run"]
                assert subprocess.run(["bash", "-n"], input=step["run"], text=True).returncode == 0
    permissions = workflow["permissions"]
    needed = {"tkctl-plan.yml": {"pull-requests": "write"}, "tkctl-apply.yml": {"contents": "write", "actions": "read"},
              "tkctl-drift.yml": {"issues": "write"}}[path.name]
    assert needed.items() <= permissions.items()


class Job:
    """Runs one job of an example workflow in a git checkout with a real remote."""

    def __init__(self, tmp_path: Path, emulator, github: FakeGitHub, tk):
        self.tmp = tmp_path
        self.emulator, self.github, self.tk = emulator, github, tk
        self.workspace = tmp_path / "repo"
        write_config(self.workspace / "config", {"room-1": {"name": "Room 1", "timezone": "UTC"}},
                     settings={"state": "tkctl-state.json"})
        remote = tmp_path / "origin.git"
        git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
        git(self.workspace, "init", "-q", "-b", "main")
        git(self.workspace, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty",
            "-m", "start")
        git(self.workspace, "remote", "add", "origin", str(remote))
        git(self.workspace, "add", "config")
        git(self.workspace, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "config")
        git(self.workspace, "push", "-q", "-u", "origin", "main")  # as actions/checkout leaves it
        self.remote = remote
        self.temp = tmp_path / "runner-temp"
        self.temp.mkdir()
        self.downloads: list[dict] = []

    def run(self, workflow: str, job: str, event_name: str, event: dict, inputs: dict | None = None,
            stand_in: dict | None = None) -> list:
        """Run the job's steps; `stand_in` gives the outputs of steps that need GitHub's hosted
        tools (the gh CLI), by step id. Returns the action runs."""
        (self.tmp / "event.json").write_text(json.dumps(event))
        github = {"token": self.github.token, "event_name": event_name, "event": event, "repository": REPO}
        spec = load(workflow)["jobs"][job]
        context = {"github": github, "secrets": {"TIMEKIT_APP_TOKEN": self.emulator.token}, "inputs": inputs or {},
                   "steps": {}}
        expressions = Expressions(context)
        assert expressions.condition(spec.get("if"), failed=False), f"job {job} would not run on {event_name}"
        env = {"GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(self.tmp / "event.json"),
               "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": self.github.url, "GITHUB_SERVER_URL": "https://github.com",
               "GITHUB_RUN_ID": "77", "TIMEKIT_API_URL": self.emulator.base_url}
        runner = ActionRunner(self.workspace, self.temp, env, github)
        runs = []
        for step in spec["steps"]:
            with_ = {k: expressions.text(v) for k, v in (step.get("with") or {}).items()}
            if step.get("uses") == OUR_ACTION:
                run = runner.run(with_)
                assert not run.failed, run.text
                runs.append(run)
                outputs = run.outputs
            elif step.get("uses") == "actions/download-artifact@v4":
                # What the plan workflow uploaded, where the apply workflow downloads it.
                assert with_["run-id"] == stand_in["plan-run"]["run-id"] and with_["github-token"] == self.github.token
                self.downloads.append(with_)
                outputs = {}
            elif "uses" in step:
                assert step["uses"] == "actions/checkout@v4"
                outputs = {}
            elif step.get("id") in (stand_in or {}):
                outputs = stand_in[step["id"]]
            else:
                step_env = {**runner.base_env(), **env, **{k: expressions.text(v) for k, v in (step.get("env") or {}).items()}}
                done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                      cwd=self.workspace, env=step_env, capture_output=True, text=True)
                assert done.returncode == 0, done.stderr
                outputs = {}
            if step.get("id"):
                context["steps"][step["id"]] = {"outputs": outputs}
        return runs


@pytest.fixture
def github():
    fake = FakeGitHub().start()
    fake.add_repo(REPO)
    for n in range(1, PR + 1):
        fake.add_issue(REPO, f"Pull request {n}", pull_request=True)
    try:
        yield fake
    finally:
        fake.stop()


def test_pull_request_then_merge_then_nightly_drift(tmp_path, emulator, github, tk):
    job = Job(tmp_path, emulator, github, tk)
    pr_event = {"action": "opened", "number": PR, "pull_request": {"number": PR, "merged": False,
                                                                   "head": {"sha": "abc123"}, "base": {"ref": "main"}}}
    validate, plan = job.run("tkctl-plan.yml", "plan", "pull_request", pr_event)
    assert "Config OK: 1 resource" in validate.text
    [comment] = github.comments_on(REPO, PR)
    assert comment["body"].startswith("<!-- tkctl:plan dir=config env=default -->")
    [upload] = [s for s in plan.uses if s.uses == "actions/upload-artifact@v4"]

    # The merge: the artifact the plan run uploaded is downloaded into tkctl-plan/.
    artifact = job.workspace / "tkctl-plan"
    artifact.mkdir()
    for file in upload.with_["path"].split():
        (artifact / Path(file).name).write_text(Path(file).read_text())
    merged = {**pr_event, "action": "closed", "pull_request": {**pr_event["pull_request"], "merged": True}}
    [apply] = job.run("tkctl-apply.yml", "apply-reviewed-plan", "pull_request", merged,
                      stand_in={"plan-run": {"run-id": "9001"}})
    assert upload.with_["name"] == job.downloads[0]["name"] == "tkctl-plan"
    assert apply.outputs["checksum"] == plan.outputs["checksum"]
    assert [r["name"] for r in tk.api("/resources")] == ["Room 1"]
    # The state the apply wrote was committed and pushed.
    state = json.loads(git(job.remote, "show", "main:config/tkctl-state.json"))
    assert list(state["objects"]) == ["resource.room-1"]
    assert "tkctl: state after applying" in git(job.remote, "log", "-1", "--format=%s", "main")

    # Nightly: the room was renamed in the admin UI, so one issue is opened.
    room = tk.api("/resources")[0]
    tk.request("PUT", f"/resources/{room['id']}", json={"name": "Room 1 (admin UI)"})
    [drift] = job.run("tkctl-drift.yml", "drift", "schedule", {"schedule": "17 3 * * *"})
    assert drift.outputs["drift"] == "true"
    [issue] = github.issues_of(REPO)
    assert issue["body"].startswith("<!-- tkctl:drift dir=config env=default -->") and "Room 1 (admin UI)" in issue["body"]


def test_apply_by_checksum_by_hand(tmp_path, emulator, github, tk):
    job = Job(tmp_path, emulator, github, tk)
    plan = tk("plan", job.workspace / "config", "--format", "json")
    checksum = json.loads(plan.out)["checksum"]
    [apply] = job.run("tkctl-apply.yml", "apply-checksum", "workflow_dispatch", {"inputs": {"checksum": checksum}},
                      inputs={"checksum": checksum})
    assert apply.outputs["checksum"] == checksum and apply.outputs["has_changes"] == "true"
    assert git(job.remote, "log", "-1", "--format=%s", "main").strip() == f"tkctl: state after applying plan {checksum}"


def test_gitlab_example_scripts(tmp_path, tk):
    pipeline = yaml.safe_load((ROOT / "examples" / "gitlab" / ".gitlab-ci.yml").read_text())
    assert pipeline["stages"] == ["validate", "plan", "apply"]
    write_config(tmp_path / "config", {"room-1": {"name": "Room 1", "timezone": "UTC"}})
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp_path)), **pipeline["variables"],
           "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token,
           }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"

    def job(name: str) -> subprocess.CompletedProcess:
        spec = pipeline[name]
        script = "\n".join(spec["script"])
        done = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)
        allowed = {0, *((spec.get("allow_failure") or {}).get("exit_codes") or [])}
        assert done.returncode in allowed, done.stderr
        return done

    assert job("validate").stdout.startswith("Config OK: 1 resource")
    plan = job("plan")
    assert "Plan: 1 to create" in plan.stdout and {"plan.md", "plan.json"} <= {p.name for p in tmp_path.iterdir()}
    assert set(pipeline["plan"]["artifacts"]["paths"]) == {"plan.md", "plan.json"}
    assert pipeline["apply"]["needs"] == ["plan"] and pipeline["apply"]["rules"][0]["when"] == "manual"
    assert "Apply complete: 1 created" in job("apply").stdout
    assert job("drift").returncode == 0
    room = tk.api("/resources")[0]
    tk.request("PUT", f"/resources/{room['id']}", json={"name": "Room 1 (admin UI)"})
    assert job("drift").returncode == 2 and "Room 1 (admin UI)" in (tmp_path / "drift.md").read_text()
