"""Shared fixtures: one real emulator server per test session, reset before each test."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from tkctl.emulator.testing import EmulatorHandle, running_emulator

# The config cache (tkctl/config/cache.py) of every tkctl this session runs, in-process or as a
# child: its own folder, never the user's ~/.cache/tkctl. Every test that plans a folder twice
# then plans the second time from the cache, so the whole suite checks that it changes nothing.
_CACHE = tempfile.mkdtemp(prefix="tkctl-test-cache-")
os.environ["TKCTL_CACHE_DIR"] = _CACHE
os.environ.pop("TKCTL_NO_CACHE", None)


@pytest.fixture(scope="session", autouse=True)
def _config_cache_folder():
    yield
    from pathlib import Path

    from tkctl.config.cache import wait_for_writers

    wait_for_writers(Path(_CACHE))  # a detached writer would make the folder again
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def emulator_server():
    """A real emulator (uvicorn in a thread, free port) with the contract's default rate limits."""
    with running_emulator() as handle:
        yield handle


@pytest.fixture
def emulator(emulator_server: EmulatorHandle) -> EmulatorHandle:
    """The session emulator, reset: empty account, zero counters, no faults, default config."""
    emulator_server.reset()
    return emulator_server


# ---------------------------------------------------------------- S3 (the state's s3 backend)

# Fake, distinctive credentials: moto accepts any, and tests assert they are never printed.
AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIATKCTLTESTKEY0042",
    "AWS_SECRET_ACCESS_KEY": "tkctl+test/SECRET/wJalrXUtnFEMI0042",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_EC2_METADATA_DISABLED": "true",  # never probe an instance-metadata address
}


class S3Handle:
    """moto's S3 server, reached over HTTP like any S3-compatible store, and one fresh bucket."""

    def __init__(self, endpoint_url: str, client, bucket: str):
        self.endpoint_url = endpoint_url
        self.client = client  # the test's own view of the bucket, not tkctl's
        self.bucket = bucket

    def state_setting(self, key: str = "clinic/state.json") -> dict:
        """The `state:` mapping of a tkctl.yaml pointed at this bucket."""
        return {"backend": "s3", "bucket": self.bucket, "key": key, "region": "eu-west-1",
                "endpoint_url": self.endpoint_url}

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def put(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body)


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on 127.0.0.1 (a free port), as a real HTTP server, for the whole session."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # not a line per request in every test's output
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint_url = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint_url, region_name="eu-west-1",
                          aws_access_key_id=AWS_TEST_ENV["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=AWS_TEST_ENV["AWS_SECRET_ACCESS_KEY"])
    yield endpoint_url, client
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch, tmp_path) -> S3Handle:
    """A new empty bucket, and an AWS environment that reaches it with fake credentials and
    nothing else: no ~/.aws files, no profile, no endpoint override, no instance metadata."""
    import uuid

    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_REGION",
                 "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    handle = S3Handle(*s3_server, f"tkctl-{uuid.uuid4().hex[:12]}")
    handle.client.create_bucket(Bucket=handle.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return handle
