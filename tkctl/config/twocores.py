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
  the parent reads its files itself. In a load the config cache keeps (a plan's), each file's
  objects come back with what every plan derives from them (`FileRead.derive`), worked out
  on the child's core.

A load after an edit, which reuses the config cache's entry (`config/reuse.py`), is done
whole in a forked child (`load_apart`): it reads the changed blocks and checks the whole
config while tkctl reads the account and the state and unpickles the same entry. It sends back
only what tkctl cannot take from that entry (`reuse.StateDelta`), then saves the new entry.
Any problem makes it give up: tkctl then reads the files itself, so every message is what a
full read reports.

`TKCTL_NO_FORK=1` does all of it in the tkctl process.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, TypeVar

from tkctl.config.constraints import ZONES_SEEN
from tkctl.config.reuse import ObjectRead, unlocated
from tkctl.fork import Child, Then, fork_allowed, forked

T = TypeVar("T")
U = TypeVar("U")

if TYPE_CHECKING:
    from tkctl.config.filereader import FileReader

log = logging.getLogger("tkctl.config")

# Below this many bytes for the child, forking and pickling cost about what they save.
MIN_CHILD_BYTES = 256 * 1024
# Seconds the parent waits for the child at least, once done with its own files.
CHILD_WAIT = 10.0
# A load this much slower than a full read of the files on a slow machine is stuck, not busy.
LOAD_BYTES_PER_SECOND = 100_000


@dataclass
class FileRead:
    """One file as `FileReader.read_apart` read it, for the reader that loads the config to `take`."""

    reads: list[ObjectRead]
    gathered: list[list[Any]]  # what the read added to each of the reader's lists
    ui_files: list[tuple[Path, Any]]  # the widget files it read

    def detach(self) -> None:
        """Ready to be pickled: an entry's `locate` (a closure over the file's node tree)
        becomes one that asks for the load to be done again (`reuse.unlocated`)."""
        for read in self.reads:
            read.entry = dataclasses.replace(read.entry, locate=unlocated)

    def derive(self) -> None:
        """Work out what every plan derives from each object (`core.plan.desired_record`),
        kept on the object: a function of the object alone, so the same here as in tkctl."""
        from tkctl.core.plan import desired_record

        for read in self.reads:
            if read.obj is not None:
                desired_record(read.obj)


def read_files(reader: FileReader, files: list[Path], apart: list[Path]) -> Iterator[list[ObjectRead]]:
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
            if reader.index:  # kept by the config cache, for the plan it is loaded for (not validate's)
                file_read.derive()
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


def load_apart(work: Callable[[], T | Then[T]], files: list[Path], meanwhile: Callable[[], U],
               leave: Callable[[Child], None] | None = None) -> tuple[T, U] | None:
    """`work()`, a whole load, done in a forked child while this process reads the account
    and does `meanwhile()`: (what each gave), or None if the child failed (the work raised) or
    took far longer than reading `files` should. `leave`: given the child once its result is
    here, if it is still at its `Then.after` work (saving the cache's entry)."""
    try:
        size = sum(os.stat(path).st_size for path in files)
    except OSError:
        return None  # the full read reports it
    with forked(work, leave) as collect:
        here = meanwhile()
        got = collect(max(CHILD_WAIT, size / LOAD_BYTES_PER_SECOND))
    log.debug("config: %s", "changes read in a second process, the rest taken from the cache" if got is not None
              else "the second process gave no answer; reading the files here")
    return None if got is None else (got, here)


def child_files(files: list[Path], environ: Mapping[str, str]) -> list[Path]:
    """The files a forked child should read (in the files' order), or [] to read all here.

    Sizes are split greedily, largest first, into two near-equal shares; the child gets the
    share without the largest file."""
    if not fork_allowed(environ) or len(files) < 2:
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
