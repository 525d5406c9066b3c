"""The lock of an S3 state: an object beside it, `<key>.lock`, created only if absent.

Taking the lock is one conditional write (`If-None-Match: *`): of two tkctls, the store lets
exactly one create it, on any number of machines. The object holds JSON naming the holder:
    {"pid": 4242, "host": "ci-7", "user": "ana", "command": "apply", "created_at": "2024-05-01T09:30:00Z",
     "expires_at": "2024-05-01T09:35:00Z", "ttl_seconds": 300, "nonce": "..."}

A holder rewrites its lock every RENEW_SECONDS (a write conditional on the lock's ETag, so it
never renews a lock that is no longer its own). A lock expires `ttl_seconds` after it was last
written, by the store's clock alone: its Last-Modified against the Date of the store's answer,
so no host's clock enters into it (`expires_at` is the holder's estimate, for people). A tkctl
that was killed stops renewing; once its lock has expired it is stale, and the next tkctl takes
it over with one write conditional on the stale lock's ETag, so of two that try, one wins. As
with the local lock, a holder that was a process on this host that no longer exists is stale
at once, and so is a lock object that is not JSON once it is GRACE_SECONDS old.

A holder that finds its lock gone or replaced when renewing (`tkctl state unlock --force`, or
an expiry while the machine slept) marks it lost, and the state is not written again.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from tkctl.errors import LockError, StateError
from tkctl.state.backend import LockHeld, LockView, Notify
from tkctl.state.backends.s3client import Conflict, Found, S3Bucket
from tkctl.state.lock import GRACE_SECONDS, describe_holder, holder_is_dead_here, new_holder, utc_stamp

TTL_SECONDS = 300
RENEW_SECONDS = 60
MAX_LOCK_BYTES = 64 * 1024


def lock_key_for(key: str) -> str:
    return f"{key}.lock"


def read_lock(bucket: S3Bucket, key: str) -> LockView | None:
    """The lock on the state at `key` as it is now; None when there is none."""
    found = bucket.get(lock_key_for(key), "read the lock of", MAX_LOCK_BYTES)
    if found is None:
        return None
    holder, problem = _parse(found.body)
    return LockView(f"s3://{bucket.spec.bucket}/{lock_key_for(key)}", holder, problem, _stale(holder, found), found.etag)


def _parse(body: bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, "it is not JSON; another tkctl may be writing it right now"
    if not isinstance(data, dict):
        return None, "it is not a JSON object"
    return data, None


def _stale(holder: dict[str, Any] | None, found: Found) -> bool:
    age = (found.server_now - found.last_modified).total_seconds()
    if holder is None:
        return age >= GRACE_SECONDS
    if holder_is_dead_here(holder):
        return True
    ttl = holder.get("ttl_seconds")
    if not isinstance(ttl, (int, float)) or isinstance(ttl, bool):
        ttl = TTL_SECONDS  # written by hand or by another tool: it still expires
    return age >= ttl


class S3Lock:
    """Holds `<key>.lock` for one tkctl command; renews it in a background thread until released."""

    def __init__(self, bucket: S3Bucket, key: str, name: str, command: str, notify: Notify | None = None):
        self.bucket = bucket
        self.state_key = key
        self.key = lock_key_for(key)
        self.state_name = name  # s3://bucket/key, for messages
        self.name = f"s3://{bucket.spec.bucket}/{self.key}"
        self.command = command
        self.notify = notify
        self.lost = False
        self._holder: dict[str, Any] | None = None
        self._etag: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    @property
    def held(self) -> bool:
        return self._holder is not None

    def acquire(self) -> None:
        """Take the lock once; LockHeld names the holder when someone else has it."""
        if self.held:
            raise LockError(f"this tkctl already holds the lock {self.name}")
        holder = new_holder(self.command)
        for _ in range(3):  # after a stale lock is taken by another, or a lock vanishes under us, retry
            try:
                self._hold(holder, self._put(holder, if_absent=True))
                return
            except Conflict:
                pass
            view = read_lock(self.bucket, self.state_key)
            if view is None:
                continue  # released between our write and our read
            if view.stale:
                try:
                    self._hold(holder, self._put(holder, if_match=view.token))
                except Conflict:
                    continue  # another tkctl took it over first: the next round names it
                if self.notify and view.holder and not holder_is_dead_here(view.holder):
                    self.notify(f"Took over the expired state lock {self.name} of {describe_holder(view.holder)}.")
                return
            raise self._held_error(view)
        raise LockError(f"could not take the state lock {self.name}: other tkctl processes keep taking it")

    def release(self) -> None:
        """Stop renewing and delete the lock if it is still ours; someone else's is left alone."""
        if self._holder is None:
            return
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        holder, self._holder = self._holder, None
        if self.lost:
            return
        try:
            self.bucket.delete(self.key, "remove the lock of", if_match=self._etag)
        except StateError as exc:
            if self.notify:
                self.notify(f"warning: could not remove the state lock {self.name} ({exc}); it expires at "
                            f"{holder.get('expires_at')}, or run `tkctl state unlock`.")

    # ------------------------------------------------------------ internals

    def _put(self, holder: dict[str, Any], *, if_absent: bool = False, if_match: str | None = None) -> str:
        holder["expires_at"] = utc_stamp(datetime.now(timezone.utc) + timedelta(seconds=TTL_SECONDS))
        holder["ttl_seconds"] = TTL_SECONDS
        body = (json.dumps(holder, indent=2) + "\n").encode("utf-8")
        return self.bucket.put(self.key, body, "lock", if_absent=if_absent, if_match=if_match)

    def _hold(self, holder: dict[str, Any], etag: str) -> None:
        self._holder, self._etag = holder, etag
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew_until_released, name="tkctl-s3-lock", daemon=True)
        self._renewer.start()

    def _renew_until_released(self) -> None:
        while not self._stop.wait(RENEW_SECONDS) and self.renew():
            pass

    def renew(self) -> bool:
        """Push the lock's expiry TTL_SECONDS ahead; False once it is no longer ours (then `lost`)."""
        holder = self._holder
        if holder is None or self.lost:
            return False
        renewed = dict(holder)
        try:
            self._etag = self._put(renewed, if_match=self._etag)
        except Conflict:
            self.lost = True  # removed by `state unlock --force`, or expired and taken over
            return False
        except StateError:
            return True  # the store is unreachable for now: try again, the lock has minutes left
        self._holder = renewed
        return True

    def _held_error(self, view: LockView) -> LockHeld:
        if view.holder is None:
            return LockHeld(
                f"the state file {self.state_name} is locked, but the lock object {self.name} cannot be read "
                f"({view.problem}). If no tkctl is running, run `tkctl state unlock`.",
                f"an unreadable lock object ({view.problem})",
            )
        who = describe_holder(view.holder)
        return LockHeld(
            f"the state file {self.state_name} is locked by {who}. Wait for it with --lock-timeout DURATION; if no "
            "tkctl is running there, run `tkctl state unlock` (add --force for another host's lock), or let the lock "
            "expire: a running tkctl renews it every minute.",
            who,
        )
