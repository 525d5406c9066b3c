"""Work done in a forked child process, on the second processor core, with a safe way back.

tkctl is pure Python, so one process uses one core. Three kinds of work use the second core
of a two-core machine (a CI runner's usual size) through `forked`, each while the tkctl
process goes on with its own work: reading part of a large config, loading a config after
an edit (`config/twocores.py`), and comparing the later objects of a large plan
(`planapart.py`). A child that fails in any way (an error of its own, killed, out of memory,
stuck past the wait) costs only time: the caller does the work itself. The child writes to
neither standard stream and never returns into the parent's code (`os._exit`): it touches
nothing another thread of the parent may have held a lock on.
A child may send its result first and go on with work of its own (`Then`: a load after an
edit, then the cache entry it makes), which the parent waits for only at its end (`Child`).
Work nobody waits for (writing a first load's cache entry once the command's result is shown)
runs `detached`: in a process of its own that outlives the command, as `git gc --auto` does.

Only on Linux with two usable cores; `TKCTL_NO_FORK=1` keeps all work in the tkctl process.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import select
import signal
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterator, Mapping, TypeVar

T = TypeVar("T")

NO_FORK_ENV = "TKCTL_NO_FORK"  # set, and not 0 (as for TKCTL_NO_CACHE): no second process


def fork_allowed(environ: Mapping[str, str]) -> bool:
    """Whether work may go to a forked child: the machine can (`_can_fork`) and the user did
    not say TKCTL_NO_FORK."""
    return environ.get(NO_FORK_ENV, "").strip() in ("", "0") and _can_fork()


def _can_fork() -> bool:
    # Linux only: macOS's system libraries are not safe to use in a child forked from a
    # process with threads (the account is being read on one meanwhile).
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except (AttributeError, OSError):
        return (os.cpu_count() or 1) >= 2


@dataclass(frozen=True)
class Then(Generic[T]):
    """What `work` returns to have `value` sent at once and `after` run in the child once it
    is sent: the parent goes on with `value` while the child finishes (saving a cache entry)."""

    value: T
    after: Callable[[], None]


class Child:
    """A child that has sent its result and may still be at its `Then.after` work."""

    def __init__(self, pid: int):
        self.pid = pid

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for the child to end; whether its after-work succeeded. A
        child still running then is killed. Either way it is reaped."""
        deadline = time.monotonic() + seconds
        with contextlib.suppress(AttributeError, OSError):  # no pidfd (Linux before 5.3): polled below
            pidfd = os.pidfd_open(self.pid)  # readable once the child has ended
            try:
                select.select([pidfd], [], [], max(0.0, seconds))
            finally:
                os.close(pidfd)
        delay = 0.001
        while True:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return False
            if pid:
                return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
            left = deadline - time.monotonic()
            if left <= 0:
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
                _reap(self.pid)
                return False
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.05)


@contextlib.contextmanager
def forked(work: Callable[[], T | Then[T]],
           leave: Callable[[Child], None] | None = None) -> Iterator[Callable[[float], T | None]]:
    """Run `work` in a forked child; yields `collect(wait)`, which waits up to `wait` seconds
    for its result: None if the child failed or took longer (it is then killed). A child not
    collected when the block ends is killed too; either way it is reaped. With `leave`, a
    child that sent its result is handed to `leave` when the block ends, to be waited for
    there (its `Then.after` work may still be running), instead of being waited for here."""
    try:
        read_end, write_end = os.pipe()
    except OSError:  # out of file descriptors: the caller does the work itself
        yield lambda wait: None
        return
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a process with threads may deadlock the child; the
            # child touches nothing the other threads use (`_child`), and `collect` has a limit.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:  # out of processes or memory
        os.close(read_end)
        os.close(write_end)
        yield lambda wait: None
        return
    if pid == 0:  # the child: never returns
        _child(work, read_end, write_end)
    os.close(write_end)
    finished = False

    def collect(wait: float) -> T | None:
        nonlocal finished
        try:
            status, value = _receive(read_end, time.monotonic() + wait)
        except TimeoutError:
            return None  # the block's end kills it
        except Exception:  # noqa: BLE001 - a child that died before or while writing: read here instead
            status, value = "failed", None
        finished = True
        os.close(read_end)
        if leave is None:
            _reap(pid)
        return value if status == "ok" else None

    try:
        yield collect
    finally:
        if not finished:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            os.close(read_end)
            _reap(pid)
        elif leave is not None:
            leave(Child(pid))


def _receive(fd: int, deadline: float) -> Any:
    """The child's pickled result, unpickled as it arrives through the pipe; TimeoutError past
    the deadline. Reading it whole first held a 20,000-resource config's 24 MB result twice
    (its pieces and their join), then once more while it was unpickled, at the plan's peak."""
    return pickle.load(io.BufferedReader(_Pipe(fd, deadline), 1 << 20))


class _Pipe(io.RawIOBase):
    """The reading end of a pipe, each read waiting no later than `deadline`."""

    def __init__(self, fd: int, deadline: float):
        super().__init__()
        self._fd = fd
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0 or not select.select([self._fd], [], [], left)[0]:
            raise TimeoutError("the child took longer than its wait")
        return os.readv(self._fd, [buffer])


def _child(work: Callable[[], Any], read_end: int, write_end: int) -> None:
    """Do the work and send its result. Only this thread exists in the child; another thread
    of the parent may have held a lock at the fork (the progress bar's, on standard error), so
    the child writes to neither standard stream and shows no Python warning."""
    status = 1
    try:
        os.close(read_end)
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - closed by _exit
        warnings.simplefilter("ignore")
        after = None
        try:
            result = work()
            if isinstance(result, Then):
                result, after = result.value, result.after
            data = pickle.dumps(("ok", result), protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        except BaseException:  # noqa: BLE001 - any failure: the parent reads these files itself
            data = pickle.dumps(("failed", None))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        if after is not None:  # the parent has its result and goes on; this is the child's own time
            status = 1
            after()
            status = 0
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the parent's buffers


# Seconds a detached process may run before it ends itself: far more than any write takes.
DETACHED_LIMIT = 120


def detached(work: Callable[[], None], keep: tuple[int, ...] = ()) -> bool:
    """Start `work` in a process of its own, which this one neither waits for nor reaps; False
    if none could start (the caller then does the work itself).

    The process is a grandchild in a session of its own (its parent, reaped here at once, ends
    right after forking it), so a long-running caller (a test) gathers no zombie and the
    terminal's Ctrl-C is not sent to it. It holds none of this process's files but `keep`:
    its standard streams are /dev/null, so whoever reads the command's output (a pipe, a
    CI runner) sees its end when the command ends, and no lock or socket of the command
    outlives it. It ends itself after DETACHED_LIMIT seconds (SIGALRM): a stuck writer does
    not linger. Its failures are its own: it shows nothing and changes nothing here."""
    try:
        pid = os.fork()
    except OSError:
        return False
    if pid == 0:  # the middle process: fork the worker, then end at once
        code = 1
        try:
            os.setsid()
            if os.fork() == 0:
                _detached_child(work, keep)
            code = 0
        finally:
            os._exit(code)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return False
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _detached_child(work: Callable[[], None], keep: tuple[int, ...]) -> None:
    status = 1
    try:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the caller's handler (a test runner's) ends nothing
        signal.alarm(DETACHED_LIMIT)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        start = 3
        for fd in sorted(keep):
            os.closerange(start, fd)
            start = fd + 1
        os.closerange(start, 1 << 20)  # Linux's default ceiling on descriptors (fs.nr_open)
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - closed by _exit
        warnings.simplefilter("ignore")
        work()
        status = 0
    finally:
        os._exit(status)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
