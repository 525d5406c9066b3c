"""The s3 backend against moto's S3 server on 127.0.0.1 (a real HTTP server), and its error
messages. Conflicts are made by writing the bucket directly, as another writer would."""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timedelta, timezone

import pytest
from botocore import exceptions as bx

from tkctl.errors import LockError, StateError
from tkctl.secrets import register
from tkctl.state import LockHeld, S3StateSpec, StateEntry, open_backend
from tkctl.state.backends.s3client import Found, S3Bucket
from tkctl.state.backends.s3lock import S3Lock, _stale

KEY = "team/state.json"
LOCK = KEY + ".lock"


def entry(key: str) -> StateEntry:
    return StateEntry("resource", key, f"id-{key}", f"sha256:{key}")


@pytest.fixture
def backend(s3):
    return open_backend(S3StateSpec(s3.bucket, KEY, region="eu-west-1", endpoint_url=s3.endpoint_url))


def doc(s3, key: str = KEY) -> dict:
    return json.loads(s3.get(key))


def test_a_missing_state_is_empty_and_the_first_apply_creates_it(backend, s3):
    state = backend.read()
    assert (state.lineage, state.serial, state.entries) == ("", 0, {})
    with backend.locked("apply") as store:
        store.record(entry("a"))
        store.record(entry("b"))
    saved = doc(s3)
    assert saved["serial"] == 2 and sorted(saved["objects"]) == ["resource.a", "resource.b"]
    assert backend.read() == store.state
    assert s3.get(LOCK) is None


def test_a_write_never_overwrites_another_writers_state(backend, s3):
    with backend.locked("apply") as store:
        store.record(entry("a"))
    with pytest.raises(StateError) as caught:
        with backend.locked("apply") as store:
            other = {**doc(s3), "serial": 99}
            s3.put(KEY, json.dumps(other).encode())  # a writer that ignored the lock
            store.record(entry("b"))  # in the journal; the state is written when the command ends
    assert str(caught.value) == (
        f"the state file s3://{s3.bucket}/{KEY} was changed by another writer since this tkctl read it, so tkctl did "
        "not overwrite it and stopped. Another tkctl wrote it without the lock, or it was replaced by hand; run "
        "tkctl plan to see where things stand.")
    assert doc(s3) == other
    # The journal holding "b" stays, and is refused beside a state it does not belong to.
    with pytest.raises(StateError, match="the state was replaced or restored since"):
        backend.read()


def test_the_first_write_never_overwrites_a_state_created_meanwhile(backend, s3):
    with pytest.raises(StateError, match="was changed by another writer"):
        with backend.locked("apply") as store:
            s3.put(KEY, b'{"created": "by someone else"}')
            store.record(entry("a"))
    assert doc(s3) == {"created": "by someone else"}


def test_the_lock_object_names_its_holder_and_lives_five_minutes(backend, s3):
    with backend.locked("refresh"):
        lock = doc(s3, LOCK)
        assert {k: lock[k] for k in ("pid", "host", "command")} == {
            "pid": os.getpid(), "host": socket.gethostname(), "command": "refresh"}
        created = datetime.fromisoformat(lock["created_at"].replace("Z", "+00:00"))
        expires = datetime.fromisoformat(lock["expires_at"].replace("Z", "+00:00"))
        assert expires - created >= timedelta(minutes=5) and lock["ttl_seconds"] == 300
        with pytest.raises(LockHeld) as caught:
            with backend.locked("apply"):
                pass
        assert caught.value.holder.startswith(f"{lock['user']}@{socket.gethostname()} (pid {os.getpid()}, tkctl "
                                              f"refresh since {lock['created_at']}, expires ")
        assert doc(s3, LOCK) == lock  # the loser left the winner's lock alone
    assert s3.get(LOCK) is None


def test_a_lock_renewed_keeps_its_holder_and_a_lost_lock_stops_the_writes(backend, s3):
    with backend.locked("apply") as store:
        lock = store.sink.lock
        before = doc(s3, LOCK)
        assert lock.renew() is True
        renewed = doc(s3, LOCK)
        assert renewed["nonce"] == before["nonce"] and renewed["expires_at"] >= before["expires_at"]
        store.record(entry("a"))
        # `tkctl state unlock --force` elsewhere, then another tkctl takes the lock.
        s3.put(LOCK, json.dumps({"pid": 1, "host": "ci-7", "user": "bo", "nonce": "theirs"}).encode())
        assert lock.renew() is False and lock.lost
        with pytest.raises(StateError) as caught:
            store.record(entry("b"))
        assert str(caught.value).startswith(
            f"this tkctl lost the state lock s3://{s3.bucket}/{LOCK} while it ran (removed with `tkctl state unlock "
            "--force`, or expired while this machine was not running), so it stopped without writing the state again.")
    assert doc(s3, LOCK)["nonce"] == "theirs"  # release left the new holder's lock alone
    assert s3.get(KEY) is None  # the state is not written without the lock ...
    assert sorted(backend.read().entries) == ["resource.a"]  # ... and its journal holds what was done


def test_release_leaves_a_lock_that_is_no_longer_ours(backend, s3):
    with backend.locked("apply"):
        s3.put(LOCK, json.dumps({"pid": 1, "host": "ci-7", "user": "bo", "nonce": "theirs"}).encode())
    assert doc(s3, LOCK)["nonce"] == "theirs"


def test_same_lock_object_cannot_be_acquired_twice(backend, s3):
    lock = S3Lock(backend.bucket, KEY, backend.name, "apply")
    lock.acquire()
    try:
        with pytest.raises(LockError, match="this tkctl already holds the lock"):
            lock.acquire()
    finally:
        lock.release()
    assert s3.get(LOCK) is None


class RivalFirst(S3Bucket):
    """A bucket where, the first time tkctl tries to take over a stale lock, a rival does first."""

    def __init__(self, spec, rival_lock: dict):
        super().__init__(spec)
        self.rival_lock = rival_lock

    def put(self, key, body, action, *, if_match=None, if_absent=False):
        if if_match and self.rival_lock is not None and key.endswith(".lock"):
            rival, self.rival_lock = self.rival_lock, None
            self.client.put_object(Bucket=self.spec.bucket, Key=key, Body=json.dumps(rival).encode())
        return super().put(key, body, action, if_match=if_match, if_absent=if_absent)


def test_of_two_tkctls_taking_over_an_expired_lock_one_wins_and_the_other_names_it(s3):
    spec = S3StateSpec(s3.bucket, KEY, region="eu-west-1", endpoint_url=s3.endpoint_url)
    expired = {"pid": 7, "host": "ci-1", "user": "ana", "command": "apply", "created_at": "2020-01-01T00:00:00Z",
               "expires_at": "2020-01-01T00:05:00Z", "ttl_seconds": 0, "nonce": "old"}
    winner = {**expired, "host": "ci-2", "user": "bo", "expires_at": "2999-01-01T00:00:00Z", "ttl_seconds": 3600,
              "nonce": "won"}
    s3.put(LOCK, json.dumps(expired).encode())
    lock = S3Lock(RivalFirst(spec, winner), KEY, spec.url, "apply")
    with pytest.raises(LockHeld) as caught:
        lock.acquire()
    assert caught.value.holder == "bo@ci-2 (pid 7, tkctl apply since 2020-01-01T00:00:00Z, expires 2999-01-01T00:00:00Z)"
    assert doc(s3, LOCK)["nonce"] == "won"


def test_unlock_removes_only_the_lock_it_saw(backend, s3):
    s3.put(LOCK, json.dumps({"pid": 1, "host": "ci-7", "user": "bo", "nonce": "seen"}).encode())
    view = backend.lock_view()
    assert (view.holder["nonce"], view.stale) == ("seen", False)
    s3.put(LOCK, json.dumps({"pid": 2, "host": "ci-8", "user": "cy", "nonce": "newer"}).encode())
    with pytest.raises(StateError, match="changed while tkctl looked at it"):
        backend.remove_lock(view)
    assert doc(s3, LOCK)["nonce"] == "newer"
    backend.remove_lock(backend.lock_view())
    assert backend.lock_view() is None


def test_a_lock_that_is_not_json_is_named_as_such(backend, s3):
    s3.put(LOCK, b"{half")
    view = backend.lock_view()
    assert (view.holder, view.problem) == (None, "it is not JSON; another tkctl may be writing it right now")
    with pytest.raises(LockHeld) as caught:
        with backend.locked("apply"):
            pass
    assert str(caught.value) == (
        f"the state file s3://{s3.bucket}/{KEY} is locked, but the lock object s3://{s3.bucket}/{LOCK} cannot be read "
        "(it is not JSON; another tkctl may be writing it right now). If no tkctl is running, run `tkctl state unlock`.")


NOW = datetime(2026, 5, 1, 9, 30, tzinfo=timezone.utc)


def found(age: float) -> Found:
    return Found(b"", '"etag"', NOW - timedelta(seconds=age), NOW)


@pytest.mark.parametrize(
    "holder, age, stale",
    [
        (None, 4.9, False),  # unreadable, fresh: its writer may be filling it right now
        (None, 5.0, True),  # unreadable past the grace period: its writer died
        ({"host": "ci-7", "pid": 1, "ttl_seconds": 300}, 299.9, False),  # age by the store's clock
        ({"host": "ci-7", "pid": 1, "ttl_seconds": 300}, 300, True),
        ({"host": "ci-7", "pid": 1, "ttl_seconds": 60, "expires_at": "2999-01-01T00:00:00Z"}, 60, True),  # not ours
        ({"host": "ci-7", "pid": 1}, 299, False),  # no ttl (written by hand): the default 5 minutes
        ({"host": "ci-7", "pid": 1, "ttl_seconds": "x"}, 300, True),
        ({"host": socket.gethostname(), "pid": os.getpid(), "ttl_seconds": 300}, 0, False),  # this live process
    ],
)
def test_when_a_lock_is_stale(holder, age, stale):
    assert _stale(holder, found(age)) is stale


def test_a_lock_of_a_dead_process_on_this_host_is_stale():
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert _stale({"host": socket.gethostname(), "pid": child.pid, "ttl_seconds": 300}, found(0))


def test_a_state_that_is_not_a_state_is_named_by_its_url(backend, s3, monkeypatch):
    s3.put(KEY, b'{"format_version": 2,')
    with pytest.raises(StateError) as caught:
        backend.read()
    assert str(caught.value) == (f"the state file s3://{s3.bucket}/{KEY} is not valid JSON: Expecting property name "
                                 "enclosed in double quotes at line 1, column 22")
    monkeypatch.setattr("tkctl.state.backends.s3.MAX_STATE_BYTES", 1024 * 1024)
    s3.put(KEY, b" " * (1024 * 1024 + 1))
    with pytest.raises(StateError) as caught:
        backend.read()
    assert str(caught.value) == f"the state file s3://{s3.bucket}/{KEY} is larger than 1 MB: it is not a tkctl state"


# ---------------------------------------------------------------- messages (no network)


def client_error(code: str, status: int, message: str = "msg") -> bx.ClientError:
    return bx.ClientError({"Error": {"Code": code, "Message": message},
                           "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject")


SPEC = S3StateSpec("acme-state", "clinic/state.json", endpoint_url="https://minio.example:9000", profile="ci")
WHERE = "s3://acme-state/clinic/state.json"


@pytest.mark.parametrize(
    "exc, message",
    [
        (client_error("NoSuchBucket", 404), "the S3 bucket acme-state does not exist at https://minio.example:9000: "
                                            "create it, or fix `bucket` under `state` in tkctl.yaml"),
        (client_error("AccessDenied", 403, "Access Denied"),
         f"the S3 store at https://minio.example:9000 denied access to {WHERE} (AccessDenied: Access Denied); check "
         "the AWS credentials and the bucket's policy: tkctl needs s3:GetObject, s3:PutObject, s3:DeleteObject and "
         "s3:ListBucket"),
        (client_error("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist"),
         "the S3 store at https://minio.example:9000 refused the AWS credentials (InvalidAccessKeyId: The AWS Access "
         "Key Id you provided does not exist); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the AWS profile"),
        (client_error("PermanentRedirect", 301, "use the right endpoint"),
         "the S3 bucket acme-state is not in the region tkctl asked https://minio.example:9000 for (PermanentRedirect: "
         "use the right endpoint); set `region` under `state` in tkctl.yaml to the bucket's region"),
        (client_error("NotImplemented", 501, "A header you provided implies functionality that is not implemented"),
         f"the S3 store at https://minio.example:9000 does not support a request tkctl needs to write the state {WHERE} "
         "(NotImplemented: A header you provided implies functionality that is not implemented); tkctl writes the "
         "state with conditional requests (If-Match, If-None-Match), which AWS S3, MinIO, Cloudflare R2 and recent "
         "Ceph support"),
        (client_error("InternalError", 500, "We encountered an internal error"),
         f"the S3 store at https://minio.example:9000 refused to write the state {WHERE}: HTTP 500 InternalError: We "
         "encountered an internal error"),
        (bx.EndpointConnectionError(endpoint_url="https://minio.example:9000/acme-state/clinic/state.json"),
         f"cannot reach the S3 endpoint https://minio.example:9000 (bucket acme-state) to write the state {WHERE}: "
         'Could not connect to the endpoint URL: "https://minio.example:9000/acme-state/clinic/state.json"'),
        (bx.ProfileNotFound(profile="ci"),
         "the AWS profile 'ci' (`profile` under `state` in tkctl.yaml) is not in the AWS config or credentials files"),
        (bx.NoCredentialsError(),
         f"no AWS credentials found (profile 'ci') for the state {WHERE}: set AWS_ACCESS_KEY_ID and "
         "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or `profile` under `state` in tkctl.yaml (credentials themselves never "
         "go in tkctl.yaml) (Unable to locate credentials)"),
    ],
    ids=["no-bucket", "denied", "bad-key", "region", "no-conditional-writes", "5xx", "unreachable", "no-profile",
         "no-credentials"],
)
def test_store_errors_become_one_line_messages(exc, message):
    assert str(S3Bucket(SPEC).error(exc, "write")) == message


def test_a_registered_credential_never_reaches_a_message():
    register("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    exc = client_error("SignatureDoesNotMatch", 403, "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY did not match")
    text = str(S3Bucket(SPEC).error(exc, "read"))
    assert "wJalrXUtnFEMI" not in text and "secret *** did not match" in text


def test_the_endpoint_is_shown_without_credentials():
    spec = S3StateSpec("acme-state", "k", endpoint_url="https://user:pw@minio.example:9000/")
    assert S3Bucket(spec).endpoint == "https://minio.example:9000/"
    assert S3Bucket(S3StateSpec("acme-state", "k")).endpoint == "AWS S3"
