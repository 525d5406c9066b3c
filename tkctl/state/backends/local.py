"""The local backend: the state in a file, guarded by a lock file beside it (tkctl.state.lock).

The file is written atomically (temp file in the same folder, fsync, os.replace, fsync of the
folder): a crash leaves the old file or the new one, never half of one. While a command holds
the lock, its changes go to the journal `<state>.journal` beside it (tkctl.state.journal), one
fsynced line per change, and the whole file is written once when the command ends; reading
the state replays a journal a killed command left. The lock is advisory and local to one
filesystem; teams that apply from several machines use the s3 backend.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from tkctl.errors import StateError
from tkctl.fileio import fsync_folder, read_regular_chunks, read_regular_file, write_atomically
from tkctl.state.backend import LockView, Notify, wait_for_lock
from tkctl.state.format import (MAX_STATE_BYTES, State, new_state, parse_state_chunks, parse_state_text,
                                state_text)
from tkctl.state.journal import JournaledStateStore, JournalMismatch, closing_store, open_journaled, replay
from tkctl.state.lock import StateLock

READ_ATTEMPTS = 3  # an unlocked read can meet a journal compacted and restarted between its two reads


def journal_path_for(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".journal")


def load_state(path: Path) -> State:
    """The state at `path` as the last command left it: the file, plus the changes in a journal a
    killed command left beside it (replayed in memory; the next command that locks compacts it).
    A missing file is a fresh state (the first apply creates it). Takes no lock."""
    path = Path(path)
    journal = LocalJournal(journal_path_for(path))
    for attempt in range(READ_ATTEMPTS):
        state = _load_file(path)
        try:
            return replay(state, journal.read(), journal.name, str(path)).state
        except JournalMismatch:
            if attempt == READ_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _load_file(path: Path) -> State:
    """The state in the file at `path` alone; a missing file is a fresh state.

    Read a megabyte at a time (`parse_state_chunks`); a file that is not as tkctl writes it,
    or is damaged, is read again whole, for the state or the message that names its fault."""
    try:
        with contextlib.closing(read_regular_chunks(path, MAX_STATE_BYTES)) as chunks:
            state = parse_state_chunks(chunks, str(path))
        if state is not None:
            return state
        raw = read_regular_file(path, MAX_STATE_BYTES)
    except FileNotFoundError:
        return new_state()
    except OSError as exc:
        raise StateError(f"cannot read the state file {path}: {exc.strerror or exc}") from None
    text = state_text(raw, str(path))
    del raw  # before the text is decoded, not after: at 20,000 resources, 25 MB less at the peak
    return parse_state_text(text, str(path))


class LocalFile:
    """A StateStore's sink: the state file, replaced atomically on every write."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.name = str(self.path)

    def write(self, text: str) -> None:
        try:
            write_atomically(self.path, text)
        except FileExistsError:  # from mkdir: a file where the folder should be
            raise StateError(f"cannot write the state file {self.path}: {self.path.parent} is not a folder") from None
        except OSError as exc:
            raise StateError(f"cannot write the state file {self.path}: {exc.strerror or exc}") from None


class LocalJournal:
    """A JournaledStateStore's journal: `<state>.journal`, appended and fsynced per write.

    Created with O_EXCL: a journal found when a locked command starts was compacted first, so
    one found later was made by a writer that ignored the lock, and is never appended to."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.name = str(self.path)
        self._fd: int | None = None

    def read(self) -> bytes | None:
        try:
            return read_regular_file(self.path, MAX_STATE_BYTES)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"cannot read the state journal {self.path}: {exc.strerror or exc}") from None

    def append(self, text: str) -> None:
        data = text.encode("utf-8")
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
                fsync_folder(self.path.parent)  # the journal's name is as durable as its lines
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            os.fsync(self._fd)
        except OSError as exc:
            raise StateError(f"cannot write the state journal {self.path}: {exc.strerror or exc}") from None

    def remove(self) -> None:
        self.close()
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise StateError(f"cannot delete the state journal {self.path}: {exc.strerror or exc}") from None
        fsync_folder(self.path.parent)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def remove_leftover_temp_files(path: Path) -> list[Path]:
    """Delete temp files a killed writer left beside `path` (`.<name>.*.tmp`).

    Call it only while holding the state lock: then no other tkctl can be writing one."""
    removed = []
    try:
        candidates = list(path.parent.glob(f".{path.name}.*.tmp"))
    except OSError:
        return removed
    for candidate in candidates:
        try:
            if candidate.is_file() and not candidate.is_symlink():
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            pass
    return removed


class LocalBackend:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.name = str(self.path)

    def read(self) -> State:
        return load_state(self.path)

    @contextlib.contextmanager
    def locked(self, command: str, timeout: float = 0.0,
               notify: Notify | None = None) -> Iterator[JournaledStateStore]:
        lock = StateLock(self.path, command)
        wait_for_lock(lock.acquire, timeout, notify)
        try:
            remove_leftover_temp_files(self.path)  # a killed save's debris: nobody else can be writing
            journal = LocalJournal(journal_path_for(self.path))
            store = open_journaled(LocalFile(self.path), journal, _load_file(self.path), self.name)
            try:
                with closing_store(store):
                    yield store
            finally:
                journal.close()
        finally:
            lock.release()

    def lock_view(self) -> LockView | None:
        lock = StateLock(self.path, "unlock")
        holder, problem = lock.holder()
        if holder is None and problem is None:
            return None
        return LockView(str(lock.path), holder, problem, lock.is_stale(holder))

    def remove_lock(self, view: LockView) -> None:
        StateLock(self.path, "unlock").remove()
