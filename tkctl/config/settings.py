"""`tkctl.yaml`: where the API is, which variable holds the token, where the state file lives.

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
from tkctl.config.schema import load_schema, schema_issues
from tkctl.config.yamlfile import YamlSyntaxError, display_path, location_of_mark, read_yaml
from tkctl.errors import Problem

SETTINGS_FILE = "tkctl.yaml"
DEFAULT_API_URL = "https://api.timekit.io/v2"
DEFAULT_TOKEN_ENV = "TIMEKIT_APP_TOKEN"
DEFAULT_STATE = ".tkctl/state.json"
API_URL_ENV = "TIMEKIT_API_URL"
# Timekit allows production apps 600 requests a minute (timekit-api.md §7).
DEFAULT_REQUESTS_PER_MINUTE = 600

_URL = re.compile(r"^https?://[^\s/]+")
_FIELDS = tuple(load_schema("tkctl")["properties"])


@dataclass(frozen=True)
class Settings:
    config_dir: Path  # absolute
    api_url: str  # resolved: TIMEKIT_API_URL, else tkctl.yaml api_url, else the default; no trailing /
    token_env: str  # name of the variable holding the app token
    state_path: Path  # absolute
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE  # client-side pacing; 0 = off
    # Object files and ui_file paths may lead outside config_dir (safefile.py says why not by default).
    allow_files_outside_config: bool = False


def read_settings(config_dir: Path, environ: Mapping[str, str]) -> tuple[Settings, list[Problem]]:
    """Settings from `config_dir/tkctl.yaml` (optional) and the environment, plus any problems.

    Problems do not stop the other checks: the caller reports them with the rest.
    """
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    path = config_dir / SETTINGS_FILE
    if os.path.lexists(path):  # a FIFO or a dangling link is reported, not skipped
        display = display_path(path)
        try:
            doc = read_yaml(path, display)
        except YamlSyntaxError as exc:
            problems.append(Problem(exc.message, exc.location, field=format_path(exc.path) or None))
        else:
            reader_paths = set()
            for issue in doc.issues:
                where = issue.path(doc)
                reader_paths.add(where)
                problems.append(Problem(issue.message, location_of_mark(display, issue.mark), field=format_path(where) or None))
            if doc.data is not None and not isinstance(doc.data, dict):
                problems.append(Problem(f"must be a mapping of settings ({', '.join(_FIELDS)})", doc.location(())))
            else:
                data = doc.data or {}
                for field_path, message in schema_issues("tkctl", data):
                    if field_path not in reader_paths:  # already reported where it was read
                        problems.append(Problem(message, doc.location(field_path), field=format_path(field_path) or None))

    api_url = _string(data.get("api_url")) or DEFAULT_API_URL
    from_env = environ.get(API_URL_ENV)
    if from_env:
        if _URL.match(from_env):
            api_url = from_env
        else:
            problems.append(Problem(f"must be an http:// or https:// URL (got {from_env!r})", field=f"environment variable {API_URL_ENV}"))
    token_env = _string(data.get("token_env")) or DEFAULT_TOKEN_ENV
    state = _string(data.get("state")) or DEFAULT_STATE
    settings = Settings(
        config_dir=config_dir,
        api_url=api_url.rstrip("/"),
        token_env=token_env,
        state_path=Path(os.path.normpath(config_dir / state)),
        requests_per_minute=_rate(data.get("requests_per_minute")),
        allow_files_outside_config=data.get("allow_files_outside_config") is True,
    )
    return settings, problems


def _rate(value: Any) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if ok else DEFAULT_REQUESTS_PER_MINUTE


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
