"""A config folder as a command sees it: its settings, its desired state, and its state file.

The state of the embedded emulator's account lives apart from the real account's state
(`<config>/.tkctl/emulator-state.json`), so trying `--emulator` never mixes the two.
Commands that change the state take its lock through `Workspace.locked`; reading it never
locks, so any number of plans can run at once.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping

from tkctl.config import Settings, load_config_with_warnings
from tkctl.config.yamlfile import display_path
from tkctl.core.model import DesiredState
from tkctl.core.safety import Policy
from tkctl.errors import Problem
from tkctl.state.lock import StateLock
from tkctl.state.store import State, StateStore, load_state, remove_leftover_temp_files
from tkctl.targets import emulator_dir


@dataclass
class Workspace:
    settings: Settings
    desired: DesiredState
    warnings: list[Problem] = field(default_factory=list)

    def policy(self, *, allow_deletes: bool = False, allow_replace: bool = False, force: bool = False) -> Policy:
        """The safety policy: the command's flags, on top of this folder's (environment's) settings."""
        s = self.settings
        return Policy(allow_deletes=allow_deletes or s.allow_deletes, allow_replace=allow_replace, force=force,
                      protect=s.protect, max_share=s.max_share, min_managed=s.min_managed)

    @property
    def environment(self) -> str | None:
        return self.settings.environment

    @property
    def display_dir(self) -> str:
        return display_path(self.settings.config_dir)

    def state_path(self, emulator: bool) -> Path:
        if emulator:
            name = f"emulator-{self.environment}-state.json" if self.environment else "emulator-state.json"
            return emulator_dir(self.settings.config_dir) / name
        return self.settings.state_path

    def read_state(self, emulator: bool) -> State:
        return load_state(self.state_path(emulator))

    @contextlib.contextmanager
    def locked(self, emulator: bool, command: str) -> Iterator[StateStore]:
        """The state store, under the exclusive lock, for a command that writes the state."""
        path = self.state_path(emulator)
        with StateLock(path, command):
            remove_leftover_temp_files(path)  # a killed save's debris: nobody else can be writing
            yield StateStore(path, load_state(path))


def open_workspace(config_dir: str | Path, environ: Mapping[str, str] | None = None, env: str | None = None,
                   *, warn: Callable[[str], None] | None = None) -> Workspace:
    """Load and check the config folder for `env` (else TKCTL_ENV); `warn` receives the
    config's warnings as one message (commands print it on stderr)."""
    settings, desired, warnings = load_config_with_warnings(config_dir, os.environ if environ is None else environ, env)
    if warn is not None and warnings:
        n = len(warnings)
        warn(f"warning: {n} warning{'s' if n != 1 else ''} in the config (tkctl validate shows them too):\n"
             + "\n".join(f"  {w}" for w in warnings))
    return Workspace(settings, desired, warnings)
