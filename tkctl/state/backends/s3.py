"""The s3 backend: the state as one object in a bucket of any S3-compatible store (AWS S3,
MinIO, Cloudflare R2, Ceph), guarded by a lock object beside it (see s3lock.py).

Every write of the state is conditional: `If-Match` on the ETag this tkctl last read or wrote,
or `If-None-Match: *` when there was no state yet. So even a writer that ignored the lock (an
old tkctl, a hand edit, a lock removed with --force) can never be overwritten silently: the
loser's write fails, it stops, and says so. The lock makes a second apply fail at once, before
it has changed anything in Timekit; the conditional writes make losing a write impossible.

A write is one PUT of the whole state, a network round trip, so apply's concurrent steps share
writes (GroupedStateStore): each step still returns only once a write holding it succeeded.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from tkctl.errors import StateError
from tkctl.state.backend import LockView, Notify, wait_for_lock
from tkctl.state.backends.s3client import Conflict, S3Bucket
from tkctl.state.backends.s3lock import S3Lock, read_lock
from tkctl.state.format import MAX_STATE_BYTES, State, new_state, parse_state
from tkctl.state.spec import S3StateSpec
from tkctl.state.store import GroupedStateStore


class S3Backend:
    def __init__(self, spec: S3StateSpec, client: object = None):
        self.spec = spec
        self.name = spec.url
        self.bucket = S3Bucket(spec, client)

    def read(self) -> State:
        return self._read()[0]

    def _read(self) -> tuple[State, str | None]:
        found = self.bucket.get(self.spec.key, "read", MAX_STATE_BYTES)
        if found is None:
            return new_state(), None
        return parse_state(found.body, self.name), found.etag

    @contextlib.contextmanager
    def locked(self, command: str, timeout: float = 0.0,
               notify: Notify | None = None) -> Iterator[GroupedStateStore]:
        lock = S3Lock(self.bucket, self.spec.key, self.name, command, notify)
        wait_for_lock(lock.acquire, timeout, notify)
        try:
            state, etag = self._read()
            yield GroupedStateStore(StateObject(self, etag, lock), state)
        finally:
            lock.release()

    def lock_view(self) -> LockView | None:
        return read_lock(self.bucket, self.spec.key)

    def remove_lock(self, view: LockView) -> None:
        """Delete the lock seen in `view`; a lock taken since then is left alone."""
        if not self.bucket.delete(f"{self.spec.key}.lock", "remove the lock of", if_match=view.token):
            raise StateError(f"the state lock {view.name} changed while tkctl looked at it (another tkctl took it); "
                             "nothing was removed. Run `tkctl state unlock` again to see who holds it now.")


class StateObject:
    """A StateStore's sink: the state object, written only over the version this tkctl last saw."""

    def __init__(self, backend: S3Backend, etag: str | None, lock: S3Lock):
        self.backend = backend
        self.name = backend.name
        self.etag = etag
        self.lock = lock

    def write(self, text: str) -> None:
        if self.lock.lost:
            raise StateError(
                f"this tkctl lost the state lock {self.lock.name} while it ran (removed with `tkctl state unlock "
                "--force`, or expired while this machine was not running), so it stopped without writing the "
                "state again. What was saved so far is in the state; run tkctl plan to see what is left."
            )
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
