"""The state file (which Timekit id each key became) and the lock that guards it."""

from tkctl.state.lock import StateLock, lock_path_for
from tkctl.state.store import (
    FORMAT_VERSION,
    State,
    StateEntry,
    StateStore,
    dump_state,
    load_state,
    new_state,
)

__all__ = [
    "FORMAT_VERSION",
    "State",
    "StateEntry",
    "StateLock",
    "StateStore",
    "dump_state",
    "load_state",
    "lock_path_for",
    "new_state",
]
