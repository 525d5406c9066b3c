"""The s3 state backend end to end: the real CLI, the emulator as a real server, and moto's S3
server as a real HTTP server (tests/conftest.py `s3`). Every outcome is decided by an emulator
fault or by the lock object itself, never by how fast the machine is."""

from __future__ import annotations

import copy
import getpass
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import AWS_TEST_ENV
from tests.e2e.conftest import says_no_changes, write_config
from tests.e2e.test_plan_apply import CALENDARS, PROJECTS, RESOURCES
from tkctl.state import S3StateSpec, dump_state
from tkctl.state.backends.s3 import S3Backend

KEY = "clinic/state.json"
LOCK = KEY + ".lock"
WAIT = 120  # a generous bound for a stuck test, never a measurement


def s3_config(path, s3, resources=RESOURCES, calendars=CALENDARS, projects=PROJECTS, **state):
    return write_config(path, copy.deepcopy(resources), copy.deepcopy(calendars), copy.deepcopy(projects),
                        settings={"state": {**s3.state_setting(KEY), **state}})


def s3_state(s3) -> dict | None:
    """The state as tkctl reads it: the object, plus the journal of an apply that runs or was killed."""
    spec = S3StateSpec(s3.bucket, KEY, region="eu-west-1", endpoint_url=s3.endpoint_url)
    state = S3Backend(spec, s3.client).read()
    return json.loads(dump_state(state)) if state.lineage else None


def no_secret(*texts: str) -> bool:
    return not any(AWS_TEST_ENV[name] in text for text in texts
                   for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"))


def wait_until(condition, proc=None):
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        if proc is not None:
            assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)


def start_apply(tk, cfg, *extra) -> subprocess.Popen:
    env = {**os.environ, "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token,
           "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "tkctl", "apply", str(cfg), "--auto-approve", *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def holder_text(pid: int) -> str:
    return f"{getpass.getuser()}@{socket.gethostname()} (pid {pid}, tkctl apply since "


def test_plan_and_apply_keep_the_state_in_the_bucket(tk, s3, tmp_path):
    cfg = s3_config(tmp_path / "cfg", s3)
    r = tk("plan", cfg)
    assert r.code == 0 and r.out.rstrip().endswith("Plan: 6 to create, 0 to update, 0 to delete."), r.text
    assert s3_state(s3) is None  # plan reads, never writes
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 0, r.text
    assert "Apply complete: 6 created" in r.out
    state = s3_state(s3)
    assert state["format_version"] == 2 and state["app"]["id"] == tk.api("/app")["id"]
    assert sorted(state["objects"]) == sorted(
        [f"resource.{k}" for k in RESOURCES] + [f"calendar.{k}" for k in CALENDARS] + ["project.consult"])
    assert {o["id"] for o in state["objects"].values()} >= {x["id"] for x in tk.api("/resources")}
    assert s3.get(LOCK) is None  # released
    assert not (cfg / ".tkctl" / "state.json").exists() and not (cfg / "state.json").exists()
    assert says_no_changes(tk("plan", cfg))
    assert tk("drift", cfg).code == 0
    tk.request("PUT", f"/resources/{state['objects']['resource.room-1']['id']}", json={"name": "Changed in admin"})
    r = tk("refresh", cfg)
    assert r.code == 0 and "~ resource.room-1: recorded the live name" in r.out
    assert s3_state(s3)["serial"] > state["serial"]
    assert no_secret(r.text)


def test_two_applies_at_once_one_proceeds_the_other_is_refused_naming_it(tk, s3, tmp_path):
    """The first apply is held mid-way by the emulator (its third resource create never
    answers), so the second certainly runs while the first holds the lock."""
    cfg = s3_config(tmp_path / "cfg", s3)
    tk.emulator.add_fault(method="POST", path="/v2/resources", nth=3, status=None, delay_ms=120_000)
    first = start_apply(tk, cfg)
    try:
        wait_until(lambda: len((s3_state(s3) or {}).get("objects", {})) == 2, first)  # two creates recorded
        before = tk.emulator.counters()["by_route"]
        second = tk.subprocess("apply", cfg, "--auto-approve")
        assert second.returncode == 1
        assert second.stderr.startswith(f"error: the state file s3://{s3.bucket}/{KEY} is locked by "
                                         + holder_text(first.pid)), second.stderr
        assert "Wait for it with --lock-timeout DURATION" in second.stderr and "Traceback" not in second.stderr
        assert tk.emulator.counters()["by_route"] == before  # the refused apply sent nothing to Timekit
        assert no_secret(second.stdout, second.stderr)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    # The killed apply's lock stays behind; its holder is surely gone, so unlock removes it.
    lock = json.loads(s3.get(LOCK))
    assert lock["pid"] == first.pid and lock["command"] == "apply"
    r = tk("state", "unlock", cfg)
    assert r.code == 0, r.text
    assert r.out.startswith(f"Removed the state lock s3://{s3.bucket}/{LOCK}, held by {holder_text(first.pid)}")
    assert s3.get(LOCK) is None
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 0, r.text
    assert sorted(x["meta"]["tkctl_key"] for x in tk.api("/resources")) == sorted(RESOURCES)
    assert says_no_changes(tk("plan", cfg))


def test_a_killed_apply_leaves_a_valid_state_and_the_rerun_takes_its_lock_and_converges(tk, s3, tmp_path):
    """Steps share writes on S3, but none is reported done before a write holds it: killed while
    its 5th create (made by the server) waits for an answer, the apply has 29 objects saved;
    the 30th is tagged, so the rerun adopts it instead of creating it again."""
    resources = {f"r{i:02d}": {"name": f"R {i}", "timezone": "UTC"} for i in range(30)}
    cfg = s3_config(tmp_path / "cfg", s3, resources, {}, {})
    tk.emulator.add_fault(method="POST", path="/v2/resources", nth=5, status=None, delay_ms=120_000,
                          after_handling=True)
    proc = start_apply(tk, cfg)
    try:
        wait_until(lambda: len((s3_state(s3) or {}).get("objects", {})) == 29, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert len(s3_state(s3)["objects"]) == 29
    assert len(tk.api("/resources")) == 30  # the held create happened
    assert json.loads(s3.get(LOCK))["pid"] == proc.pid  # the lock is left behind
    r = tk("apply", cfg, "--auto-approve")  # its holder was a process on this host that is gone: taken over
    assert r.code == 0, r.text
    assert "Apply complete: 0 created, 0 updated, 0 deleted, 1 adopted." in r.out
    assert sorted(x["meta"]["tkctl_key"] for x in tk.api("/resources")) == sorted(resources)
    assert len(s3_state(s3)["objects"]) == 30 and s3.get(LOCK) is None
    assert says_no_changes(tk("plan", cfg))


def other_host_lock(ttl: int) -> dict:
    """A lock as a tkctl on host ci-7 writes it; it expires `ttl` seconds after it is written."""
    now = datetime.now(timezone.utc)
    return {"pid": 4242, "host": "ci-7", "user": "ana", "command": "apply", "nonce": "n",
            "created_at": (now - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "expires_at": (now + timedelta(seconds=ttl)).strftime("%Y-%m-%dT%H:%M:%SZ"), "ttl_seconds": ttl}


def test_a_lock_of_another_host_is_respected_until_it_expires_then_taken_over(tk, s3, tmp_path):
    cfg = s3_config(tmp_path / "cfg", s3)
    live = other_host_lock(ttl=3600)  # its holder keeps renewing it
    s3.put(LOCK, json.dumps(live).encode())
    who = f"ana@ci-7 (pid 4242, tkctl apply since {live['created_at']}, expires {live['expires_at']})"
    r = tk("apply", cfg, "--auto-approve")
    assert (r.code, r.err) == (1, (
        f"error: the state file s3://{s3.bucket}/{KEY} is locked by {who}. Wait for it with --lock-timeout "
        "DURATION; if no tkctl is running there, run `tkctl state unlock` (add --force for another host's lock), "
        "or let the lock expire: a running tkctl renews it every minute.\n"))
    r = tk("state", "unlock", cfg)
    assert r.code == 1 and f"is held by {who}, which may still be running" in r.err
    assert tk.api("/resources") == []
    # Its holder was killed, so its last write is its last: once its time to live (5 minutes in
    # life, 0 here) has passed by the store's clock, the next apply takes it over.
    expired = other_host_lock(ttl=0)
    s3.put(LOCK, json.dumps(expired).encode())
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 0, r.text
    assert r.err == (f"Took over the expired state lock s3://{s3.bucket}/{LOCK} of ana@ci-7 (pid 4242, tkctl apply "
                     f"since {expired['created_at']}, expires {expired['expires_at']}).\n")
    assert s3.get(LOCK) is None
    # An expired lock is also removed by `state unlock` without --force; a live one needs --force.
    s3.put(LOCK, json.dumps(expired).encode())
    assert tk("state", "unlock", cfg).code == 0 and s3.get(LOCK) is None
    s3.put(LOCK, json.dumps(live).encode())
    r = tk("state", "unlock", cfg, "--force")
    assert (r.code, r.out) == (0, f"Removed the state lock s3://{s3.bucket}/{LOCK}, held by {who}.\n")
    assert tk("state", "unlock", cfg).out == f"The state file s3://{s3.bucket}/{KEY} is not locked.\n"


def test_lock_timeout_waits_for_the_holder_then_applies(tk, s3, tmp_path):
    """The lock is held by this test (through tkctl's own backend) until the waiting apply says
    it waits; then released, and the apply goes on."""
    from tkctl.state import S3StateSpec, open_backend

    cfg = s3_config(tmp_path / "cfg", s3)
    backend = open_backend(S3StateSpec(s3.bucket, KEY, region="eu-west-1", endpoint_url=s3.endpoint_url))
    lines: list[str] = []
    with backend.locked("refresh"):
        proc = start_apply(tk, cfg, "--lock-timeout", "2m")
        reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
        reader.start()
        wait_until(lambda: any("waiting up to 2m" in line for line in lines), proc)
    out = proc.stdout.read()
    assert proc.wait(timeout=WAIT) == 0, "".join(lines)
    reader.join(timeout=WAIT)
    assert lines[0].startswith(f"The state is locked by {getpass.getuser()}@{socket.gethostname()} "
                               f"(pid {os.getpid()}, tkctl refresh since ")
    assert lines[0].endswith("); waiting up to 2m for it.\n")
    assert "Apply complete: 6 created" in out
    assert len(s3_state(s3)["objects"]) == 6


def test_lock_timeout_gives_up_naming_the_holder(tk, s3, tmp_path):
    cfg = s3_config(tmp_path / "cfg", s3)
    s3.put(LOCK, json.dumps(other_host_lock(ttl=3600)).encode())
    r = tk("refresh", cfg, "--lock-timeout", "0.2s")
    assert r.code == 1
    assert r.err.startswith("The state is locked by ana@ci-7 (pid 4242, tkctl apply since ")
    assert "waiting up to 0.2s for it.\nerror: the state file s3://" in r.err
    assert r.err.endswith("a running tkctl renews it every minute. (waited 0.2s for it)\n")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"], ["state", "pull"], ["state", "unlock"]],
                         ids=["plan", "apply", "pull", "unlock"])
def test_an_unreachable_endpoint_is_a_clear_error_naming_bucket_and_endpoint(tk, s3, tmp_path, command):
    port = closed_port()
    cfg = s3_config(tmp_path / "cfg", s3, endpoint_url=f"http://127.0.0.1:{port}")
    args = [*command, cfg] if command[0] == "state" else [command[0], cfg, *command[1:]]
    p = tk.subprocess(*args)
    assert p.returncode == 1, p.stderr
    assert p.stderr.startswith(f"error: cannot reach the S3 endpoint http://127.0.0.1:{port} (bucket {s3.bucket}) to ")
    assert f"the state s3://{s3.bucket}/" in p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.splitlines()) == 1
    assert no_secret(p.stdout, p.stderr)
    assert tk.api("/resources") == []


def test_a_missing_bucket_is_a_clear_error(tk, s3, tmp_path):
    cfg = write_config(tmp_path / "cfg", copy.deepcopy(RESOURCES),
                       settings={"state": {**s3.state_setting(KEY), "bucket": "no-such-bucket-here"}})
    for command in (["plan", cfg], ["apply", cfg, "--auto-approve"]):
        p = tk.subprocess(*command)
        assert (p.returncode, p.stderr) == (1, (
            f"error: the S3 bucket no-such-bucket-here does not exist at {s3.endpoint_url}: create it, or fix "
            "`bucket` under `state` in tkctl.yaml\n"))
    assert tk.api("/resources") == []


def test_credentials_come_from_the_aws_environment_and_are_never_shown(tk, s3, tmp_path, monkeypatch):
    cfg = s3_config(tmp_path / "cfg", s3, profile="ci")
    # No profile "ci" anywhere: named in the error, no traceback.
    r = tk("plan", cfg)
    assert (r.code, r.err) == (1, "error: the AWS profile 'ci' (`profile` under `state` in tkctl.yaml) is not in the "
                                  "AWS config or credentials files\n")
    # The profile in the shared credentials file, and no keys in the environment: it works.
    creds = tmp_path / "aws-credentials"
    creds.write_text(f"[ci]\naws_access_key_id = {AWS_TEST_ENV['AWS_ACCESS_KEY_ID']}\n"
                     f"aws_secret_access_key = {AWS_TEST_ENV['AWS_SECRET_ACCESS_KEY']}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 0, r.text
    assert len(s3_state(s3)["objects"]) == 6
    # No credentials at all.
    cfg2 = s3_config(tmp_path / "cfg2", s3)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    p = tk.subprocess("plan", cfg2)
    assert (p.returncode, p.stderr) == (1, (
        f"error: no AWS credentials found for the state s3://{s3.bucket}/{KEY}: set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or `profile` under `state` in tkctl.yaml (credentials themselves "
        "never go in tkctl.yaml)\n"))


def test_pull_and_push_on_s3_check_the_lineage(tk, s3, tmp_path):
    cfg = s3_config(tmp_path / "cfg", s3)
    assert tk("apply", cfg, "--auto-approve").code == 0
    pulled = tk("state", "pull", cfg)
    assert pulled.code == 0 and json.loads(pulled.out) == s3_state(s3)
    other = {**json.loads(pulled.out), "lineage": "0f8e5a0c-7d3c-4e5b-9a53-2f2c1b9e4d11", "serial": 99}
    (tmp_path / "other.json").write_text(json.dumps(other))
    before = s3.get(KEY)
    r = tk("state", "push", tmp_path / "other.json", cfg)
    assert r.code == 1
    assert r.err == (f"error: refusing to push {tmp_path / 'other.json'}: its lineage {other['lineage']} is not the "
                     f"lineage {s3_state(s3)['lineage']} of the state s3://{s3.bucket}/{KEY}, so it is the state of "
                     "another account or setup. Use --force to replace it anyway.\n")
    assert s3.get(KEY) == before and s3.get(LOCK) is None
    r = tk("state", "push", tmp_path / "other.json", cfg, "--force")
    assert r.code == 0, r.text
    assert (s3_state(s3)["lineage"], s3_state(s3)["serial"]) == (other["lineage"], 100)  # past both serials
    assert json.loads(tk("state", "pull", cfg).out) == s3_state(s3) and s3.get(LOCK) is None
