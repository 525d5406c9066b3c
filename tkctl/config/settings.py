"""`tkctl.yaml`: where the API is, which variable holds the token, where the state lives, the
safety rules, variables, and named environments.

The token itself is never in this file (it would end up in git); only the *name* of the
environment variable that holds it. The API URL can be overridden by `TIMEKIT_API_URL` so the
same config directory can target the emulator, a test account or production.

Environments. `environments:` names targets (staging, production); settings outside it are
the defaults. An environment's settings replace the defaults, except `variables`, which are
merged name by name. With environments declared, every command needs one (`--env NAME` or
`TKCTL_ENV`); each has its own state (`.tkctl/<name>/state.json` unless it sets `state`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from tkctl.config.fieldpath import format_path
from tkctl.config.schema import did_you_mean, load_schema, schema_issues
from tkctl.config.yamlfile import YamlFile, YamlSyntaxError, display_path, location_of_mark, read_yaml
from tkctl.core.safety import DEFAULT_MAX_SHARE, DEFAULT_MIN_MANAGED
from tkctl.errors import Location, Problem
from tkctl.state.spec import LocalStateSpec, S3StateSpec, StateSpec

SETTINGS_FILE = "tkctl.yaml"
DEFAULT_API_URL = "https://api.timekit.io/v2"
DEFAULT_TOKEN_ENV = "TIMEKIT_APP_TOKEN"
DEFAULT_STATE = ".tkctl/state.json"
API_URL_ENV = "TIMEKIT_API_URL"
ENV_VAR = "TKCTL_ENV"
# Timekit allows production apps 600 requests a minute.
DEFAULT_REQUESTS_PER_MINUTE = 600

_URL = re.compile(r"^https?://[^\s/]+")
_FIELDS = tuple(p for p in load_schema("tkctl")["properties"] if p != "environments")


@dataclass(frozen=True)
class Settings:
    config_dir: Path  # absolute
    api_url: str  # resolved: TIMEKIT_API_URL, else tkctl.yaml api_url, else the default; no trailing /
    token_env: str  # name of the variable holding the app token
    state: StateSpec  # where the state is kept: a local file (absolute path) or an S3 object
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE  # client-side pacing; 0 = off
    # Object files and ui_file paths may lead outside config_dir (safefile.py says why not by default).
    allow_files_outside_config: bool = False
    environment: str | None = None  # the one selected
    environments: tuple[str, ...] = ()  # all declared
    variables: Mapping[str, Any] = field(default_factory=dict)
    allow_deletes: bool = False
    protect: tuple[str, ...] = ()
    max_share: float = DEFAULT_MAX_SHARE
    min_managed: int = DEFAULT_MIN_MANAGED
    ignore_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def state_path(self) -> Path | None:
        """The local state file; None when the state is kept in S3."""
        return self.state.path if isinstance(self.state, LocalStateSpec) else None


def environment_settings(config_dir: Path) -> dict[str, dict[str, Any]]:
    """Each declared environment's own settings as written (for export, which carries them)."""
    data, _, _ = _read(config_dir)
    envs = data.get("environments")
    return {name: dict(v) for name, v in sorted(envs.items()) if isinstance(v, dict)} if isinstance(envs, dict) else {}


def declared_environments(config_dir: Path) -> tuple[list[str], list[Problem]]:
    """The environments tkctl.yaml declares (for `validate`, which checks each)."""
    data, _, problems = _read(config_dir)
    envs = data.get("environments")
    return (sorted(envs) if isinstance(envs, dict) else []), problems


def read_settings(config_dir: Path, environ: Mapping[str, str], env: str | None = None) -> tuple[Settings, list[Problem]]:
    """Settings from `config_dir/tkctl.yaml` (optional) and the environment, plus any problems.

    `env` (else `TKCTL_ENV`) selects an environment. Problems do not stop the other checks:
    the caller reports them with the rest.
    """
    data, doc, problems = _read(config_dir)
    declared = data.get("environments") if isinstance(data.get("environments"), dict) else {}
    env = env or environ.get(ENV_VAR) or None
    where = doc.display if doc else display_path(config_dir / SETTINGS_FILE)
    values = {k: v for k, v in data.items() if k != "environments"}
    if env is not None:
        if env not in declared:
            known = ", ".join(sorted(declared)) or "none are declared"
            guess = did_you_mean(env, list(declared))
            hint = f'; did you mean "{guess}"?' if guess else ""
            problems.append(Problem(f'no environment "{env}" in tkctl.yaml (environments: {known}){hint}',
                                    Location(where), field="environments"))
        else:
            chosen = declared[env] if isinstance(declared[env], dict) else {}
            variables = {**_mapping(values.get("variables")), **_mapping(chosen.get("variables"))}
            values = {**values, **chosen, "variables": variables}
            if "state" not in chosen:
                values["state"] = f".tkctl/{env}/state.json"
    elif declared:
        problems.append(Problem(f"tkctl.yaml declares environments ({', '.join(sorted(declared))}): choose one with "
                                f"--env NAME or {ENV_VAR}", Location(where), field="environments"))
    problems += _shared_states(config_dir, declared, where)

    api_url = _string(values.get("api_url")) or DEFAULT_API_URL
    from_env = environ.get(API_URL_ENV)
    if from_env:
        if _URL.match(from_env):
            api_url = from_env
        else:
            problems.append(Problem(f"must be an http:// or https:// URL (got {from_env!r})", field=f"environment variable {API_URL_ENV}"))
    thresholds = _mapping(values.get("thresholds"))
    ignore = _mapping(values.get("ignore_fields"))
    settings = Settings(
        config_dir=config_dir,
        api_url=api_url.rstrip("/"),
        token_env=_string(values.get("token_env")) or DEFAULT_TOKEN_ENV,
        state=parse_state_setting(values.get("state"), config_dir),
        requests_per_minute=_rate(values.get("requests_per_minute")),
        allow_files_outside_config=values.get("allow_files_outside_config") is True,
        environment=env if env in declared else None,
        environments=tuple(sorted(declared)),
        variables=_mapping(values.get("variables")),
        allow_deletes=values.get("allow_deletes") is True,
        protect=tuple(p for p in values.get("protect") or () if isinstance(p, str)),
        max_share=_number(thresholds.get("max_share"), DEFAULT_MAX_SHARE),
        min_managed=_count(thresholds.get("min_managed"), DEFAULT_MIN_MANAGED),
        ignore_fields={k: tuple(p for p in v if isinstance(p, str)) for k, v in ignore.items() if isinstance(v, list)},
    )
    return settings, problems


def _read(config_dir: Path) -> tuple[dict[str, Any], YamlFile | None, list[Problem]]:
    problems: list[Problem] = []
    path = config_dir / SETTINGS_FILE
    if not os.path.lexists(path):  # a FIFO or a dangling link is reported, not skipped
        return {}, None, problems
    display = display_path(path)
    try:
        doc = read_yaml(path, display)
    except YamlSyntaxError as exc:
        problems.append(Problem(exc.message, exc.location, field=format_path(exc.path) or None))
        return {}, None, problems
    reader_paths = set()
    for issue in doc.issues:
        where = issue.path(doc)
        reader_paths.add(where)
        problems.append(Problem(issue.message, location_of_mark(display, issue.mark), field=format_path(where) or None))
    if doc.data is not None and not isinstance(doc.data, dict):
        problems.append(Problem(f"must be a mapping of settings ({', '.join(_FIELDS)}, environments)", doc.location(())))
        return {}, doc, problems
    data = doc.data or {}
    for field_path, message in schema_issues("tkctl", data):
        if field_path not in reader_paths:  # already reported where it was read
            problems.append(Problem(message, doc.location(field_path), field=format_path(field_path) or None))
    return data, doc, problems


def _shared_states(config_dir: Path, declared: Mapping[str, Any], where: str) -> list[Problem]:
    """Two environments writing one state would each see the other's objects as theirs."""
    seen: dict[StateSpec, str] = {}
    out = []
    for name in sorted(declared):
        env = declared[name] if isinstance(declared[name], dict) else {}
        spec = parse_state_setting(env.get("state") or f".tkctl/{name}/state.json", config_dir)
        if spec in seen:
            out.append(Problem(f'uses the same state as environment "{seen[spec]}" ({_spec_name(spec)}); each '
                               "environment needs its own state", Location(where), field=f"environments.{name}.state"))
        seen.setdefault(spec, name)
    return out


def _spec_name(spec: StateSpec) -> str:
    return str(spec.path) if isinstance(spec, LocalStateSpec) else f"s3://{spec.bucket}/{spec.key}"


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


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _rate(value: Any) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1_000_000
    return value if ok else DEFAULT_REQUESTS_PER_MINUTE


def _number(value: Any, default: float) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1
    return float(value) if ok else default


def _count(value: Any, default: int) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return value if ok else default


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
