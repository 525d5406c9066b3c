"""The state journal: each change a command makes, appended beside the state, compacted at the end.

Saving the whole state after every step costs time in proportion to the state (87 ms per save
at 52,000 objects), which held apply to 63% of Timekit's rate limit on large accounts. So a
command that writes the state appends each change to a journal instead, one JSON line per
change, durable before the step is reported done, and writes the whole state once, when it
ends (compaction). A change then costs the same whatever the size of the state.

The journal's text (the same on every backend: a file, or numbered S3 objects read in order):

    {"tkctl_journal": 1, "lineage": "<uuid4>", "serial": 41}            the state it applies to
    {"serial": 42, "app": {"id": "...", "slug": "clinic"}}               bind_app
    {"serial": 43, "put": {"kind": "resource", "key": "a", "id": ...}}   record (a state entry)
    {"serial": 44, "forget": "resource.b"}                               forget

Each change raises the serial by one, as a save of the whole state used to, so the state a
compaction writes is exactly the one saving after every step would have left. A journal
applies only to the state it names (lineage and serial; serial 0 with a lineage the state has
not chosen yet is a first apply's). Reading it:
- a last line without its newline is a write cut short by a kill: that step was never reported
  done, so it is ignored;
- a journal whose changes the state already holds (killed between writing the compacted state
  and deleting the journal) is stale: ignored, and deleted by the next command that locks;
- a journal of another lineage or serial is refused (JournalMismatch), never replayed into the
  wrong state nor deleted: someone replaced the state since that apply was killed.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Iterator, Protocol

from tkctl.errors import StateError
from tkctl.state.format import State, StateEntry, dump_state, parse_entry
from tkctl.state.store import StateSink, StateStore

JOURNAL_VERSION = 1


class JournalMismatch(StateError):
    """The journal beside a state records changes to another state (lineage or serial)."""


class Journal(Protocol):
    """Where a store's changes go until compaction: a file, numbered S3 objects."""

    name: str  # how messages name it

    def read(self) -> bytes | None: ...  # the whole journal, None when there is none

    def append(self, text: str) -> None: ...  # durable when it returns; raises StateError

    def remove(self) -> None: ...  # delete it (after its changes are in the state)


# ---------------------------------------------------------------- lines


def header_line(lineage: str, serial: int) -> str:
    return json.dumps({"tkctl_journal": JOURNAL_VERSION, "lineage": lineage, "serial": serial})


def change_line(serial: int, op: str, value: Any) -> str:
    return json.dumps({"serial": serial, op: value}, ensure_ascii=False, separators=(",", ":"))


def entry_doc(entry: StateEntry) -> dict[str, Any]:
    """An entry as the state file writes it (only StateEntry's fields: no token can reach it)."""
    doc: dict[str, Any] = {"kind": entry.kind, "key": entry.key, "id": entry.id, "fingerprint": entry.fingerprint,
                           "fields": dict(entry.fields)}
    if entry.lifecycle:
        doc["lifecycle"] = dict(entry.lifecycle)
    return doc


# ---------------------------------------------------------------- replay


@dataclass
class Replay:
    state: State  # the state with the journal's changes applied
    changes: int  # how many changes were applied
    stale: bool = False  # the state already held them: delete the journal
    torn: bool = False  # a last line cut short was ignored


def replay(state: State, raw: bytes | None, journal_name: str, state_name: str) -> Replay:
    """`state` with the changes in the journal `raw` applied (in place); see the module doc."""
    if raw is None:
        return Replay(state, 0)
    *lines, tail = raw.split(b"\n")
    torn = bool(tail)
    if not lines:
        return Replay(state, 0, torn=torn)  # only a header cut short: nothing was recorded
    header = _load(lines[0], journal_name, 1)
    lineage, base = header.get("lineage"), header.get("serial")
    if header.get("tkctl_journal") != JOURNAL_VERSION or not isinstance(lineage, str) or not lineage \
            or not isinstance(base, int) or isinstance(base, bool) or base < 0:
        raise StateError(f"the state journal {journal_name} does not start with a tkctl journal header "
                         f"(line 1); tkctl left it as it is. {_advice(journal_name)}")
    count = len(lines) - 1
    if state.lineage == lineage and state.serial > base and _holds(state, base, lines[1:], journal_name):
        # Killed after compacting, before deleting the journal: the state holds every change.
        return Replay(state, 0, stale=True, torn=torn)
    if state.serial != base or state.lineage not in (lineage, ""):
        raise JournalMismatch(
            f"the state journal {journal_name} holds {count} change(s) an interrupted tkctl made to the state of "
            f"lineage {lineage} at serial {base}, but the state {state_name} is "
            + (f"lineage {state.lineage} at serial {state.serial}" if state.lineage else "empty")
            + ": the state was replaced or restored since, so tkctl did not replay the journal into it nor delete "
            f"it. If {state_name} should be the state that run wrote to, put that state back and run tkctl again "
            f"(it replays the journal); otherwise {_advice(journal_name)}"
        )
    state.lineage = lineage
    _apply_lines(state, lines[1:], journal_name)
    return Replay(state, count, torn=torn)


def _apply_lines(state: State, lines: list[bytes], journal_name: str) -> None:
    for number, line in enumerate(lines, start=2):
        doc = _load(line, journal_name, number)
        if doc.get("serial") != state.serial + 1:
            raise StateError(f"the state journal {journal_name} is damaged: line {number} has serial "
                             f"{doc.get('serial')!r}, not {state.serial + 1}; tkctl left it as it is. "
                             + _advice(journal_name))
        _apply(state, doc, journal_name, number)
        state.serial += 1


def _holds(state: State, base: int, lines: list[bytes], journal_name: str) -> bool:
    """Whether applying `lines` would change nothing in `state`: its changes are all in it.

    Lines may be missing (an S3 journal whose removal was cut short), so serials are not
    checked to follow each other here, only to be no newer than the state's."""
    probe = State(lineage=state.lineage, serial=base, entries=dict(state.entries),
                  app=dict(state.app) if state.app else None)
    try:
        for number, line in enumerate(lines, start=2):
            doc = _load(line, journal_name, number)
            if not isinstance(doc.get("serial"), int) or doc["serial"] > state.serial:
                return False
            _apply(probe, doc, journal_name, number)
    except StateError:
        return False
    return probe.entries == state.entries and probe.app == state.app


def _apply(state: State, doc: dict[str, Any], journal_name: str, number: int) -> None:
    where = f"{journal_name} line {number}"
    if isinstance(doc.get("put"), dict):
        raw = doc["put"]
        address = f"{raw.get('kind')}.{raw.get('key')}"
        state.put(parse_entry(where, address, raw))
    elif isinstance(doc.get("forget"), str) and "." in doc["forget"]:
        kind, key = doc["forget"].split(".", 1)
        state.remove(kind, key)
    elif isinstance(doc.get("app"), dict) and isinstance(doc["app"].get("id"), str):
        state.app = {str(k): str(v) for k, v in doc["app"].items()}
    else:
        raise StateError(f"the state journal {journal_name} is damaged: line {number} is not a change tkctl "
                         f"writes; tkctl left it as it is. {_advice(journal_name)}")


def _load(line: bytes, journal_name: str, number: int) -> dict[str, Any]:
    try:
        doc = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        doc = None
    if not isinstance(doc, dict):
        raise StateError(f"the state journal {journal_name} is damaged: line {number} is not a JSON object; tkctl "
                         f"left it as it is. {_advice(journal_name)}")
    return doc


def _advice(journal_name: str) -> str:
    return (f"move {journal_name} aside and run tkctl plan: objects the interrupted apply created carry their tkctl "
            "tag and are adopted, not created twice.")


def open_journaled(sink: StateSink, journal: Journal, state: State, state_name: str) -> JournaledStateStore:
    """The store a locked command writes through, once a journal a killed command left is
    replayed and compacted into the state (or refused: JournalMismatch)."""
    raw = journal.read()
    replayed = replay(state, raw, journal.name, state_name)
    store = JournaledStateStore(sink, journal, replayed.state)
    if raw is not None:
        if replayed.changes:
            sink.write(dump_state(replayed.state))
        journal.remove()
    return store


# ---------------------------------------------------------------- the store


class JournaledStateStore(StateStore):
    """A StateStore that appends each change to a journal and writes the whole state at `close`.

    Thread-safe, with group commit: a change returns once a journal write holding it
    succeeded; changes that arrive while a write is in flight share the next write (one fsync,
    or one S3 PUT, for all of them). After a failed write the store refuses every further
    change and `close` leaves the journal for the next command to replay: it holds every change
    that was reported done.
    """

    def __init__(self, sink: StateSink, journal: Journal, state: State):
        super().__init__(sink, state)
        self.journal = journal
        self._lock = threading.Lock()
        self._written_cond = threading.Condition(self._lock)
        self._pending: list[str] = []  # lines not written yet
        self._changes = 0
        self._written = 0
        self._writing = False
        self._failure: StateError | None = None
        self._started = False  # the journal has its header
        self.journal_changes = 0  # changes in the journal, not yet compacted
        self.journal_writes = 0  # successful appends (benchmarks, tests)
        self.journal_bytes = 0  # bytes appended (benchmarks, tests)

    def record(self, entry: StateEntry) -> None:
        with self._lock:
            self._check()
            self.state.put(entry)
            ticket = self._change("put", entry_doc(entry))
        self._wait_written(ticket)

    def bind_app(self, app: dict[str, str]) -> None:
        with self._lock:
            self._check()
            if self.state.app == app:
                return
            self.state.app = dict(app)
            ticket = self._change("app", dict(app))
        self._wait_written(ticket)

    def forget(self, kind: str, key: str) -> None:
        with self._lock:
            self._check()
            if self.state.get(kind, key) is None:
                return
            self.state.remove(kind, key)
            ticket = self._change("forget", f"{kind}.{key}")
        self._wait_written(ticket)

    def save(self) -> None:
        """Write the whole state now: compact the journal, or (nothing journaled) save it with its
        serial one higher, choosing the lineage of a state never saved."""
        with self._lock:
            self._check()
            self._idle()
            if self.journal_changes or self._pending:
                self._compact()
                return
            if not self.state.lineage:
                self.state.lineage = str(uuid.uuid4())
            self.state.serial += 1
            self.sink.write(dump_state(self.state))

    def replace(self, state: State) -> None:
        """Write `state` as it is (`tkctl state push`), after compacting what the journal holds."""
        with self._lock:
            self._check()
            self._idle()
            self._compact()
            self.sink.write(dump_state(state))
            self.state = state

    def close(self) -> None:
        """Compact: write the whole state, then delete the journal. After a failed write, or if
        this raises, the journal stays and the next command that reads the state replays it."""
        with self._lock:
            self._idle()
            if self._failure is None:
                self._compact()

    # ------------------------------------------------------------ internals (lock held)

    def _check(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _idle(self) -> None:
        while self._writing:
            self._written_cond.wait()

    def _compact(self) -> None:
        if not self.journal_changes and not self._pending:
            return
        self.sink.write(dump_state(self.state))
        self._pending.clear()
        self._written = self._changes
        self.journal.remove()
        self.journal_changes = 0
        self._started = False

    def _change(self, op: str, value: Any) -> int:
        if not self._started:
            if not self.state.lineage:
                self.state.lineage = str(uuid.uuid4())
            self._pending.append(header_line(self.state.lineage, self.state.serial))
            self._started = True
        self.state.serial += 1
        self._pending.append(change_line(self.state.serial, op, value))
        self._changes += 1
        return self._changes

    def _wait_written(self, ticket: int) -> None:
        with self._lock:
            while self._written < ticket:
                self._check()
                if self._writing:
                    self._written_cond.wait()
                else:
                    self._write_batch()

    def _write_batch(self) -> None:
        """Append every pending line; the lock is released during the write itself."""
        self._writing = True
        carried, lines = self._changes, self._pending
        self._pending = []
        text = "\n".join(lines) + "\n"
        failure: StateError | None = None
        self._lock.release()
        try:
            self.journal.append(text)
        except StateError as exc:
            failure = exc
        except BaseException:
            failure = StateError(f"writing the state journal {self.journal.name} was interrupted; nothing more "
                                 "is written")
            raise
        finally:
            self._lock.acquire()
            self._writing = False
            if failure is None:
                self.journal_changes += sum(1 for line in lines if not line.startswith('{"tkctl_journal"'))
                self.journal_writes += 1
                self.journal_bytes += len(text.encode("utf-8"))
                self._written = carried
            else:
                self._failure = failure
            self._written_cond.notify_all()


@contextlib.contextmanager
def closing_store(store: JournaledStateStore) -> Iterator[JournaledStateStore]:
    """Compact when the block ends. If the block raised, a failed compaction is not allowed to
    hide its error: the journal then stays, and the next command replays it."""
    try:
        yield store
    except BaseException:
        with contextlib.suppress(StateError):
            store.close()
        raise
    store.close()
