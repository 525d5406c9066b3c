"""The state a command writes: kept in memory, saved through a backend's sink after every change.

Backends do not use it for commands any more: their locked() gives a JournaledStateStore
(tkctl.state.journal), which appends each change to a journal (concurrent changes sharing one
append) and writes the whole state once at the end, because a whole-state save per change
costs time in proportion to the state. StateStore remains for in-memory states (test runs,
previews), tools, and as the model the journal must match: a replayed journal is byte for
byte what StateStore would have saved.

Apply records each step from up to 8 worker threads and must never report a step done before
the state that holds it is saved: a killed apply then loses at most the steps in flight (and
each of those objects carries its tkctl tag in Timekit, so the next plan adopts it).
`StateStore` writes each change before returning, one at a time; a failed save undoes the
change, so memory always matches what was written.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Protocol

from tkctl.errors import StateError
from tkctl.state.format import FORMAT_VERSION, State, StateEntry, dump_state, new_state

__all__ = ["FORMAT_VERSION", "State", "StateEntry", "StateSink", "StateStore", "new_state"]


class StateSink(Protocol):
    """Where a store's saves go: a local file, an S3 object. `write` raises StateError."""

    name: str  # how messages name the state: a path, or s3://bucket/key

    def write(self, text: str) -> None: ...


class StateStore:
    """Thread-safe: apply writes concurrently and saves after every successful write.

    What is in memory always matches what was saved: when a save fails, the change that
    caused it is undone before StateError is raised.
    """

    def __init__(self, sink: StateSink | Path | str, state: State):
        if isinstance(sink, (str, Path)):
            from tkctl.state.backends.local import LocalFile  # the local sink imports this module

            sink = LocalFile(Path(sink))
        self.sink = sink
        self.state = state
        self._lock: threading.RLock | threading.Lock = threading.RLock()

    @property
    def name(self) -> str:
        return self.sink.name

    def record(self, entry: StateEntry) -> None:
        with self._lock:
            previous = self.state.entries.get(entry.address)
            self.state.put(entry)
            try:
                self.save()
            except StateError:
                self._restore(entry.address, previous)
                raise

    def bind_app(self, app: dict[str, str]) -> None:
        """Record which Timekit app this state describes (first apply or refresh); saves."""
        with self._lock:
            if self.state.app == app:
                return
            previous, self.state.app = self.state.app, dict(app)
            try:
                self.save()
            except StateError:
                self.state.app = previous
                raise

    def forget(self, kind: str, key: str) -> None:
        """Drop an entry and save; forgetting what is not there writes nothing."""
        with self._lock:
            previous = self.state.get(kind, key)
            if previous is None:
                return
            self.state.remove(kind, key)
            try:
                self.save()
            except StateError:
                self._restore(previous.address, previous)
                raise

    def save(self) -> None:
        """Write the state with its serial one higher (choosing the lineage on the first save)."""
        with self._lock:
            if not self.state.lineage:
                self.state.lineage = str(uuid.uuid4())
            self.state.serial += 1
            try:
                self.sink.write(dump_state(self.state))
            except BaseException:
                self.state.serial -= 1
                raise

    def replace(self, state: State) -> None:
        """Write `state` as it is, serial and lineage included (`tkctl state push`).

        Not for use while other threads record: push runs alone under the lock."""
        with self._lock:
            self.sink.write(dump_state(state))
            self.state = state

    def _restore(self, address: str, previous: StateEntry | None) -> None:
        if previous is None:
            self.state.entries.pop(address, None)
        else:
            self.state.entries[address] = previous
