"""Reading a large config on two processor cores: a forked child reads some object files.

Parsing YAML and checking objects is pure Python work, so one process uses one core however
many files there are (the account read that runs meanwhile mostly waits on the network). On
Linux with two or more usable cores, when the files to read are large enough to pay for it,
tkctl forks: the child reads about half of the bytes, file by file, and sends back what each
file gave (pickled, as the config cache keeps it); the parent reads the rest meanwhile, then
takes every file's result in the files' own order. So the loaded config, its problems and
warnings are what one process reading the files in order finds:
- each file is read by the same code with the same inputs; nothing a file gives depends on
  another file having been read first, except the widget files two files share, which each
  side reads for itself (and a widget file that changed between the two reads makes the load
  start again in one process);
- a problem found across objects (a dangling reference, a duplicate slug) needs the position
  of a field in a file the child read, which the child's node tree held: such a load is done
  again in one process (`Reread`), where the message names the exact line;
- a child that fails in any way (killed, out of memory, an error of its own) costs only time:
  the parent reads its files itself.

`TKCTL_NO_FORK=1` reads every file in the tkctl process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import pickle
import select
import signal
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, TypeVar

from tkctl.config.constraints import ZONES_SEEN
from tkctl.config.reuse import ObjectRead, unlocated

if TYPE_CHECKING:
    from tkctl.config.loader import _FileReader

T = TypeVar("T")
log = logging.getLogger("tkctl.config")

NO_FORK_ENV = "TKCTL_NO_FORK"  # set, and not 0 (as for TKCTL_NO_CACHE): read every file here
# Below this many bytes for the child, forking and pickling cost about what they save.
MIN_CHILD_BYTES = 256 * 1024
# Seconds the parent waits for the child at least, once done with its own files.
CHILD_WAIT = 10.0


@dataclass
class FileRead:
    """One file as `_FileReader.read_apart` read it, for the reader that loads the config to `take`."""

    reads: list[ObjectRead]
    gathered: list[list[Any]]  # what the read added to each of the reader's lists
    ui_files: list[tuple[Path, Any]]  # the widget files it read

    def detach(self) -> None:
        """Ready to be pickled: an entry's `locate` (a closure over the file's node tree)
        becomes one that asks for the load to be done again (`reuse.unlocated`)."""
        for read in self.reads:
            read.entry = dataclasses.replace(read.entry, locate=unlocated)


def read_files(reader: _FileReader, files: list[Path], apart: list[Path]) -> Iterator[list[ObjectRead]]:
    """The objects of each file, in the files' order: those of `apart` read by a forked child
    while this process reads the others."""
    if not apart:
        for path in files:
            yield reader.read(path)
        return

    def in_child() -> tuple[list[FileRead], set[str]]:
        twin = reader.twin()
        out = [twin.read_apart(path) for path in apart]
        for file_read in out:
            file_read.detach()
        return out, set(ZONES_SEEN)

    with forked(in_child) as collect:
        started = time.monotonic()
        twin = reader.twin()
        skip = set(apart)
        mine = {path: twin.read_apart(path) for path in files if path not in skip}
        # The child has about as much to read: one far slower is stuck, not busy.
        got = collect(max(CHILD_WAIT, 4 * (time.monotonic() - started)))
    if got is None:  # the child failed: read its files here
        log.debug("config: the second process gave no answer; reading %d more files here", len(apart))
        twin = reader.twin()
        theirs = [twin.read_apart(path) for path in apart]
    else:
        log.debug("config: %d of %d object files read in a second process", len(apart), len(files))
        theirs, zones = got
        ZONES_SEEN.update(zones)  # time zones the child checked: part of the cache's key
    mine.update(zip(apart, theirs, strict=True))
    for path in files:
        yield reader.take(mine[path])


def child_files(files: list[Path], environ: Mapping[str, str]) -> list[Path]:
    """The files a forked child should read (in the files' order), or [] to read all here.

    Sizes are split greedily, largest first, into two near-equal shares; the child gets the
    share without the largest file."""
    if environ.get(NO_FORK_ENV, "").strip() not in ("", "0") or not _can_fork() or len(files) < 2:
        return []
    sizes = {}
    for path in files:
        try:
            sizes[path] = os.stat(path).st_size
        except OSError:
            return []  # the reader reports it; nothing to gain here
    here, there = 0, 0
    theirs: set[Path] = set()
    for path in sorted(files, key=lambda p: -sizes[p]):
        if here <= there:
            here += sizes[path]
        else:
            there += sizes[path]
            theirs.add(path)
    if there < MIN_CHILD_BYTES:
        return []
    return [p for p in files if p in theirs]


def _can_fork() -> bool:
    # Linux only: macOS's system libraries are not safe to use in a child forked from a
    # process with threads (the account is being read on one meanwhile).
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except (AttributeError, OSError):
        return (os.cpu_count() or 1) >= 2


@contextlib.contextmanager
def forked(work: Callable[[], T]) -> Iterator[Callable[[float], T | None]]:
    """Run `work` in a forked child; yields `collect(wait)`, which waits up to `wait` seconds
    for its result: None if the child failed or took longer (it is then killed). A child not
    collected when the block ends is killed too; either way it is reaped."""
    try:
        read_end, write_end = os.pipe()
    except OSError:  # out of file descriptors: read everything here
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
        data = _read_all(read_end, time.monotonic() + wait)
        if data is None:
            return None  # the block's end kills it
        finished = True
        os.close(read_end)
        _reap(pid)
        try:
            status, value = pickle.loads(data)
        except Exception:  # noqa: BLE001 - a child that died mid-write: read here instead
            return None
        return value if status == "ok" else None

    try:
        yield collect
    finally:
        if not finished:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            os.close(read_end)
            _reap(pid)


def _read_all(fd: int, deadline: float) -> bytes | None:
    """Everything written to the pipe until the child closes it; None past the deadline."""
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _child(work: Callable[[], Any], read_end: int, write_end: int) -> None:
    """Do the work and send its result. Only this thread exists in the child; another thread
    of the parent may have held a lock at the fork (the progress bar's, on standard error), so
    the child writes to neither standard stream and shows no Python warning."""
    status = 1
    try:
        os.close(read_end)
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - closed by _exit
        warnings.simplefilter("ignore")
        try:
            data = pickle.dumps(("ok", work()), protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        except BaseException:  # noqa: BLE001 - any failure: the parent reads these files itself
            data = pickle.dumps(("failed", None))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the parent's buffers


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
