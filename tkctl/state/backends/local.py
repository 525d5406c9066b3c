"""The local backend: the state in a file, guarded by a lock file beside it (tkctl.state.lock).

The file is written atomically (temp file in the same folder, fsync, os.replace, fsync of the
folder): a crash leaves the old file or the new one, never half of one. The lock is advisory
and local to one filesystem; teams that apply from several machines use the s3 backend.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from tkctl.errors import StateError
from tkctl.fileio import read_regular_file, write_atomically
from tkctl.state.backend import LockView, Notify, wait_for_lock
from tkctl.state.format import MAX_STATE_BYTES, State, new_state, parse_state
from tkctl.state.lock import StateLock
from tkctl.state.store import StateStore


def load_state(path: Path) -> State:
    """The state in the file at `path`; a missing file is a fresh state (the first apply creates it)."""
    path = Path(path)
    try:
        raw = read_regular_file(path, MAX_STATE_BYTES)
    except FileNotFoundError:
        return new_state()
    except OSError as exc:
        raise StateError(f"cannot read the state file {path}: {exc.strerror or exc}") from None
    return parse_state(raw, str(path))


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
    def locked(self, command: str, timeout: float = 0.0, notify: Notify | None = None) -> Iterator[StateStore]:
        lock = StateLock(self.path, command)
        wait_for_lock(lock.acquire, timeout, notify)
        try:
            remove_leftover_temp_files(self.path)  # a killed save's debris: nobody else can be writing
            yield StateStore(LocalFile(self.path), load_state(self.path))
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
