"""The composite action (action.yml) run step by step as GitHub would, end to end: tkctl against
the emulator as a real server, and GitHub's REST API played by the fake GitHub on 127.0.0.1."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import write_config
from tests.unit.github.actions_runner import ROOT, ActionRunner
from tests.unit.github.fake_github import FakeGitHub

REPO = "octo-org/booking-config"
PR = 7
PLAN_MARKER = "<!-- tkctl:plan dir=config env=default -->"
DRIFT_MARKER = "<!-- tkctl:drift dir=config env=default -->"
RESOURCES = {
    "dr-jones": {"name": "Dr. Jones", "timezone": "Europe/Copenhagen", "email": "jones@clinic.example"},
    "room-1": {"name": "Room 1", "timezone": "Europe/Copenhagen", "tags": ["room"]},
}


@pytest.fixture
def github():
    fake = FakeGitHub().start()
    fake.add_repo(REPO)
    for n in range(1, PR + 1):  # issue and pull request numbers share one sequence
        fake.add_issue(REPO, f"Pull request {n}", pull_request=True)
    try:
        yield fake
    finally:
        fake.stop()


class Repo:
    """A checkout (the workspace) with the config in config/, and a way to run the action on it."""

    def __init__(self, tmp_path: Path, emulator, github: FakeGitHub):
        self.workspace = tmp_path / "repo"
        self.temp = tmp_path / "runner-temp"
        self.temp.mkdir()
        self.config = write_config(self.workspace / "config", RESOURCES)
        self.emulator = emulator
        self.github = github
        self.event_file = tmp_path / "event.json"

    def runner(self, event_name: str = "pull_request", event: dict | None = None,
               github_token: str | None = None, **env: str) -> ActionRunner:
        if event is None:
            event = {"action": "synchronize", "number": PR, "pull_request": {"number": PR, "merged": False}}
        self.event_file.write_text(json.dumps(event))
        github_context = {"token": github_token or self.github.token, "event_name": event_name, "event": event,
                          "repository": REPO}
        return ActionRunner(self.workspace, self.temp, {
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(self.event_file),
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": self.github.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "4242",
            "TIMEKIT_API_URL": self.emulator.base_url,
            **env,
        }, github_context)

    def run(self, command: str, runner: ActionRunner | None = None, **inputs: str):
        inputs = {"command": command, "config-dir": "config", "token": self.emulator.token, **inputs}
        return (runner or self.runner()).run({k.replace("_", "-"): v for k, v in inputs.items()})

    def secrets(self) -> list[str]:
        return [self.emulator.token, self.github.token]


@pytest.fixture
def repo(tmp_path, emulator, github) -> Repo:
    return Repo(tmp_path, emulator, github)


def assert_no_secret(repo: Repo, run, *files: Path) -> None:
    texts = [run.text, run.summary, json.dumps(run.outputs), *(json.dumps(s.outputs) for s in run.steps),
             *(f.read_text() for f in files if f.exists())]
    for secret in repo.secrets():
        assert not any(secret in t for t in texts), "a token was printed or written"


def test_pull_request_first_push_creates_the_comment_second_push_updates_it(repo, github):
    first = repo.run("plan")
    assert not first.failed, first.text
    plan_path = Path(first.outputs["plan_path"])
    saved = json.loads(plan_path.read_text())
    assert first.outputs["checksum"] == saved["checksum"] and saved["checksum"].startswith("sha256:")
    assert first.outputs["has_changes"] == "true"
    # The step summary is the Markdown plan; the comment is the same plan, found by its marker.
    markdown = (plan_path.parent / "plan.md").read_text()
    assert first.step("tkctl").summary == markdown and markdown.startswith(PLAN_MARKER + "\n")
    [comment] = github.comments_on(REPO, PR)
    assert comment["body"].startswith(PLAN_MARKER + "\n") and "`dr-jones`" in comment["body"]
    assert saved["checksum"] in comment["body"]
    assert comment["body"].rstrip().endswith("[workflow run](https://github.com/octo-org/booking-config/actions/runs/"
                                              "4242); saved plan: artifact `tkctl-plan` of that run.</sub>")
    assert f"Created the plan comment on pull request #{PR}: https://github.com/{REPO}/pull/{PR}#issuecomment-" \
        in first.step("tkctl").stdout
    # What upload-artifact and setup-python would have received.
    setup, upload = first.uses
    assert (setup.uses, setup.with_) == ("actions/setup-python@v5", {"python-version": "3.12"})
    assert upload.uses == "actions/upload-artifact@v4"
    assert upload.with_["name"] == "tkctl-plan" and upload.with_["if-no-files-found"] == "error"
    assert upload.with_["path"].split() == [str(plan_path), str(plan_path.parent / "plan.md")]
    assert "Running: tkctl plan config --out" in first.text and "--env" not in first.text
    assert github.writes()[0].headers["authorization"] == f"Bearer {github.token}"  # github-token's default

    # The second push adds a resource: the same comment is edited, not a second one added.
    (repo.config / "resources.yaml").write_text((repo.config / "resources.yaml").read_text()
                                                + "  room-2:\n    name: Room 2\n    timezone: UTC\n")
    second = repo.run("plan")
    assert not second.failed, second.text
    [edited] = github.comments_on(REPO, PR)
    assert edited["id"] == comment["id"] and edited["body"] != comment["body"]
    assert "`room-2`" in edited["body"] and "`room-2`" not in comment["body"]
    assert second.outputs["checksum"] != first.outputs["checksum"]
    assert [(w.method, w.path) for w in github.writes()] == [
        ("POST", f"/repos/{REPO}/issues/{PR}/comments"), ("PATCH", f"/repos/{REPO}/issues/comments/{comment['id']}")]
    assert f"Updated the plan comment on pull request #{PR}" in second.step("tkctl").stdout
    assert_no_secret(repo, second, plan_path, Path(second.outputs["plan_path"]))


def test_an_oversize_plan_is_trimmed_with_a_note(repo, github):
    many = {f"resource-{i:03d}": {"name": f"Resource {i:03d} " + "with a rather long descriptive name " * 3,
                                  "timezone": "Europe/Copenhagen", "tags": [f"tag-{i}-{j}" for j in range(6)]}
            for i in range(220)}
    write_config(repo.config, many)
    run = repo.run("plan")
    assert not run.failed, run.text
    saved = json.loads(Path(run.outputs["plan_path"]).read_text())
    assert saved["summary"]["create"] == 220
    [comment] = github.comments_on(REPO, PR)
    assert 50_000 < len(comment["body"]) <= 60_000  # the renderer's budget, footer included; GitHub allows 65,536
    assert re.search(r"\*\*\d+ of 220 changed objects are not shown in detail\*\* to stay within", comment["body"])
    assert "the full plan is in `plan.json`" in comment["body"]
    assert comment["body"].rstrip().endswith("saved plan: artifact `tkctl-plan` of that run.</sub>")
    summary = run.step("tkctl").summary
    assert summary.startswith(PLAN_MARKER) and len(summary) <= 60_000


def test_a_bad_github_token_fails_with_githubs_message_and_prints_no_token(repo, github):
    bad = "ghs_thisTokenIsWrong0000000000000000"
    run = repo.run("plan", repo.runner(github_token=bad))
    tkctl = run.step("tkctl")
    assert tkctl.code == 1
    assert (f"error: GitHub API error 401 on GET /repos/{REPO}/issues/{PR}/comments: Bad credentials; check the token "
            "in GITHUB_TOKEN") in tkctl.stderr
    assert github.comments_on(REPO, PR) == []
    # The plan was still made, summarised and (always) handed to upload-artifact.
    assert tkctl.outputs["has_changes"] == "true" and tkctl.summary.startswith(PLAN_MARKER)
    assert run.step("Upload the plan").skipped is False
    plan_path = Path(tkctl.outputs["plan_path"])
    assert bad not in run.text
    assert_no_secret(repo, run, plan_path, plan_path.parent / "plan.md")


def test_comment_only_on_pull_requests_unless_asked(repo, github):
    push = repo.run("plan", repo.runner(event_name="push", event={"ref": "refs/heads/main"}))
    assert not push.failed, push.text
    assert github.requests == [] and push.outputs["has_changes"] == "true"
    forced = repo.run("plan", repo.runner(event_name="workflow_dispatch", event={}), comment="true")
    assert forced.step("tkctl").code == 1
    assert "error: no pull request number in the event file" in forced.step("tkctl").stderr
    off = repo.run("plan", comment="false")
    assert not off.failed and github.requests == []


def test_a_plan_with_problems_is_posted_then_fails(repo, github, tk):
    assert tk("apply", repo.config, "--auto-approve").code == 0
    # Two live objects carrying one key's tag (a create sent twice by hand): the plan names
    # the problem and cannot be applied.
    tagged = tk.api("/resources")[0]
    tk.request("POST", "/resources", json={"name": tagged["name"], "timezone": tagged["timezone"],
                                           "meta": {"tkctl_key": tagged["meta"]["tkctl_key"]}})
    run = repo.run("plan")
    tkctl = run.step("tkctl")
    assert tkctl.code == 1 and "the plan cannot be applied" in tkctl.stderr
    [comment] = github.comments_on(REPO, PR)
    assert "This plan cannot be applied:" in comment["body"]
    assert not run.step("Upload the plan").skipped


def test_apply_on_merge_applies_the_saved_plan_and_refuses_it_when_stale(repo, github, tk):
    pr = repo.run("plan")
    plan_file = pr.outputs["plan_path"]
    github_requests = len(github.requests)  # the comment's list and create
    merged = repo.runner(event={"action": "closed", "pull_request": {"number": PR, "merged": True}})
    run = repo.run("apply", merged, plan_file=plan_file)
    assert not run.failed, run.text
    assert run.outputs["has_changes"] == "true" and run.outputs["checksum"] == pr.outputs["checksum"]
    assert run.outputs["plan_path"] == plan_file
    assert "Apply complete: 2 created, 0 updated, 0 deleted, 0 adopted." in run.step("tkctl").stdout
    assert run.step("tkctl").summary.startswith("### tkctl apply\n\n~~~~text\n")
    assert "Apply complete: 2 created" in run.step("tkctl").summary
    assert [u.uses for u in run.uses] == ["actions/setup-python@v5"]  # no artifact upload on apply
    assert sorted(r["name"] for r in tk.api("/resources")) == ["Dr. Jones", "Room 1"]
    # The same plan again: the state moved on, so it is stale and nothing is applied.
    again = repo.run("apply", merged, plan_file=plan_file)
    assert again.step("tkctl").code == 1
    assert f"the saved plan {plan_file} is stale, so none of it was applied" in again.text
    assert again.outputs["has_changes"] == "" and again.outputs["checksum"] == ""
    assert len(github.requests) == github_requests == 2  # apply never talks to GitHub
    assert_no_secret(repo, again)


def test_apply_by_checksum_and_refusals(repo):
    pr = repo.run("plan", comment="false")
    run = repo.run("apply", checksum=pr.outputs["checksum"])
    assert not run.failed, run.text
    assert run.outputs["has_changes"] == "true" and run.outputs["checksum"] == pr.outputs["checksum"]
    assert f"Running: tkctl apply config --checksum {pr.outputs['checksum']}" in run.text
    # The reviewed plan is applied: the same checksum no longer matches the (now empty) plan.
    stale = repo.run("apply", checksum=pr.outputs["checksum"])
    assert stale.step("tkctl").code == 1 and "not the reviewed" in stale.text

    neither = repo.run("apply")
    assert neither.step("tkctl").code == 1
    assert ("::error title=tkctl::apply needs the reviewed plan: set plan-file (plan.json from the pull request's "
            "run) or checksum") in neither.text
    both = repo.run("apply", plan_file="plan.json", checksum="sha256:00")
    assert both.step("tkctl").code == 1 and "give apply either plan-file or checksum, not both" in both.text


def test_nightly_drift_opens_one_issue_updates_it_and_closes_it(repo, github, tk):
    assert tk("apply", repo.config, "--auto-approve").code == 0
    clean = repo.run("drift", repo.runner(event_name="schedule", event={"schedule": "17 3 * * *"}))
    assert not clean.failed, clean.text
    assert clean.outputs["drift"] == "false" and clean.outputs["has_changes"] == "false"
    assert "No open drift issue to close; nothing to do." in clean.text
    assert github.issues_of(REPO) == []

    room = next(r for r in tk.api("/resources") if r["name"] == "Room 1")
    tk.request("PUT", f"/resources/{room['id']}", json={"name": "Room One (renamed in the admin UI)"})
    drifted = repo.run("drift", repo.runner(event_name="schedule", event={}))
    assert not drifted.failed, drifted.text  # drift is reported, not a failure
    assert drifted.outputs["drift"] == "true" and drifted.outputs["has_changes"] == "true"
    [issue] = github.issues_of(REPO)
    assert issue["title"] == "tkctl: Timekit account changed outside tkctl (config)"
    assert issue["body"].startswith(DRIFT_MARKER + "\n") and "Room One (renamed in the admin UI)" in issue["body"]
    assert drifted.step("tkctl").summary.startswith(DRIFT_MARKER)
    assert [u.uses for u in drifted.uses] == ["actions/setup-python@v5"]

    tk.request("PUT", f"/resources/{room['id']}", json={"name": "Room 1b"})
    again = repo.run("drift", repo.runner(event_name="schedule", event={}))
    assert not again.failed, again.text
    [updated] = github.issues_of(REPO)
    assert updated["number"] == issue["number"] and "Room 1b" in updated["body"]
    assert f"Updated issue #{issue['number']}" in again.text

    assert tk("refresh", repo.config).code == 0  # accept the change: drift is gone
    fixed = repo.run("drift", repo.runner(event_name="schedule", event={}))
    assert fixed.outputs["drift"] == "false"
    [closed] = github.issues_of(REPO)
    assert (closed["number"], closed["state"], closed["state_reason"]) == (issue["number"], "closed", "completed")
    assert "No drift." in closed["body"]
    assert_no_secret(repo, fixed)


def test_drift_issue_title_and_switching_issues_off(repo, github, tk):
    assert tk("apply", repo.config, "--auto-approve").code == 0
    room = next(r for r in tk.api("/resources") if r["name"] == "Room 1")
    tk.request("PUT", f"/resources/{room['id']}", json={"name": "Renamed"})
    off = repo.run("drift", issue="false")
    assert off.outputs["drift"] == "true" and github.requests == []
    titled = repo.run("drift", issue_title="Booking account drift")
    assert [i["title"] for i in github.issues_of(REPO)] == ["Booking account drift"]
    assert not titled.failed


def test_drift_errors_fail_the_step(repo, github):
    run = repo.run("drift", token="live_api_key_wrongwrongwrongwrongwrong00")
    assert run.step("tkctl").code == 1
    assert "Timekit API error 401" in run.text and run.outputs["drift"] == ""
    assert github.requests == []


def test_environment_is_passed_only_when_set(repo):
    run = repo.run("validate", environment="staging")
    assert "Running: tkctl validate config --env staging" in run.text
    plain = repo.run("validate")
    assert not plain.failed and "Running: tkctl validate config\n" in plain.text
    assert "Config OK: 2 resources, 0 calendars, 0 projects" in plain.text


def test_unknown_command(repo):
    run = repo.run("destroy")
    assert run.step("tkctl").code == 1
    assert "::error title=tkctl::unknown command 'destroy': use validate, plan, apply or drift" in run.text


def test_install_step_skips_an_installed_checkout_and_otherwise_runs_pip(repo, tmp_path):
    # The test environment has this checkout installed (editable), as the action would install it.
    run = repo.run("validate")
    install = run.step("Install tkctl")
    assert install.code == 0
    assert f"tkctl 0.1.0 is already installed; not installing {ROOT} again." in install.stdout
    assert install.stdout.endswith("tkctl, version 0.1.0\n")
    same = repo.run("validate", tkctl_version="0.1.0")
    assert "tkctl 0.1.0 is already installed; not installing tkctl==0.1.0 again." in same.step("Install tkctl").stdout
    # Another version: pip really runs, here with no index to reach, and its failure stops the job.
    wheels = tmp_path / "no-wheels"
    wheels.mkdir()
    offline = repo.runner(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PIP_CONFIG_FILE="/dev/null")
    other = repo.run("validate", offline, tkctl_version="99.0.0")
    assert other.step("Install tkctl").code != 0
    assert "No matching distribution found for tkctl==99.0.0" in other.step("Install tkctl").stderr
    assert other.step("tkctl").skipped


def test_python_setup_can_be_left_to_the_runner(repo):
    run = repo.run("validate", python_version="")
    assert run.step("Set up Python").skipped and not run.failed
