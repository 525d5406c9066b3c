"""A cache of loaded configs, keyed by everything the load read: an unchanged config loads at once.

Loading a config of 5,000 resources (YAML, schemas, every check, the canonical forms the plan
compares) takes about a second, the same second on every plan of the same files. After a load
with no problems the result is saved here, and the next load of the same folder uses it when,
and only when, everything that load depended on is unchanged.

Why it cannot serve a stale answer. Loading the object files is a function of exactly these
inputs, and the cache entry is used only if each of them is equal to what it was when the
entry was written:
- tkctl's own code: a digest of every module and schema of the installed package;
- the folder, the working directory (messages name files relative to it), and what tkctl.yaml
  gives the object loader (`ReaderInputs`: variables, environment, outside-file setting);
  the loader is handed only those, so it cannot depend on another setting unnoticed;
- the list of object files (a file added or removed is a change), and each file's real path
  (after links: a link turned outside the folder is refused) and the SHA-256 of its bytes;
- every widget file (`ui_file`) read, the same way;
- the time zones the config names, which must still be known to this machine's tz database.
The digests are of the bytes the load itself read, not of a second read, so a file edited
while tkctl was loading cannot be saved under its new content. Only a load with no problems is
saved: errors are always found afresh. `tests/unit/config/test_cache.py` checks each input.

After an edit. An entry also keeps an index of what each file and each object's block gave
(`previous`): when the folder's files have changed since, the loader takes the unchanged files
and blocks from the entry and reads only the rest (`config/reuse.py` says why that is the same
as reading everything, and `tests/unit/config/test_reuse.py` compares the two after random
edits). The rest of the header (tkctl's code, folder, working directory, settings, time zones)
must still match.

Where. `$TKCTL_CACHE_DIR`, else `$XDG_CACHE_HOME/tkctl`, else `~/.cache/tkctl`: outside the
config folder on purpose, because entries are pickles and a pickle can run code when loaded;
a file in a repository (a pull request's) must never be one tkctl loads. Entries are written
owner-only (0600 in a 0700 folder), and one that anybody else could have written is ignored.
`TKCTL_NO_CACHE=1` turns the cache off. One entry per folder and environment: a changed config
replaces its entry, so the cache does not grow with edits. Variable values are never written
in the clear (the header holds only a digest of them).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import stat
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from tkctl.fork import Child

FORMAT = 3  # 3: an object's derived record keeps a key of its canonical form, not the form
CACHE_DIR_ENV = "TKCTL_CACHE_DIR"
NO_CACHE_ENV = "TKCTL_NO_CACHE"
# A temporary file this long untouched belongs to a write that was killed: writing an entry
# takes seconds. A write whose file was swept anyway fails quietly: no entry, no error.
STALE_TEMP_SECONDS = 3600


@dataclass(frozen=True)
class ReaderInputs:
    """All the object loader learns from tkctl.yaml and the environment."""

    allow_outside: bool
    variables: Mapping[str, Any]
    environment: str | None
    environments: tuple[str, ...]

    def digest(self) -> str:
        return _sha(json.dumps([self.allow_outside, self.variables, self.environment, list(self.environments)],
                               sort_keys=True, default=repr).encode())


@dataclass
class Inputs:
    """What one load read: its files (path, real path, digest of the bytes read) and time zones."""

    files: list[tuple[str, str, str]]
    ui_files: list[tuple[str, str, str]]
    timezones: list[str]


def file_record(path: Path, text: str) -> tuple[str, str, str]:
    """(path, real path, SHA-256 of the bytes) of a file the load read as `text`."""
    return str(path), os.path.realpath(path), _sha(text.encode("utf-8"))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of tkctl's modules and schemas: a changed tkctl never reads an older tkctl's entry."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"{FORMAT}".encode())
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def cache_dir(environ: Mapping[str, str]) -> Path | None:
    """Where entries live; None when the cache is off."""
    if environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    chosen = environ.get(CACHE_DIR_ENV)
    if chosen:
        return Path(chosen)
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path(environ.get("HOME") or os.path.expanduser("~")) / ".cache"
    return base / "tkctl"


class ConfigCache:
    """Entries of one cache folder: `lookup` before loading, `store` after a load with no problems.

    `deferred`: `store` only notes the entry, and `flush_deferred` writes it; the CLI does so
    once a command's work is done. Pickling a large config keeps a table of every object
    written (about 100 MB at 20,000 resources): written after the command has freed its
    account and plan, the entry adds nothing to the command's peak memory, nor delays its
    output.

    `background` (with `deferred`): `flush_deferred` hands the write to a process of its own
    that outlives the command (`fork.detached`), so the command ends as soon as its result is
    shown. Writing takes a third of a second at 5,000 resources and more than a second at
    20,000 (pickling 10 and 40 MB), time the command no longer waits for. It is forked only
    then, not while the command works: a process that forks shares its memory with the child
    until either writes to it, and every page the command then touched was copied for it
    (0.2 to 0.9 s of a first 20,000-resource plan, in two measurements). While it writes it
    holds the entry's writing lock (`_writing_lock`), and the next load of the folder waits
    for it (`_await_writer`, at most WRITER_WAIT seconds) rather than read the files again.
    A writer that fails or dies leaves no entry (the next load reads the files), never a
    partial one: entries are written to a temporary file and renamed."""

    def __init__(self, directory: Path, *, deferred: bool = False, background: bool = False, hold: bool = False):
        self.directory = directory
        self.deferred = deferred
        self.background = deferred and background
        self.hold = hold  # `store` keeps the entry in `held`, for its caller to write
        self.held: _Entry | None = None

    def _slot(self, root: Path, reader: ReaderInputs) -> Path:
        name = _sha(f"{root}\0{reader.environment or ''}\0{os.getcwd()}".encode())[:32]
        return self.directory / "config" / f"{name}.pickle"

    def _header(self, root: Path, reader: ReaderInputs) -> dict[str, Any]:
        return {"format": FORMAT, "code": code_digest(), "root": str(root), "cwd": os.getcwd(),
                "reader": reader.digest()}

    def lookup(self, root: Path, reader: ReaderInputs, files: list[Path],
               then: Callable[[], None] | None = None) -> Any | None:
        """The saved result of loading `files`, if every input is unchanged; else None.
        `then` is called once the entry is known to hold it, before it is unpickled."""

        def unchanged(inputs: dict[str, Any]) -> bool:
            if not ([p for p, _, _ in inputs["files"]] == [str(p) for p in files]
                    and _unchanged(inputs["files"]) and _unchanged(inputs["ui_files"])):
                return False
            if then is not None:
                then()
            return True

        found = self._open(root, reader, unchanged, with_index=False)
        return None if found is None else found[0]

    def previous(self, root: Path, reader: ReaderInputs, raw: bytes | None = None
                 ) -> tuple[Any, Any, list[str]] | None:
        """(result, index, time zones) of the entry of an earlier load of this folder by this
        tkctl with these settings, whatever its files were; None if there is none. The loader
        reuses what did not change (`config/reuse.py`). `raw`: that entry as `previous_raw`
        read it."""
        found = self._open(root, reader, lambda inputs: True, with_index=True, raw=raw)
        return None if found is None else (found[0], found[1], found[2]["timezones"])

    def previous_raw(self, root: Path, reader: ReaderInputs) -> bytes | None:
        """The bytes of the entry `previous` would take (its header checked, nothing
        unpickled), or None. Read once, so that a second process reusing it (`raw` to
        `previous`) and this process taking its unchanged objects (`result_of`) read one entry."""
        found = self._open(root, reader, lambda inputs: True, with_index=False, whole=True)
        return None if found is None else found[0]

    def _open(self, root: Path, reader: ReaderInputs, accept: Callable[[dict[str, Any]], bool],
              with_index: bool, whole: bool = False, raw: bytes | None = None
              ) -> tuple[Any, Any, dict[str, Any]] | None:
        """(result, index or None, inputs) of the folder's entry if it is safe, of this tkctl,
        folder and settings, its time zones still known, and `accept(inputs)`; with `whole`,
        (the entry's bytes, None, inputs) instead. `raw`: the entry's bytes, as `whole` gave."""
        try:
            slot = self._slot(root, reader)
            if raw is None:
                _await_writer(_lock_path(slot), WRITER_WAIT)
            with (open(slot, "rb") if raw is None else io.BytesIO(raw)) as f:
                if raw is None and (not _private(os.fstat(f.fileno())) or not _private(os.stat(slot.parent))):
                    return None
                first = f.readline()
                header = json.loads(first)
                expected = self._header(root, reader)
                inputs = header.get("inputs")
                if inputs is None or {k: header.get(k) for k in expected} != expected:
                    return None
                if not accept(inputs) or not _zones_known(inputs["timezones"]):
                    return None
                if whole:
                    return first + f.read(), None, inputs
                result = pickle.load(f)
                return result, pickle.load(f) if with_index else None, inputs
        except _UNREADABLE:
            return None  # no entry, or one this tkctl cannot read: load from the files

    def store(self, root: Path, reader: ReaderInputs, inputs: Inputs, result: Any,
              prepare: Callable[[], None] | None = None, index: Any = None,
              refine: Callable[[], None] | None = None) -> None:
        """Save `result` for these inputs (after calling `prepare`, which may complete it), and
        `index`, what a later load of changed files may reuse of it; a cache that cannot be
        written is no error. The index is a second pickle after the result, so that an
        unchanged config loads without reading it. `refine`: work on the index that a later
        load would otherwise do, worth doing only in a second process (`background`)."""
        slot = self._slot(root, reader)
        header = {**self._header(root, reader), "inputs": {"files": inputs.files, "ui_files": inputs.ui_files,
                                                           "timezones": inputs.timezones}}
        entry = _Entry(slot, header, result, prepare, index, refine, self.background)
        if self.hold:
            self.held = entry
            return
        if not self.deferred:
            entry.write()
            return
        _PENDING.append(entry)

    def writer_left(self, child: Child) -> None:
        """`child` sent a load and is saving its entry (`loader._reuse_delta`): a deferred
        cache waits for it in `flush_deferred`, once the command's work is done; any other
        waits now, so that the next load finds the entry."""
        waiting = _ChildWrite(child)
        if self.deferred:
            _PENDING.append(waiting)
        else:
            waiting.finish()


@dataclass
class _ChildWrite:
    """An entry a child saves after sending its load. If it fails or is stuck (it is then
    killed), nothing is saved and the next load reads the changed files again."""

    child: Child

    def finish(self) -> bool:
        """Wait for the child (False: nothing was left to a detached writer)."""
        self.child.wait(WRITER_WAIT)
        return False


@dataclass
class _Entry:
    """One entry to write: here, or by a detached process (`background`)."""

    slot: Path
    header: dict[str, Any]
    result: Any
    prepare: Callable[[], None] | None
    index: Any
    refine: Callable[[], None] | None = None
    background: bool = False

    def _refine_and_write(self) -> None:
        if self.refine is not None:
            self.refine()
        self.write()

    def finish(self) -> bool:
        """Write the entry: in a detached process holding the entry's writing lock, if
        `background` and one can start (True); else here (False)."""
        if self.background:
            from tkctl.fork import detached

            lock = _writing_lock(self.slot)
            try:
                if detached(self._refine_and_write, keep=() if lock is None else (lock,)):
                    return True
            finally:
                if lock is not None:
                    os.close(lock)  # the writer's copy keeps the lock until it ends
        self.write()
        return False

    def write(self) -> None:
        """Write the entry."""
        _write(self.slot, self.header, self.result, self.prepare, self.index)

    def complete(self) -> None:
        """Work out what the entry keeps beyond the load (`prepare`: the plan forms), once:
        `write` does not do it again."""
        prepare, self.prepare = self.prepare, None
        if prepare is not None:
            prepare()


# Seconds `flush_deferred` waits at least for a child writing an entry, and a load for a
# detached writer of its folder's entry.
WRITER_WAIT = 10.0

# Entries stored by deferred caches, written (or waited for) by `flush_deferred`.
_PENDING: list[_Entry | _ChildWrite] = []


def flush_deferred() -> list[_Entry]:
    """Write every entry a deferred cache was asked to store (see `ConfigCache`), or have a
    detached process write it; wait for a child saving the entry of a load after an edit.
    Returns the entries left to detached writers: dropping one frees a whole loaded config,
    which the caller may rather leave to the process's end (`cli.entry`)."""
    left: list[_Entry] = []
    while _PENDING:
        pending = _PENDING.pop(0)
        if pending.finish():
            left.append(pending)  # type: ignore[arg-type]
    return left


def _lock_path(slot: Path) -> Path:
    return slot.with_name(slot.name + ".writing")


def _writing_lock(slot: Path) -> int | None:
    """A descriptor holding the entry's writing lock (an exclusive `flock` on its `.writing`
    file), or None: no lock to be had (another process is writing the same entry, or the
    folder refuses the file), and the entry is written unlocked, which costs the next load
    only its wait. The lock belongs to the open file, so a forked writer's copy of the
    descriptor holds it after this process closes its own."""
    try:
        import fcntl

        slot.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(_lock_path(slot), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except (ImportError, OSError):
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _await_writer(lock: Path, wait: float) -> None:
    """Return once no process holds the writing lock `lock`, or after `wait` seconds: a
    load right after a command that left its entry to a detached writer takes that entry
    instead of reading every file again. Costs one failed `open` when nothing was ever
    written in the background."""
    try:
        import fcntl

        fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
    except (ImportError, OSError):
        return
    try:
        deadline, delay = time.monotonic() + wait, 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return
            except OSError:
                if time.monotonic() >= deadline:
                    return
            time.sleep(delay)
            delay = min(delay * 2, 0.02)
    finally:
        os.close(fd)  # and with it the shared lock


def wait_for_writers(directory: Path, wait: float = WRITER_WAIT) -> None:
    """Wait until no detached process is writing an entry in the cache folder `directory`
    (each for at most `wait` seconds): for a script or test that looks at the entries, or
    empties the folder, right after a command."""
    for lock in sorted((directory / "config").glob("*.pickle.writing")):
        _await_writer(lock, wait)


def _write(slot: Path, header: dict[str, Any], result: Any, prepare: Callable[[], None] | None, index: Any) -> None:
    if prepare is not None:
        prepare()
    try:
        slot.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(os.stat(slot.parent)):
            return
        fd, tmp = tempfile.mkstemp(dir=slot.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(header).encode() + b"\n")
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, slot)
            _sweep_stale_temp_files(slot.parent)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, (pickle.PicklingError, TypeError, AttributeError, RecursionError)):
                return  # something in the config that pickle cannot write: no entry
            raise
    except OSError:
        return  # a folder or disk that refuses the entry: no entry, no error


# What reading an entry this tkctl cannot use raises.
_UNREADABLE = (OSError, ValueError, KeyError, TypeError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
               IndexError)


def result_of(raw: bytes) -> Any | None:
    """The result kept in an entry's bytes (`ConfigCache.previous_raw`), or None."""
    try:
        return pickle.loads(memoryview(raw)[raw.index(b"\n") + 1:])  # the header is one line
    except _UNREADABLE:
        return None


def _sweep_stale_temp_files(folder: Path, now: float | None = None) -> None:
    """Delete the temporary files of writes that were killed before they could (a child
    killed at its deadline, a command killed mid-write): each leaves its own, so they would
    pile up. Only files untouched for STALE_TEMP_SECONDS go, never one another command is
    still writing."""
    cutoff = (time.time() if now is None else now) - STALE_TEMP_SECONDS
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".tmp-") and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)


def _private(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    getuid = getattr(os, "getuid", None)
    mine = getuid is None or st.st_uid == getuid()
    return mine and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _unchanged(records: list[list[str]]) -> bool:
    for path, real, digest in records:
        if os.path.realpath(path) != real:
            return False
        with open(real, "rb") as f:
            if _sha(f.read()) != digest:
                return False
    return True


def _zones_known(names: list[str]) -> bool:
    from tkctl.config.constraints import is_timezone

    return all(is_timezone(name) for name in names)

