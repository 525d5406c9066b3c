"""The state (which Timekit id each key became), where it is kept, and the lock that guards it.

    format.py      the content and its one text form, the same on every backend
    store.py       the state a command writes, saved after every change (StateStore; in memory for
                   test runs and previews)
    journal.py     the journal: each change appended, the whole state written once at the end
                   (JournaledStateStore, what a backend's locked() gives); replay after a kill
    backend.py     what a backend offers; open_backend(spec)
    spec.py        where the state lives, as tkctl.yaml says
    lock.py        the local lock file
    backends/      local.py (a file), s3.py (an object in an S3-compatible bucket)
"""

from tkctl.state.backend import LockHeld, LockView, StateBackend, open_backend
from tkctl.state.backends.local import LocalBackend, load_state
from tkctl.state.format import FORMAT_VERSION, State, StateEntry, dump_state, new_state, parse_state
from tkctl.state.journal import JournaledStateStore, JournalMismatch
from tkctl.state.lock import StateLock, lock_path_for
from tkctl.state.spec import LocalStateSpec, S3StateSpec, StateSpec
from tkctl.state.store import StateStore

__all__ = [
    "FORMAT_VERSION",
    "JournalMismatch",
    "JournaledStateStore",
    "LocalBackend",
    "LocalStateSpec",
    "LockHeld",
    "LockView",
    "S3StateSpec",
    "State",
    "StateBackend",
    "StateEntry",
    "StateLock",
    "StateSpec",
    "StateStore",
    "dump_state",
    "load_state",
    "lock_path_for",
    "new_state",
    "open_backend",
    "parse_state",
]
