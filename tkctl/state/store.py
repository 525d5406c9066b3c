"""The state a command writes: kept in memory, saved through a backend's sink after every change.

Backends do not use these for commands any more: their locked() gives a JournaledStateStore
(tkctl.state.journal), which appends each change to a journal and writes the whole state once
at the end, because a whole-state save per change costs time in proportion to the state. These
two remain for in-memory states (test runs, previews), tools, and as the model the journal
must match: a replayed journal is byte for byte what StateStore would have saved.

Apply records each step from up to 8 worker threads and must never report a step done before
the state that holds it is saved: a killed apply then loses at most the steps in flight (and
each of those objects carries its tkctl tag in Timekit, so the next plan adopts it).

Two ways to save, one guarantee (a change returns only once it is written):
- `StateStore` writes each change before returning, one at a time. A local file costs well
  under a millisecond to replace, so this is all it needs. A failed save undoes the change, so
  memory always matches what was written.
- `GroupedStateStore` is for stores where one write costs a network round trip (S3). Workers
  whose changes arrive while a write is in flight wait for the next write, which carries all
  of their changes at once, instead of queueing for a write each (benchmarks/state.py: 200
  steps on 8 workers took 91 writes, and half the time a queue of 200 did). No timer, no
  background thread: a lone change is written at once. After a failed write the
  store refuses every further change (apply stops); memory may then be ahead of what was
  written, and nothing reads it after that.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Protocol

from tkctl.errors import StateError
from tkctl.state.format import FORMAT_VERSION, State, StateEntry, dump_state, new_state

__all__ = ["FORMAT_VERSION", "GroupedStateStore", "State", "StateEntry", "StateSink", "StateStore", "new_state"]


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


class GroupedStateStore(StateStore):
    """A StateStore whose concurrent changes share writes (group commit); see the module doc."""

    def __init__(self, sink: StateSink, state: State):
        super().__init__(sink, state)
        self._lock = threading.Lock()
        self._written_cond = threading.Condition(self._lock)
        self._changes = 0  # changes made in memory so far
        self._written = 0  # of those, how many the last successful write carried
        self._writing = False
        self._failure: StateError | None = None
        self.writes = 0  # successful writes, for benchmarks and tests

    def record(self, entry: StateEntry) -> None:
        with self._lock:
            self._check()
            self.state.put(entry)
            ticket = self._change()
        self._wait_written(ticket)

    def bind_app(self, app: dict[str, str]) -> None:
        with self._lock:
            self._check()
            if self.state.app == app:
                return
            self.state.app = dict(app)
            ticket = self._change()
        self._wait_written(ticket)

    def forget(self, kind: str, key: str) -> None:
        with self._lock:
            self._check()
            if self.state.get(kind, key) is None:
                return
            self.state.remove(kind, key)
            ticket = self._change()
        self._wait_written(ticket)

    def save(self) -> None:
        with self._lock:
            self._check()
            ticket = self._change()
        self._wait_written(ticket)

    def replace(self, state: State) -> None:
        with self._lock:
            self._check()
            while self._writing:
                self._written_cond.wait()
            self.sink.write(dump_state(state))
            self.state = state
            self._written = self._changes

    # ------------------------------------------------------------ internals (lock held)

    def _check(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _change(self) -> int:
        self._changes += 1
        return self._changes

    def _wait_written(self, ticket: int) -> None:
        """Return once a write carrying change `ticket` succeeded; write it if nobody is."""
        with self._lock:
            while self._written < ticket:
                self._check()
                if self._writing:
                    self._written_cond.wait()
                else:
                    self._write_batch()

    def _write_batch(self) -> None:
        """Write everything changed so far; the lock is released during the write itself."""
        self._writing = True
        carried = self._changes
        if not self.state.lineage:
            self.state.lineage = str(uuid.uuid4())
        self.state.serial += 1
        text = dump_state(self.state)
        failure: StateError | None = None
        self._lock.release()
        try:
            self.sink.write(text)
        except StateError as exc:
            failure = exc
        except BaseException:
            failure = StateError(f"saving the state {self.sink.name} was interrupted; nothing more is written")
            raise
        finally:
            self._lock.acquire()
            self._writing = False
            if failure is None:
                self._written = carried
                self.writes += 1
            else:
                self.state.serial -= 1
                self._failure = failure
            self._written_cond.notify_all()
