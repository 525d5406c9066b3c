"""tkctl/fork.py: work in a forked child comes back whole, or not at all (None) when the child
errs, is killed, hangs past the wait, or cannot start; the child is always reaped and writes
nothing to the parent's streams."""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from tkctl import fork


def test_fork_allowed_needs_the_machine_and_no_tkctl_no_fork(monkeypatch):
    monkeypatch.setattr(fork, "_can_fork", lambda: True)
    assert fork.fork_allowed({}) and fork.fork_allowed({"TKCTL_NO_FORK": "0"})
    assert not fork.fork_allowed({"TKCTL_NO_FORK": "1"}) and not fork.fork_allowed({"TKCTL_NO_FORK": "yes"})
    monkeypatch.setattr(fork, "_can_fork", lambda: False)
    assert not fork.fork_allowed({})


def test_forked_returns_what_the_child_computed_and_reaps_it():
    with fork.forked(lambda: {"pid": os.getpid(), "value": [1, "two"]}) as collect:
        got = collect(30)
    assert got["value"] == [1, "two"] and got["pid"] != os.getpid()
    with pytest.raises(ChildProcessError):
        os.waitpid(got["pid"], os.WNOHANG)  # already reaped: no zombie left


def test_a_child_that_errs_or_is_killed_gives_none():
    def fails():
        raise ValueError("x")

    with fork.forked(fails) as collect:
        assert collect(30) is None
    with fork.forked(lambda: os.kill(os.getpid(), signal.SIGKILL)) as collect:
        assert collect(30) is None


def test_a_stuck_child_is_killed_once_the_wait_is_over():
    def stuck():
        time.sleep(3600)

    before = _children()
    with fork.forked(stuck) as collect:
        assert collect(0.2) is None
        child = _children() - before
        assert len(child) == 1
    assert not child & _children()  # killed and reaped when the block ended


def test_a_large_result_is_unpickled_as_it_arrives_never_held_whole_as_bytes():
    """A 20,000-resource config's result is 24 MB: read whole, then unpickled, it was held
    three times at once (its pieces, their join, the value)."""
    size = 8 << 20
    with fork.forked(lambda: [b"x" * size, list(range(1000))]) as collect:
        tracemalloc.start()
        try:
            got = collect(30)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert got is not None and got[0] == b"x" * size and got[1] == list(range(1000))
    assert peak < size + (3 << 20), peak  # the value and one read's buffer, no copy of the pickle


@pytest.mark.parametrize("ending", ["closed", "stalled"])
def test_a_result_cut_short_is_an_error_and_a_stalled_one_times_out(ending):
    data = pickle.dumps(("ok", list(range(100_000))), protocol=pickle.HIGHEST_PROTOCOL)
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, data[:4096])
        if ending == "closed":  # the child died while writing
            os.close(write_end)
            with pytest.raises(Exception) as raised:
                fork._receive(read_end, time.monotonic() + 30)
            assert not isinstance(raised.value, TimeoutError)
        else:
            start = time.monotonic()
            with pytest.raises(TimeoutError):
                fork._receive(read_end, start + 0.2)
            assert time.monotonic() - start >= 0.2
    finally:
        os.close(read_end)
        if ending == "stalled":
            os.close(write_end)


def test_a_child_writes_nothing_to_the_parents_streams(capfd):
    def noisy():
        print("to stdout")
        sys.stderr.write("to stderr\n")
        import warnings
        warnings.warn("a warning", stacklevel=1)
        return 5

    with fork.forked(noisy) as collect:
        assert collect(30) == 5
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def _children() -> set[int]:
    """Pids of this process's children (from /proc)."""
    me = str(os.getpid())
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if stat.rsplit(")", 1)[1].split()[1] == me:
                found.add(int(entry))
    return found


@pytest.mark.parametrize("call", ["pipe", "fork"])
def test_no_pipe_or_no_process_to_spare_reads_everything_here(monkeypatch, call):
    def refused(*args):
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(os, call, refused)
    with fork.forked(lambda: 1) as collect:
        assert collect(30) is None


def _wait_for(path: Path) -> None:
    while not path.exists():
        time.sleep(0.01)


def test_a_then_result_arrives_before_the_childs_after_work_which_the_leaver_waits_for(tmp_path, child_waits):
    """The parent has the value while the child is still at its after-work (it waits for a
    file the parent makes only once it has the value: were the value held back until the
    after-work ended, this would never return); `Child.wait` then sees it succeed."""
    gate, done, left = tmp_path / "gate", tmp_path / "done", []

    def after() -> None:
        _wait_for(gate)
        done.write_text("saved")

    with fork.forked(lambda: fork.Then({"value": 7, "pid": os.getpid()}, after), left.append) as collect:
        got = collect(30)
    assert got["value"] == 7 and not done.exists()
    (child,) = left
    assert child.pid == got["pid"]
    gate.touch()
    assert child.wait(30) is True
    assert done.read_text() == "saved"
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # reaped


@pytest.fixture(params=["pidfd", "polled"])
def child_waits(request, monkeypatch):
    """`Child.wait` with a pidfd to wait on, and as on a kernel without one (polled)."""
    if request.param == "polled":
        def no_pidfd(pid: int) -> int:
            raise OSError(38, "Function not implemented")

        monkeypatch.setattr(os, "pidfd_open", no_pidfd)
    return request.param


def test_an_after_work_that_fails_or_hangs_is_reported_and_the_child_reaped(tmp_path, child_waits):
    def fails() -> None:
        raise OSError("disk full")

    left: list[fork.Child] = []
    with fork.forked(lambda: fork.Then("sent", fails), left.append) as collect:
        assert collect(30) == "sent"
    assert left[0].wait(30) is False
    with fork.forked(lambda: fork.Then("sent", lambda: _wait_for(tmp_path / "never")), left.append) as collect:
        assert collect(30) == "sent"
    assert left[1].wait(0.2) is False  # stuck: killed
    for child in left:
        with pytest.raises(ChildProcessError):
            os.waitpid(child.pid, os.WNOHANG)


def test_a_child_left_nobody_is_still_reaped_when_the_block_ends():
    """Without `leave`, a Then's after-work is waited for by `collect` itself."""
    with fork.forked(lambda: fork.Then(os.getpid(), lambda: None)) as collect:
        pid = collect(30)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _await_file(path: Path, seconds: float = 30.0) -> str:
    """The text of `path` once a detached process has written it (renamed into place whole)."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"nothing written to {path}"
        time.sleep(0.01)
    return path.read_text()


def _report(out: Path, keep: int) -> None:
    """What a detached process can see of itself, written to `out` (through a rename)."""
    import json

    fds = {}
    for fd in sorted(int(fd) for fd in os.listdir("/proc/self/fd")):
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass  # the descriptor listdir itself held, closed since
    streams = [fds[fd] for fd in (0, 1, 2)]
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "ppid": os.getppid(), "sid": os.getsid(0), "fds": fds,
                               "streams": streams, "keep": keep}))
    os.replace(tmp, out)


def test_a_detached_process_outlives_the_call_in_a_session_of_its_own_holding_only_what_it_keeps(tmp_path):
    import json

    kept = os.open(tmp_path / "kept", os.O_CREAT | os.O_RDWR, 0o600)
    other = os.open(tmp_path / "other", os.O_CREAT | os.O_RDWR, 0o600)
    before = _children()
    try:
        assert fork.detached(lambda: _report(tmp_path / "report", kept), keep=(kept,))
        assert _children() == before  # the middle process is reaped; the worker is nobody's child here
        seen = json.loads(_await_file(tmp_path / "report"))
    finally:
        os.close(kept)
        os.close(other)
    assert seen["pid"] != os.getpid() and seen["ppid"] != os.getpid()
    assert seen["sid"] != os.getsid(0)  # a session of its own: the terminal's Ctrl-C does not reach it
    assert seen["streams"] == [os.devnull] * 3  # a pipe reading the command's output sees its end
    fds = {int(fd): target for fd, target in seen["fds"].items()}
    assert fds[kept] == str(tmp_path / "kept")
    assert {target for fd, target in fds.items() if fd != kept} == {os.devnull}  # no file of the caller's


def test_a_detached_process_that_hangs_ends_itself_whatever_alarm_handler_the_caller_has(tmp_path, monkeypatch):
    monkeypatch.setattr(fork, "DETACHED_LIMIT", 1)

    def hangs() -> None:
        (tmp_path / "pid").write_text(str(os.getpid()))
        time.sleep(3600)

    before = signal.signal(signal.SIGALRM, lambda *_: None)  # a caller's handler that ends nothing
    try:
        assert fork.detached(hangs)
    finally:
        signal.signal(signal.SIGALRM, before)
    pid = int(_await_file(tmp_path / "pid"))
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and _state(pid) != "Z":
        assert time.monotonic() < deadline, "the hung process is still running"
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_detached_says_so_when_no_process_can_start(monkeypatch):
    def refuse():
        raise OSError("fork refused")

    monkeypatch.setattr(fork.os, "fork", refuse)
    assert fork.detached(lambda: None) is False
