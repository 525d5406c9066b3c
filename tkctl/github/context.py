"""What a GitHub Actions run tells tkctl through its environment, read and checked in one place.

    GITHUB_TOKEN       the token (a workflow passes `${{ github.token }}`); registered as a secret
    GITHUB_REPOSITORY  `owner/name`
    GITHUB_API_URL     the REST API, `https://api.github.com` unless on GitHub Enterprise Server
    GITHUB_EVENT_PATH  the event's JSON payload: the pull request's number for a comment
    GITHUB_SERVER_URL, GITHUB_RUN_ID   a link back to the workflow run, when both are set

Outside Actions the same variables can be set by hand (and `--pr N` given).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from tkctl.errors import SettingsError
from tkctl.fileio import read_regular_file
from tkctl.secrets import register

DEFAULT_API_URL = "https://api.github.com"
MAX_EVENT_BYTES = 64 * 1024 * 1024
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class GitHubContext:
    token: str
    repository: str
    api_url: str
    event_path: str | None
    run_url: str | None  # the workflow run's page, for "made by" links

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "GitHubContext":
        token = environ.get("GITHUB_TOKEN", "").strip()
        if not token:
            raise SettingsError("the environment variable GITHUB_TOKEN is not set: in a workflow, pass "
                                "`env: GITHUB_TOKEN: ${{ github.token }}` to this step")
        register(token)
        repository = environ.get("GITHUB_REPOSITORY", "").strip()
        if not _REPOSITORY.match(repository):
            shown = f" (got {repository!r})" if repository else " (it is not set)"
            raise SettingsError(f"the environment variable GITHUB_REPOSITORY must be owner/name{shown}")
        api_url = environ.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
        if not api_url.startswith(("https://", "http://")):
            raise SettingsError(f"the environment variable GITHUB_API_URL must be an http:// or https:// URL "
                                f"(got {api_url!r})")
        server, run_id = environ.get("GITHUB_SERVER_URL", "").rstrip("/"), environ.get("GITHUB_RUN_ID", "")
        run_url = f"{server}/{repository}/actions/runs/{run_id}" if server and run_id.isdigit() else None
        return cls(token, repository, api_url, environ.get("GITHUB_EVENT_PATH") or None, run_url)

    def pull_request(self, given: int | None) -> int:
        """The pull request to comment on: `--pr N`, else the one the event is about."""
        if given is not None:
            return given
        if not self.event_path:
            raise SettingsError("no pull request number: pass --pr N, or run in a workflow triggered by "
                                "pull_request (GITHUB_EVENT_PATH is not set)")
        number = _pull_request_number(_read_event(self.event_path))
        if number is None:
            raise SettingsError(f"no pull request number in the event file {self.event_path}: this workflow run is "
                                "not for a pull request; pass --pr N, or trigger it on pull_request")
        return number


def _read_event(path: str) -> Any:
    try:
        raw = read_regular_file(Path(path), MAX_EVENT_BYTES)
    except OSError as exc:
        raise SettingsError(f"cannot read the event file {path} (GITHUB_EVENT_PATH): {exc.strerror or exc}") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SettingsError(f"the event file {path} (GITHUB_EVENT_PATH) is not JSON") from None


def _pull_request_number(event: Any) -> int | None:
    """`pull_request.number` (pull_request and pull_request_target events), or `issue.number`
    when the issue is a pull request (issue_comment events)."""
    if not isinstance(event, dict):
        return None
    pull = event.get("pull_request")
    issue = event.get("issue")
    for holder in (pull, issue if isinstance(issue, dict) and issue.get("pull_request") else None):
        if isinstance(holder, dict):
            number = holder.get("number")
            if isinstance(number, int) and not isinstance(number, bool) and number > 0:
                return number
    return None
