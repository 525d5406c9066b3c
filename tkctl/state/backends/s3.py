"""The s3 backend: the state as one object in a bucket of any S3-compatible store (AWS S3,
MinIO, Cloudflare R2, Ceph), guarded by a lock object beside it (see s3lock.py).

Every write of the state is conditional: `If-Match` on the ETag this tkctl last read or wrote,
or `If-None-Match: *` when there was no state yet. So even a writer that ignored the lock (an
old tkctl, a hand edit, a lock removed with --force) can never be overwritten silently: the
loser's write fails, it stops, and says so. The lock makes a second apply fail at once, before
it has changed anything in Timekit; the conditional writes make losing a write impossible.

While a command holds the lock, its changes go to a journal (tkctl.state.journal): numbered
objects `<key>.journal/00000001`, `00000002`, ..., each written with `If-None-Match: *`, one
per write, and read back in order; the whole state is written once, when the command ends
(compaction, still conditional), and the journal's objects are then deleted. A journal write is
a network round trip, so apply's concurrent steps share them (group commit): each step returns
only once a write holding it succeeded, and a write costs the same whatever the state's size.
Reading the state (plan, drift, pull) lists the journal's prefix too, and replays a journal a
killed command left.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

from tkctl.errors import StateError
from tkctl.state.backend import LockView, Notify, wait_for_lock
from tkctl.state.backends.s3client import Conflict, S3Bucket
from tkctl.state.backends.s3lock import S3Lock, read_lock
from tkctl.state.format import MAX_STATE_BYTES, State, new_state, parse_state_text, state_text
from tkctl.state.journal import JournaledStateStore, JournalMismatch, closing_store, open_journaled, replay
from tkctl.state.spec import S3StateSpec

READ_ATTEMPTS = 3  # an unlocked read can meet a journal compacted and restarted between its reads


class S3Backend:
    def __init__(self, spec: S3StateSpec, client: object = None):
        self.spec = spec
        self.name = spec.url
        self.bucket = S3Bucket(spec, client)

    def read(self) -> State:
        """The state as the last command left it, a killed command's journal replayed (no lock)."""
        journal = S3Journal(self, None)
        for attempt in range(READ_ATTEMPTS):
            state = self._read()[0]
            try:
                return replay(state, journal.read(), journal.name, self.name).state
            except JournalMismatch:
                if attempt == READ_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _read(self) -> tuple[State, str | None]:
        found = self.bucket.get(self.spec.key, "read", MAX_STATE_BYTES)
        if found is None:
            return new_state(), None
        text, etag = state_text(found.body, self.name), found.etag
        del found  # the object's bytes go before its text is decoded (as the local backend's)
        return parse_state_text(text, self.name), etag

    @contextlib.contextmanager
    def locked(self, command: str, timeout: float = 0.0,
               notify: Notify | None = None) -> Iterator[JournaledStateStore]:
        lock = S3Lock(self.bucket, self.spec.key, self.name, command, notify)
        wait_for_lock(lock.acquire, timeout, notify)
        try:
            state, etag = self._read()
            store = open_journaled(StateObject(self, etag, lock), S3Journal(self, lock), state, self.name)
            with closing_store(store):
                yield store
        finally:
            lock.release()

    def lock_view(self) -> LockView | None:
        return read_lock(self.bucket, self.spec.key)

    def remove_lock(self, view: LockView) -> None:
        """Delete the lock seen in `view`; a lock taken since then is left alone."""
        if not self.bucket.delete(f"{self.spec.key}.lock", "remove the lock of", if_match=view.token):
            raise StateError(f"the state lock {view.name} changed while tkctl looked at it (another tkctl took it); "
                             "nothing was removed. Run `tkctl state unlock` again to see who holds it now.")


class S3Journal:
    """A JournaledStateStore's journal: numbered objects under `<key>.journal/`, each written once."""

    def __init__(self, backend: S3Backend, lock: S3Lock | None):
        self.backend = backend
        self.bucket = backend.bucket
        self.prefix = f"{backend.spec.key}.journal/"
        self.name = f"s3://{backend.spec.bucket}/{self.prefix}"
        self.lock = lock
        self._keys: list[str] = []  # the objects this journal is made of, in order

    def read(self) -> bytes | None:
        self._keys = self.bucket.list_keys(self.prefix, "read the journal of")
        if not self._keys:
            return None
        with ThreadPoolExecutor(max_workers=8) as pool:  # a round trip each: not one after another
            found = list(pool.map(lambda key: self.bucket.get(key, "read the journal of", MAX_STATE_BYTES), self._keys))
        # An object deleted by a compaction since the listing is one the state holds.
        return b"".join(f.body for f in found if f is not None)

    def append(self, text: str) -> None:
        if self.lock is not None and self.lock.lost:
            raise StateError(_LOCK_LOST.format(lock=self.lock.name))
        key = f"{self.prefix}{len(self._keys) + 1:08d}"
        try:
            self.bucket.put(key, text.encode("utf-8"), "write the journal of", if_absent=True)
        except Conflict:
            raise StateError(f"the state journal object s3://{self.backend.spec.bucket}/{key} was written by another "
                             "writer, so tkctl stopped. Another tkctl wrote it without the lock; run tkctl plan to see "
                             "where things stand.") from None
        self._keys.append(key)

    def remove(self) -> None:
        """Delete every object, the first (the header) last: a removal cut short leaves a
        journal whose changes the state holds, which the next command recognises and deletes."""
        keys = self._keys or self.bucket.list_keys(self.prefix, "read the journal of")
        self.bucket.delete_many(keys[1:], "delete the journal of")
        if keys:
            self.bucket.delete(keys[0], "delete the journal of")
        self._keys = []


_LOCK_LOST = (
    "this tkctl lost the state lock {lock} while it ran (removed with `tkctl state unlock --force`, or expired "
    "while this machine was not running), so it stopped without writing the state again. What was saved so far "
    "is in the state; run tkctl plan to see what is left."
)


class StateObject:
    """A StateStore's sink: the state object, written only over the version this tkctl last saw."""

    def __init__(self, backend: S3Backend, etag: str | None, lock: S3Lock):
        self.backend = backend
        self.name = backend.name
        self.etag = etag
        self.lock = lock

    def write(self, text: str) -> None:
        if self.lock.lost:
            raise StateError(_LOCK_LOST.format(lock=self.lock.name))
        body = text.encode("utf-8")
        try:
            self.etag = self.backend.bucket.put(self.backend.spec.key, body, "write", if_match=self.etag,
                                                if_absent=self.etag is None)
        except Conflict:
            raise StateError(
                f"the state file {self.name} was changed by another writer since this tkctl read it, so tkctl did "
                "not overwrite it and stopped. Another tkctl wrote it without the lock, or it was replaced by hand; "
                "run tkctl plan to see where things stand."
            ) from None
