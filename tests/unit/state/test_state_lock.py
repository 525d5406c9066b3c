"""The state lock: one holder at a time, named in the error; stale locks taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tkctl.errors import LockError, StateError
from tkctl.state import StateLock, lock_path_for

HOST = socket.gethostname()


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "state.json"


@pytest.fixture(scope="module")
def live_pid() -> Iterator[int]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: no process has this pid any more
    return proc.pid


def write_lock(state_path: Path, **holder: object) -> Path:
    path = lock_path_for(state_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"host": HOST, "user": "ana", "command": "apply",
                                "created_at": "2024-05-01T09:30:00Z", "nonce": "theirs", **holder}))
    return path


def test_lock_file_names_the_holder_and_goes_away(state_path: Path) -> None:
    lock_path = state_path.parent / "state.json.lock"
    with StateLock(state_path, command="plan") as lock:
        assert lock.held and lock.path == lock_path
        holder = json.loads(lock_path.read_text())
        assert set(holder) == {"pid", "host", "user", "command", "created_at", "nonce"}
        assert (holder["pid"], holder["host"], holder["command"]) == (os.getpid(), HOST, "plan")
        assert len(holder["created_at"]) == 20 and holder["created_at"].endswith("Z")
    assert not lock_path.exists() and not lock.held


def test_lock_held_by_a_live_process_is_refused_naming_it(state_path: Path, live_pid: int) -> None:
    lock_path = write_lock(state_path, pid=live_pid)
    before = lock_path.read_bytes()
    with pytest.raises(LockError) as err:
        with StateLock(state_path):
            pytest.fail("the lock was taken from a live process")
    assert str(err.value) == (
        f"the state file {state_path} is locked by ana@{HOST} (pid {live_pid}, tkctl apply since "
        "2024-05-01T09:30:00Z). If no tkctl is running there, run `tkctl state unlock` (add --force for "
        "another host's lock)."
    )
    assert lock_path.read_bytes() == before


def test_an_old_lock_from_another_host_is_called_possibly_stale(state_path: Path) -> None:
    lock_path = write_lock(state_path, pid=4242, host="ci-7")
    two_hours_ago = lock_path.stat().st_mtime - 2 * 3600
    os.utime(lock_path, (two_hours_ago, two_hours_ago))
    with pytest.raises(LockError) as err:
        StateLock(state_path).acquire()
    assert str(err.value) == (
        f"the state file {state_path} is locked by ana@ci-7 (pid 4242, tkctl apply since 2024-05-01T09:30:00Z). "
        "The lock is 2.0 hours old and possibly stale: if no tkctl is running on ci-7, run "
        "`tkctl state unlock --force`."
    )


@pytest.mark.parametrize("holder", [{"host": "elsewhere"}, {"pid": "x"}, {"pid": 0}], ids=["other-host", "bad-pid", "pid-0"])
def test_locks_that_cannot_be_checked_are_respected(state_path: Path, dead_pid: int, holder: dict) -> None:
    lock_path = write_lock(state_path, **{"pid": dead_pid, **holder})
    with pytest.raises(LockError, match=r"is locked by ana@"):
        StateLock(state_path).acquire()
    assert json.loads(lock_path.read_text())["nonce"] == "theirs"


def test_stale_lock_of_a_dead_process_is_taken_over(state_path: Path, dead_pid: int) -> None:
    lock_path = write_lock(state_path, pid=dead_pid)
    with StateLock(state_path):
        holder = json.loads(lock_path.read_text())
        assert holder["pid"] == os.getpid() and holder["nonce"] != "theirs"
    assert sorted(p.name for p in state_path.parent.iterdir()) == []


def test_released_after_an_exception(state_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with StateLock(state_path):
            raise RuntimeError("boom")
    assert not lock_path_for(state_path).exists()
    with StateLock(state_path):  # and can be taken again
        pass


def test_second_lock_in_the_same_process_is_refused(state_path: Path) -> None:
    with StateLock(state_path):
        with pytest.raises(LockError) as err:
            with StateLock(state_path, command="plan"):
                pytest.fail("two holders")
        assert f"(pid {os.getpid()}, tkctl apply since " in str(err.value)
        assert lock_path_for(state_path).exists()  # the loser did not remove the winner's lock
    assert not lock_path_for(state_path).exists()


def test_same_object_cannot_acquire_twice(state_path: Path) -> None:
    lock = StateLock(state_path)
    with lock:
        with pytest.raises(LockError, match="already holds the lock"):
            lock.acquire()


def test_never_deletes_a_lock_it_does_not_own(state_path: Path, live_pid: int) -> None:
    """Our lock was deleted by hand and someone else locked: leaving must not unlock them."""
    with StateLock(state_path):
        lock_path = write_lock(state_path, pid=live_pid)
    assert json.loads(lock_path.read_text())["nonce"] == "theirs"


@pytest.mark.parametrize("content, reason", [("", "it is not JSON; another tkctl may be writing it right now"),
                                              ("[1]", "it is not a JSON object")])
def test_a_fresh_unreadable_lock_is_respected_and_explained(state_path: Path, content: str, reason: str) -> None:
    """Just created and not yet written: its writer may be writing it right now."""
    lock_path = lock_path_for(state_path)
    lock_path.parent.mkdir(parents=True)
    lock_path.write_text(content)
    with pytest.raises(LockError) as err:
        StateLock(state_path).acquire()
    assert str(err.value) == (
        f"the state file {state_path} is locked, but the lock file {lock_path} cannot be read "
        f"({reason}). If no tkctl is running, run `tkctl state unlock` or delete {lock_path}."
    )
    assert lock_path.read_text() == content


@pytest.mark.parametrize("content", ["", "{garbage", "[1]"])
def test_an_unreadable_lock_past_the_grace_period_is_taken_over(state_path: Path, content: str) -> None:
    """A tkctl killed between creating the lock file and writing it must not block every apply
    until someone deletes the file by hand. The file's age is set, not waited for."""
    from tkctl.state.lock import GRACE_SECONDS

    lock_path = lock_path_for(state_path)
    lock_path.parent.mkdir(parents=True)
    lock_path.write_text(content)
    old = lock_path.stat().st_mtime - GRACE_SECONDS - 1
    os.utime(lock_path, (old, old))
    with StateLock(state_path) as lock:
        assert json.loads(lock_path.read_text())["pid"] == os.getpid() and lock.held
    assert sorted(p.name for p in state_path.parent.iterdir()) == []


def test_uncreatable_lock_is_a_state_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StateError) as err:
        StateLock(blocker / "state.json").acquire()
    assert str(err.value) == f"cannot create the lock file {blocker / 'state.json.lock'}: {blocker} is not a folder"
    assert not isinstance(err.value, LockError)


def test_takeover_race_lost_puts_the_new_lock_back(state_path: Path, dead_pid: int, live_pid: int) -> None:
    """We saw a stale lock, but another tkctl replaced it with its own before we moved it."""
    stale = json.loads(write_lock(state_path, pid=dead_pid).read_text())
    lock_path = write_lock(state_path, pid=live_pid, nonce="winner")
    StateLock(state_path)._take_over(stale)
    assert json.loads(lock_path.read_text())["nonce"] == "winner"
    assert sorted(p.name for p in state_path.parent.iterdir()) == ["state.json.lock"]
