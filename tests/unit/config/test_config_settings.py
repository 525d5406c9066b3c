"""tkctl.yaml and the environment: which API, which token variable, which state file."""

from __future__ import annotations

import pytest

from tkctl.config import Settings, load_config
from tkctl.errors import ConfigError
from tkctl.state.spec import LocalStateSpec

OBJECTS = {"a.yaml": "resources: {}\n"}


@pytest.mark.parametrize(
    "settings_yaml, environ, api_url",
    [
        (None, {}, "https://api.timekit.io/v2"),
        ("api_url: http://localhost:8080/v2/\n", {}, "http://localhost:8080/v2"),
        ("api_url: http://localhost:8080/v2\n", {"TIMEKIT_API_URL": "https://staging.example/v2/"}, "https://staging.example/v2"),
        (None, {"TIMEKIT_API_URL": "http://127.0.0.1:9999"}, "http://127.0.0.1:9999"),
        ("token_env: X\n", {"TIMEKIT_API_URL": ""}, "https://api.timekit.io/v2"),  # empty means unset
    ],
    ids=["default", "file", "env-over-file", "env-over-default", "empty-env"],
)
def test_api_url_resolution(make_config, settings_yaml, environ, api_url):
    files = dict(OBJECTS, **({"tkctl.yaml": settings_yaml} if settings_yaml else {}))
    settings, _ = load_config(make_config(files), environ=environ)
    assert settings.api_url == api_url


def test_defaults(make_config, tmp_path):
    settings, _ = load_config(make_config(OBJECTS), environ={})
    assert settings == Settings(
        config_dir=tmp_path / "cfg",
        api_url="https://api.timekit.io/v2",
        token_env="TIMEKIT_APP_TOKEN",
        state=LocalStateSpec(tmp_path / "cfg" / ".tkctl" / "state.json"),
    )


def test_values_from_the_file(make_config, tmp_path):
    files = dict(OBJECTS, **{"tkctl.yaml": "token_env: CLINIC_TOKEN\nstate: ../state/prod.json\n"})
    settings, _ = load_config(make_config(files), environ={"CLINIC_TOKEN": "not-read-here"})
    assert settings.token_env == "CLINIC_TOKEN"
    assert settings.state_path == tmp_path / "state" / "prod.json"
    assert settings.config_dir.is_absolute()


@pytest.mark.parametrize("settings_yaml, expected", [(None, 600), ("requests_per_minute: 1200\n", 1200),
                                                      ("requests_per_minute: 0\n", 0)])
def test_requests_per_minute(make_config, settings_yaml, expected):
    files = dict(OBJECTS, **({"tkctl.yaml": settings_yaml} if settings_yaml else {}))
    settings, _ = load_config(make_config(files), environ={})
    assert settings.requests_per_minute == expected


def test_absolute_state_path_is_kept(make_config, tmp_path):
    target = tmp_path / "elsewhere" / "state.json"
    settings, _ = load_config(make_config(dict(OBJECTS, **{"tkctl.yaml": f"state: {target}\n"})), environ={})
    assert settings.state_path == target


def test_the_default_environment_is_os_environ(make_config, monkeypatch):
    monkeypatch.setenv("TIMEKIT_API_URL", "http://from-os-environ:1/v2")
    settings, _ = load_config(make_config(OBJECTS))
    assert settings.api_url == "http://from-os-environ:1/v2"


@pytest.mark.parametrize(
    "settings_yaml, environ, expected",
    [
        ("api_url: https://x/v2\ntoken: abc\n", {}, ['cfg/tkctl.yaml, line 2, column 1: token: unknown field; did you mean "token_env"?']),
        ("apiurl: https://x/v2\n", {}, ['cfg/tkctl.yaml, line 1, column 1: apiurl: unknown field; did you mean "api_url"?']),
        ("api_url: ftp://x\n", {}, ['cfg/tkctl.yaml, line 1, column 1: api_url: must be an http:// or https:// URL (got "ftp://x")']),
        ("token_env: my token\n", {}, ["cfg/tkctl.yaml, line 1, column 1: token_env: must be the name of an environment "
                                       'variable, such as TIMEKIT_APP_TOKEN (got "my token")']),
        ("state: [a]\n", {}, ["cfg/tkctl.yaml, line 1, column 1: state: must be a string or a mapping, not a list"]),
        ("requests_per_minute: -5\n", {}, ["cfg/tkctl.yaml, line 1, column 1: requests_per_minute: must be a whole "
                                            "number of requests per minute, at most 1,000,000 (0 turns pacing off) (got -5)"]),
        ("- a\n", {}, ["cfg/tkctl.yaml, line 1, column 1: must be a mapping of settings (api_url, token_env, state, "
                       "requests_per_minute, allow_files_outside_config, allow_deletes, protect, thresholds, "
                       "ignore_fields, variables, environments)"]),
        ("api_url: [\n", {}, ["cfg/tkctl.yaml, line 2, column 1: invalid YAML: did not find expected node content "
                              "(while parsing a flow node)"]),
        (None, {"TIMEKIT_API_URL": "localhost:8080"}, ["environment variable TIMEKIT_API_URL: must be an http:// or "
                                                         "https:// URL (got 'localhost:8080')"]),
    ],
    ids=["unknown-key", "did-you-mean", "bad-url", "bad-env-name", "wrong-type", "bad-rate", "not-a-mapping", "syntax", "bad-env-url"],
)
def test_settings_problems(make_config, settings_yaml, environ, expected):
    files = dict(OBJECTS, **({"tkctl.yaml": settings_yaml} if settings_yaml else {}))
    with pytest.raises(ConfigError) as caught:
        load_config(make_config(files), environ=environ)
    assert [str(p) for p in caught.value.problems] == expected


def test_settings_problems_are_reported_with_object_problems(make_config):
    root = make_config({"tkctl.yaml": "stat: x\n", "a.yaml": "resources: {r: {name: R}}\n"})
    with pytest.raises(ConfigError) as caught:
        load_config(root, environ={})
    assert [str(p) for p in caught.value.problems] == [
        'cfg/a.yaml, line 1, column 13: resource "r": timezone: required field is missing',
        'cfg/tkctl.yaml, line 1, column 1: stat: unknown field; did you mean "state"?',
    ]
