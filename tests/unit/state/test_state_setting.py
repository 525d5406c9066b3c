"""`state:` in tkctl.yaml: a path, or a mapping choosing the local or the s3 backend."""

from __future__ import annotations

import pytest

from tkctl.config import load_config
from tkctl.config.settings import parse_state_setting
from tkctl.errors import ConfigError
from tkctl.state import LocalStateSpec, S3StateSpec

OBJECTS = {"a.yaml": "resources: {}\n"}


@pytest.fixture
def make_config(tmp_path, monkeypatch):
    """A config folder `cfg` holding `files`; paths in messages are relative to its parent."""
    monkeypatch.chdir(tmp_path)

    def make(files: dict[str, str]):
        root = tmp_path / "cfg"
        root.mkdir(exist_ok=True)
        for name, content in files.items():
            (root / name).write_text(content)
        return root

    return make


def settings_of(make_config, text: str):
    settings, _ = load_config(make_config(dict(OBJECTS, **{"tkctl.yaml": text})), environ={})
    return settings


@pytest.mark.parametrize(
    "text, expected",
    [
        ("token_env: X\n", LocalStateSpec("{cfg}/.tkctl/state.json")),
        ("state: prod.json\n", LocalStateSpec("{cfg}/prod.json")),
        ("state: {backend: local}\n", LocalStateSpec("{cfg}/.tkctl/state.json")),
        ("state: {backend: local, path: ../shared/state.json}\n", LocalStateSpec("{root}/shared/state.json")),
        ("state: {backend: s3, bucket: acme-state, key: clinic/prod/state.json}\n",
         S3StateSpec("acme-state", "clinic/prod/state.json")),
        ("state:\n  backend: s3\n  bucket: acme.state-1\n  key: s.json\n  region: auto\n"
         "  endpoint_url: https://abc.r2.cloudflarestorage.com\n  profile: tkctl-ci\n",
         S3StateSpec("acme.state-1", "s.json", "auto", "https://abc.r2.cloudflarestorage.com", "tkctl-ci")),
    ],
    ids=["default", "path", "local-default", "local-path", "s3", "s3-everything"],
)
def test_state_values(make_config, tmp_path, text, expected):
    settings = settings_of(make_config, text)
    if isinstance(expected, LocalStateSpec):
        expected = LocalStateSpec(type(tmp_path)(str(expected.path).format(cfg=tmp_path / "cfg", root=tmp_path)))
    assert settings.state == expected
    assert settings.state_path == (expected.path if isinstance(expected, LocalStateSpec) else None)


BAD = [
    ("state: [a]\n", ["line 1, column 1: state: must be a string or a mapping, not a list"]),
    ('state: ""\n', ["line 1, column 1: state: must not be empty"]),
    ("state: {bucket: acme-state, key: k}\n", ["line 1, column 1: state.backend: required field is missing"]),
    ("state:\n  backend: gcs\n", ['line 2, column 3: state.backend: must be one of local, s3 (got "gcs")']),
    ("state:\n  backend: s3\n", ["line 1, column 1: state.bucket: required field is missing",
                                 "line 1, column 1: state.key: required field is missing"]),
    ("state:\n  backend: s3\n  bucket: s3://acme\n  key: /clinic/\n",
     ["line 3, column 3: state.bucket: must be a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens "
      '(no s3:// and no folder; the object\'s path goes in key) (got "s3://acme")',
      "line 4, column 3: state.key: must be an object key such as clinic/prod/state.json, with no leading or "
      'trailing / (got "/clinic/")']),
    ("state:\n  backend: s3\n  bucket: acme-state\n  key: k\n  region: EU West\n",
     ['line 5, column 3: state.region: must be a region name such as eu-west-1 (auto for Cloudflare R2) (got "EU West")']),
    ("state:\n  backend: s3\n  bucket: acme-state\n  key: k\n  bukket: x\n",
     ['line 5, column 3: state.bukket: unknown field; did you mean "bucket"?']),
    ("state:\n  backend: s3\n  bucket: acme-state\n  key: k\n  path: x.json\n",
     ["line 5, column 3: state.path: is a setting of the local backend; an s3 state is named by bucket and key"]),
    ("state:\n  backend: local\n  bucket: acme-state\n  profile: p\n",
     ["line 3, column 3: state.bucket: is a setting of the s3 backend; a local state takes only path",
      "line 4, column 3: state.profile: is a setting of the s3 backend; a local state takes only path"]),
    ("state:\n  backend: s3\n  bucket: acme-state\n  key: k\n  endpoint_url: minio:9000\n",
     ["line 5, column 3: state.endpoint_url: must be an http:// or https:// URL without credentials in it (they come "
      "from the AWS environment, never from tkctl.yaml)"]),
    ("state:\n  backend: s3\n  bucket: acme-state\n  key: k\n  aws_secret_access_key: abc\n",
     ["line 5, column 3: state.aws_secret_access_key: unknown field; allowed fields are: backend, bucket, "
      "endpoint_url, key, path, profile, region"]),
]


@pytest.mark.parametrize("text, expected", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_state_values_name_the_file_line_and_field(make_config, text, expected):
    with pytest.raises(ConfigError) as caught:
        settings_of(make_config, text)
    assert [str(p) for p in caught.value.problems] == [f"cfg/tkctl.yaml, {e}" for e in expected]


def test_credentials_in_an_endpoint_url_are_refused_without_repeating_them(make_config):
    text = "state:\n  backend: s3\n  bucket: acme-state\n  key: k\n  endpoint_url: https://AKIAX:s3cr3tValue@minio:9000\n"
    with pytest.raises(ConfigError) as caught:
        settings_of(make_config, text)
    assert "s3cr3tValue" not in str(caught.value)
    assert "state.endpoint_url: must be an http:// or https:// URL without credentials in it" in str(caught.value)


def test_the_parser_environments_call_builds_specs_and_falls_back_to_the_default(tmp_path):
    assert parse_state_setting({"backend": "s3", "bucket": "b-1", "key": "k"}, tmp_path) == S3StateSpec("b-1", "k")
    assert parse_state_setting("x/state.json", tmp_path) == LocalStateSpec(tmp_path / "x" / "state.json")
    for refused in (None, 7, "", {"backend": "s3", "bucket": "b-1"}, {"backend": "gcs"}):
        assert parse_state_setting(refused, tmp_path) == LocalStateSpec(tmp_path / ".tkctl" / "state.json")
