"""What every state backend offers, and the parts of locking they share.

A backend keeps one state (format: tkctl.state.format) somewhere and guards it with a lock:

    name                        how messages name the state: a path, or s3://bucket/key
    read() -> State             the state now, a killed command's journal replayed, without the
                                lock (plan, drift, pull)
    locked(command, timeout, notify) -> ContextManager[StateStore]
                                the lock, then the state (a killed command's journal replayed
                                and compacted) as a store that journals every change and writes
                                the whole state when the block ends (tkctl.state.journal); the
                                lock is released when the block ends, also on an error
    lock_view() -> LockView | None, remove_lock(view)
                                who holds the lock and whether they are surely gone
                                (`tkctl state unlock`)

Backends: `backends/local.py` (a file beside its lock file) and `backends/s3.py` (an object
in an S3-compatible bucket, written with conditional requests, beside a lock object).
`open_backend` turns a StateSpec from tkctl.yaml into one.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from tkctl.errors import LockError
from tkctl.state.format import State
from tkctl.state.spec import LocalStateSpec, StateSpec
from tkctl.state.store import StateStore

Notify = Callable[[str], None]
POLL_SECONDS = 1.0


class LockHeld(LockError):
    """Another tkctl holds the state lock; `holder` names it (user@host, pid, command, since)."""

    def __init__(self, message: str, holder: str):
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True)
class LockView:
    """The lock as `tkctl state unlock` sees it."""

    name: str  # the lock file or object
    holder: dict[str, Any] | None  # None when the lock cannot be read
    problem: str | None  # why it cannot be read
    stale: bool  # its holder is surely gone: it can be removed without --force
    token: Any = None  # what the backend needs to remove exactly this lock (an ETag)


class StateBackend(Protocol):
    name: str

    def read(self) -> State: ...

    def locked(self, command: str, timeout: float = 0.0,
               notify: Notify | None = None) -> contextlib.AbstractContextManager[StateStore]: ...

    def lock_view(self) -> LockView | None: ...

    def remove_lock(self, view: LockView) -> None: ...


def open_backend(spec: StateSpec) -> StateBackend:
    if isinstance(spec, LocalStateSpec):
        from tkctl.state.backends.local import LocalBackend

        return LocalBackend(spec.path)
    from tkctl.state.backends.s3 import S3Backend  # imports boto3: only for configs that use it

    return S3Backend(spec)


def wait_for_lock(acquire: Callable[[], None], timeout: float, notify: Notify | None = None, *,
                  clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                  poll: float = POLL_SECONDS) -> None:
    """Call `acquire` until it stops raising LockError, for at most `timeout` seconds after the
    first refusal.

    With no timeout the first refusal is final, so a second apply is refused at once; with one,
    `notify` is told once whom we wait for. Other errors (an unreachable store) end the wait."""
    try:
        acquire()
        return
    except LockError as exc:
        if timeout <= 0:
            raise
        if notify is not None:
            who = getattr(exc, "holder", None) or "another tkctl"
            notify(f"The state is locked by {who}; waiting up to {format_duration(timeout)} for it.")
    deadline = clock() + timeout
    while True:
        sleep(max(0.0, min(poll, deadline - clock())))
        try:
            acquire()
            return
        except LockError as exc:
            if clock() >= deadline:
                raise _waited(exc, timeout) from None


def _waited(exc: LockError, timeout: float) -> LockError:
    message = f"{exc} (waited {format_duration(timeout)} for it)"
    if isinstance(exc, LockHeld):
        return LockHeld(message, exc.holder)
    return LockError(message)


def format_duration(seconds: float) -> str:
    """`90` -> `1m30s`, `3600` -> `1h`, `0.5` -> `0.5s`: how durations are written on the command line."""
    if seconds < 60 and seconds != int(seconds):
        return f"{seconds:g}s"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"
