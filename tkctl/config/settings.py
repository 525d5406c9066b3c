"""`tkctl.yaml`: where the API is, which variable holds the token, where the state is kept.

The token itself is never in this file (it would end up in git); only the *name* of the
environment variable that holds it. The API URL can be overridden by `TIMEKIT_API_URL` so the
same config directory can target the emulator, a test account or production.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from tkctl.config.fieldpath import format_path
from tkctl.config.schema import schema_issues
from tkctl.config.yamlfile import YamlSyntaxError, display_path, read_yaml
from tkctl.errors import Location, Problem
from tkctl.state.spec import LocalStateSpec, S3StateSpec, StateSpec

SETTINGS_FILE = "tkctl.yaml"
DEFAULT_API_URL = "https://api.timekit.io/v2"
DEFAULT_TOKEN_ENV = "TIMEKIT_APP_TOKEN"
DEFAULT_STATE = ".tkctl/state.json"
API_URL_ENV = "TIMEKIT_API_URL"
# Timekit allows production apps 600 requests a minute (timekit-api.md §7).
DEFAULT_REQUESTS_PER_MINUTE = 600

_URL = re.compile(r"^https?://[^\s/]+")


@dataclass(frozen=True)
class Settings:
    config_dir: Path  # absolute
    api_url: str  # resolved: TIMEKIT_API_URL, else tkctl.yaml api_url, else the default; no trailing /
    token_env: str  # name of the variable holding the app token
    state: StateSpec  # where the state is kept: a local file (absolute path) or an S3 object
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE  # client-side pacing; 0 = off

    @property
    def state_path(self) -> Path | None:
        """The local state file; None when the state is kept in S3."""
        return self.state.path if isinstance(self.state, LocalStateSpec) else None


def read_settings(config_dir: Path, environ: Mapping[str, str]) -> tuple[Settings, list[Problem]]:
    """Settings from `config_dir/tkctl.yaml` (optional) and the environment, plus any problems.

    Problems do not stop the other checks: the caller reports them with the rest.
    """
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    path = config_dir / SETTINGS_FILE
    if path.is_file():
        display = display_path(path)
        try:
            doc = read_yaml(path, display)
        except YamlSyntaxError as exc:
            problems.append(Problem(exc.message, exc.location))
        else:
            problems.extend(Problem(issue.message, Location(display, issue.mark.line + 1, issue.mark.column + 1)) for issue in doc.issues)
            if doc.data is not None and not isinstance(doc.data, dict):
                problems.append(Problem("must be a mapping of settings (api_url, token_env, state, requests_per_minute)", doc.location(())))
            else:
                data = doc.data or {}
                for field_path, message in schema_issues("tkctl", data):
                    problems.append(Problem(message, doc.location(field_path), field=format_path(field_path) or None))

    api_url = _string(data.get("api_url")) or DEFAULT_API_URL
    from_env = environ.get(API_URL_ENV)
    if from_env:
        if _URL.match(from_env):
            api_url = from_env
        else:
            problems.append(Problem(f"must be an http:// or https:// URL (got {from_env!r})", field=f"environment variable {API_URL_ENV}"))
    token_env = _string(data.get("token_env")) or DEFAULT_TOKEN_ENV
    settings = Settings(
        config_dir=config_dir,
        api_url=api_url.rstrip("/"),
        token_env=token_env,
        state=parse_state_setting(data.get("state"), config_dir),
        requests_per_minute=_rate(data.get("requests_per_minute")),
    )
    return settings, problems


def parse_state_setting(value: Any, config_dir: Path) -> StateSpec:
    """Where a `state:` value keeps the state; local paths are relative to `config_dir`.

    Check the value against the schema's `#/$defs/state` first (in tkctl.schema.json): its
    problems are reported from there, with file, line and field. This only builds the spec,
    and falls back to the default file for anything the schema refuses. Environments call it
    with their own `state:` value.
    """
    if isinstance(value, str) and value:
        return LocalStateSpec(_local_path(config_dir, value))
    if isinstance(value, dict):
        backend = value.get("backend")
        bucket, key = _string(value.get("bucket")), _string(value.get("key"))
        if backend == "s3" and bucket and key:
            return S3StateSpec(bucket=bucket, key=key, region=_string(value.get("region")),
                               endpoint_url=_string(value.get("endpoint_url")), profile=_string(value.get("profile")))
        if backend == "local":
            return LocalStateSpec(_local_path(config_dir, _string(value.get("path")) or DEFAULT_STATE))
    return LocalStateSpec(_local_path(config_dir, DEFAULT_STATE))


def _local_path(config_dir: Path, path: str) -> Path:
    return Path(os.path.normpath(config_dir / path))


def _rate(value: Any) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if ok else DEFAULT_REQUESTS_PER_MINUTE


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
