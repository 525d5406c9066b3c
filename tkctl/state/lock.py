"""The lock that keeps two applies from writing one local state file at the same time.

The lock is a file next to the state, `<state>.lock`, created with O_CREAT|O_EXCL so exactly
one process can create it. It holds JSON naming the holder, for the error the loser sees:
    {"pid": 4242, "host": "ci-7", "user": "ana", "command": "apply",
     "created_at": "2024-05-01T09:30:00Z", "nonce": "<uuid4 hex>"}
`nonce` lets a holder recognise its own lock, so release never deletes a lock that someone
else took after ours was removed by hand.

A lock whose holder is a dead process on this host is stale (tkctl was killed) and is taken
over without asking; so is a lock file that is empty or not JSON once it is older than
GRACE_SECONDS (its writer was killed between creating and writing it: a live writer fills it
within microseconds). A lock from another host cannot be checked, so it is only ever removed
by a person (`tkctl state unlock`); the error calls it possibly stale once it is older than
STALE_AFTER_SECONDS.

Only commands that write the state take the lock (apply, refresh, state changes); plan never
does, so many pull requests can plan at once. A plan records the state serial it read, and a
saved plan goes stale if an apply lands first.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import sys
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

from tkctl.errors import LockError, StateError
from tkctl.state.backend import LockHeld


GRACE_SECONDS = 5.0
STALE_AFTER_SECONDS = 3600.0


def lock_path_for(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".lock")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in a bare container: still lock, just say so
        return "unknown"


def _pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    if sys.platform == "win32":
        return True  # os.kill would terminate it; treat as alive and let a person decide
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return True
    return True


def new_holder(command: str) -> dict[str, Any]:
    """Who takes a lock, as the lock records it (for the error its loser sees); `nonce` is ours."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": _user(),
        "command": command,
        "created_at": utc_stamp(dt.datetime.now(dt.timezone.utc)),
        "nonce": uuid.uuid4().hex,
    }


def utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def holder_is_dead_here(holder: dict[str, Any]) -> bool:
    """Whether the lock's holder was a process on this host that no longer exists."""
    pid = holder.get("pid")
    if holder.get("host") != socket.gethostname() or not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    return not _pid_alive(pid)


class StateLock:
    """Context manager holding `<state_path>.lock` for one tkctl command."""

    def __init__(self, state_path: Path, command: str = "apply"):
        self.state_path = Path(state_path)
        self.path = lock_path_for(self.state_path)
        self.command = command
        self._holder: dict[str, Any] | None = None

    @property
    def held(self) -> bool:
        return self._holder is not None

    def __enter__(self) -> "StateLock":
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def acquire(self) -> None:
        if self.held:
            raise LockError(f"this tkctl already holds the lock {self.path}")
        holder = new_holder(self.command)
        # A few rounds: after a stale lock is moved aside, or a lock vanishes under us, retry.
        for _ in range(3):
            if self._create(holder):
                self._holder = holder
                return
            other, problem = self._read()
            if other is None:
                if problem is None:
                    continue  # released between our create and our read
                if self._age() >= GRACE_SECONDS:
                    self._take_over(None)  # its writer died before writing it
                    continue
                raise LockHeld(
                    f"the state file {self.state_path} is locked, but the lock file {self.path} "
                    f"cannot be read ({problem}). If no tkctl is running, run `tkctl state unlock` "
                    f"or delete {self.path}.",
                    f"an unreadable lock file ({problem})",
                )
            if self._is_stale(other):
                self._take_over(other)
                continue  # if another tkctl won the takeover, the next round names it
            raise LockHeld(self._held_message(other), describe_holder(other))
        raise LockError(f"could not take the lock {self.path}: other tkctl processes keep taking it")

    def release(self) -> None:
        """Delete the lock file if it is still ours; someone else's lock is left alone."""
        holder, self._holder = self._holder, None
        if holder is None:
            return
        current, _ = self._read()
        if current is not None and current.get("nonce") == holder["nonce"]:
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass

    # ------------------------------------------------------------ internals

    def _create(self, holder: dict[str, Any]) -> bool:
        """Create the lock file holding `holder`; False when a lock file already exists."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            problem = f"{self.path.parent} is not a folder"
            raise StateError(f"cannot create the lock file {self.path}: {problem}") from None
        except OSError as exc:
            raise StateError(f"cannot create the lock file {self.path}: {exc.strerror or exc}") from None
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        except OSError as exc:
            raise StateError(f"cannot create the lock file {self.path}: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps(holder, indent=2) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            self.path.unlink(missing_ok=True)
            raise StateError(f"cannot write the lock file {self.path}: {exc.strerror or exc}") from None
        return True

    def _read(self) -> tuple[dict[str, Any] | None, str | None]:
        """The holder in the lock file; (None, None) when there is no lock file any more."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, None
        except (OSError, UnicodeDecodeError) as exc:
            return None, str(getattr(exc, "strerror", None) or exc)
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            return None, "it is not JSON; another tkctl may be writing it right now"
        if not isinstance(data, dict):
            return None, "it is not a JSON object"
        return data, None

    def _age(self) -> float:
        """Seconds since the lock file was last written; 0 if it cannot be told."""
        try:
            return max(0.0, dt.datetime.now().timestamp() - self.path.stat().st_mtime)
        except OSError:
            return 0.0

    def holder(self) -> tuple[dict[str, Any] | None, str | None]:
        """Who holds the lock now: (holder, None), (None, problem) or (None, None) if unlocked."""
        return self._read()

    def is_stale(self, other: dict[str, Any] | None) -> bool:
        """Whether the lock can be removed without risk: its holder is gone for sure."""
        if other is None:
            return self._age() >= GRACE_SECONDS
        return self._is_stale(other)

    def remove(self) -> None:
        """Delete the lock file whoever holds it (`tkctl state unlock`)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def _is_stale(self, other: dict[str, Any]) -> bool:
        return holder_is_dead_here(other)

    def _take_over(self, stale: dict[str, Any] | None) -> None:
        """Move the stale lock aside, then let the caller create ours.

        Renaming is atomic, so of two tkctls finding the same stale lock, one moves it; if
        the other then moved a lock that is no longer the stale one, it puts it back.
        """
        aside = self.path.with_name(f"{self.path.name}.stale-{uuid.uuid4().hex}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return  # someone else removed it; the caller tries to create ours
        try:
            moved = json.loads(aside.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            moved = None
        if not isinstance(moved, dict):
            moved = None
        if moved != stale:
            os.rename(aside, self.path)  # a live lock, taken after the stale one went: restore it
            return
        aside.unlink()

    def _held_message(self, other: dict[str, Any]) -> str:
        text = f"the state file {self.state_path} is locked by {describe_holder(other)}."
        if other.get("host") != socket.gethostname() and self._age() >= STALE_AFTER_SECONDS:
            hours = self._age() / 3600
            text += (f" The lock is {hours:.1f} hours old and possibly stale: if no tkctl is running on "
                     f"{other.get('host', 'that host')}, run `tkctl state unlock --force`.")
        else:
            text += " If no tkctl is running there, run `tkctl state unlock` (add --force for another host's lock)."
        return text


def describe_holder(other: dict[str, Any]) -> str:
    """`ana@ci-7 (pid 4242, tkctl apply since 2024-05-01T09:30:00Z)`; a lock that expires says when."""
    who = f"{other.get('user', 'unknown')}@{other.get('host', 'unknown')}"
    expiry = f", expires {other['expires_at']}" if isinstance(other.get("expires_at"), str) else ""
    return (f"{who} (pid {other.get('pid', '?')}, tkctl {other.get('command', '?')} "
            f"since {other.get('created_at', '?')}{expiry})")
