"""Reading the workflow run's environment and event file."""

from __future__ import annotations

import json

import pytest

from tkctl.errors import SettingsError
from tkctl.github.context import DEFAULT_API_URL, GitHubContext
from tkctl.secrets import redact

BASE = {"GITHUB_TOKEN": "ghs_contextToken000000000000", "GITHUB_REPOSITORY": "octo-org/booking-config"}


def test_defaults_and_run_link():
    ctx = GitHubContext.from_environ({**BASE, "GITHUB_SERVER_URL": "https://github.com/", "GITHUB_RUN_ID": "42"})
    assert ctx.api_url == DEFAULT_API_URL == "https://api.github.com"
    assert ctx.run_url == "https://github.com/octo-org/booking-config/actions/runs/42"
    assert redact("token ghs_contextToken000000000000") == "token ***"  # registered as a secret
    assert GitHubContext.from_environ(BASE).run_url is None


@pytest.mark.parametrize("change, message", [
    ({"GITHUB_TOKEN": ""}, "the environment variable GITHUB_TOKEN is not set: in a workflow, pass "
                           "`env: GITHUB_TOKEN: ${{ github.token }}` to this step"),
    ({"GITHUB_REPOSITORY": ""}, "the environment variable GITHUB_REPOSITORY must be owner/name (it is not set)"),
    ({"GITHUB_REPOSITORY": "just-a-name"},
     "the environment variable GITHUB_REPOSITORY must be owner/name (got 'just-a-name')"),
    ({"GITHUB_API_URL": "api.github.com"},
     "the environment variable GITHUB_API_URL must be an http:// or https:// URL (got 'api.github.com')"),
])
def test_bad_settings_say_which_variable(change, message):
    with pytest.raises(SettingsError) as caught:
        GitHubContext.from_environ({**BASE, **change})
    assert str(caught.value) == message


@pytest.mark.parametrize("event, number", [
    ({"action": "synchronize", "number": 7, "pull_request": {"number": 7}}, 7),
    ({"action": "created", "issue": {"number": 9, "pull_request": {"url": "..."}}}, 9),  # issue_comment on a PR
])
def test_the_pull_request_comes_from_the_event(tmp_path, event, number):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    ctx = GitHubContext.from_environ({**BASE, "GITHUB_EVENT_PATH": str(path)})
    assert ctx.pull_request(None) == number
    assert ctx.pull_request(3) == 3  # --pr wins


@pytest.mark.parametrize("content, message", [
    (json.dumps({"ref": "refs/heads/main", "commits": []}), "no pull request number in the event file {path}: this "
     "workflow run is not for a pull request; pass --pr N, or trigger it on pull_request"),
    (json.dumps({"issue": {"number": 4}}), "no pull request number in the event file {path}"),  # a plain issue
    ("not json", "the event file {path} (GITHUB_EVENT_PATH) is not JSON"),
])
def test_events_without_a_pull_request(tmp_path, content, message):
    path = tmp_path / "event.json"
    path.write_text(content)
    ctx = GitHubContext.from_environ({**BASE, "GITHUB_EVENT_PATH": str(path)})
    with pytest.raises(SettingsError) as caught:
        ctx.pull_request(None)
    assert str(caught.value).startswith(message.format(path=path))


def test_no_event_file(tmp_path):
    with pytest.raises(SettingsError, match="no pull request number: pass --pr N"):
        GitHubContext.from_environ(BASE).pull_request(None)
    ctx = GitHubContext.from_environ({**BASE, "GITHUB_EVENT_PATH": str(tmp_path / "missing.json")})
    with pytest.raises(SettingsError, match=r"cannot read the event file .*missing.json \(GITHUB_EVENT_PATH\): "
                                            "No such file or directory"):
        ctx.pull_request(None)
