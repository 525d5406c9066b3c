"""A config folder as a command sees it: its settings, its desired state, and its state backend.

The state of the embedded emulator's account lives apart from the real account's state, always
in a local file (`<config>/.tkctl/emulator-state.json`), so trying `--emulator` never mixes
the two nor touches a shared remote state. Commands that change the state take its lock
through `Workspace.locked`; reading it never locks, so any number of plans can run at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping

from tkctl.config import Settings, load_config_with_warnings
from tkctl.config.cache import ConfigCache, cache_dir
from tkctl.config.loader import OnSettings
from tkctl.config.yamlfile import display_path
from tkctl.core.model import DesiredState
from tkctl.core.safety import Policy
from tkctl.errors import Problem
from tkctl.fork import fork_allowed
from tkctl.gcpause import collector_paused
from tkctl.log import took
from tkctl.state.backend import Notify, StateBackend, open_backend
from tkctl.state.backends.local import LocalBackend
from tkctl.state.format import State
from tkctl.state.store import StateStore
from tkctl.targets import emulator_dir

log = logging.getLogger("tkctl.state")

EMULATOR_STATE = "emulator-state.json"


def state_backend(settings: Settings, emulator: bool) -> StateBackend:
    """Where the state is kept: tkctl.yaml's `state`, or the emulator's own local file (one
    per environment, as each environment has its own emulated account)."""
    if emulator:
        name = f"emulator-{settings.environment}-state.json" if settings.environment else EMULATOR_STATE
        return LocalBackend(emulator_dir(settings.config_dir) / name)
    return open_backend(settings.state)


def read_state(backend: StateBackend) -> State:
    """The state as the backend holds it (no lock taken)."""
    started = time.perf_counter()
    with collector_paused():  # tens of thousands of entries: tkctl/gcpause.py
        state = backend.read()
    log.info("state: %d entries read in %s", len(state.entries), took(started))
    return state


@dataclass
class Workspace:
    settings: Settings
    desired: DesiredState
    warnings: list[Problem] = field(default_factory=list)
    _backends: dict[bool, StateBackend] = field(default_factory=dict, repr=False, compare=False)

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

    def backend(self, emulator: bool) -> StateBackend:
        """Where the state is kept (`state_backend`), opened once per command."""
        if emulator not in self._backends:
            self._backends[emulator] = state_backend(self.settings, emulator)
        return self._backends[emulator]

    def state_name(self, emulator: bool) -> str:
        """How messages name the state: a path, or s3://bucket/key."""
        return self.backend(emulator).name

    def read_state(self, emulator: bool) -> State:
        return read_state(self.backend(emulator))

    @contextlib.contextmanager
    def locked(self, emulator: bool, command: str, lock_timeout: float = 0.0,
               notify: Notify | None = None) -> Iterator[StateStore]:
        """The state store, under the exclusive lock, for a command that writes the state.

        With `lock_timeout`, a held lock is waited for that many seconds (`notify` is told
        whom for) instead of refused at once."""
        with self.backend(emulator).locked(command, lock_timeout, notify) as store:
            yield store


def open_workspace(config_dir: str | Path, environ: Mapping[str, str] | None = None, env: str | None = None,
                   *, warn: Callable[[str], None] | None = None, on_settings: OnSettings | None = None) -> Workspace:
    """Load and check the config folder for `env` (else TKCTL_ENV); `warn` receives the
    config's warnings as one message (commands print it on stderr). An unchanged config comes
    from the config cache (`config/cache.py`), unless TKCTL_NO_CACHE is set; a load is saved
    there by `config.cache.flush_deferred`, which the CLI calls once a command is done (a
    load after an edit: by the second process that made it, meanwhile). `on_settings`:
    see `config.loader.check_config`."""
    environ = os.environ if environ is None else environ
    where = cache_dir(environ)
    settings, desired, warnings = load_config_with_warnings(config_dir, environ, env,
                                                            cache=_cache(where, environ),
                                                            on_settings=on_settings)
    if warn is not None and warnings:
        n = len(warnings)
        warn(f"warning: {n} warning{'s' if n != 1 else ''} in the config (tkctl validate shows them too):\n"
             + "\n".join(f"  {line}" for line in warning_lines(warnings)))
    return Workspace(settings, desired, warnings)


def _cache(where: Path | None, environ: Mapping[str, str]) -> ConfigCache | None:
    """The CLI's config cache: entries saved once the command is done, here or by a detached
    process that the command does not wait for (`config.cache.ConfigCache`)."""
    return ConfigCache(where, deferred=True, background=fork_allowed(environ)) if where else None


# How many objects a warning shared by many is shown for, before the rest are counted.
SHOWN_ALIKE = 3


def warning_lines(warnings: list[Problem], shown: int = SHOWN_ALIKE) -> list[str]:
    """The config's warnings as commands other than validate print them: a warning that many
    objects share (the same field, the same message) is shown for the first `shown` of them and
    the others are counted, so that one habit copied into 750 projects does not bury the plan
    under 750 lines. `tkctl validate` lists every one (it is the command for fixing them)."""
    alike: dict[tuple[str | None, str], int] = {}
    for w in warnings:
        alike[(w.field, w.message)] = alike.get((w.field, w.message), 0) + 1
    lines: list[str] = []
    seen: dict[tuple[str | None, str], int] = {}
    for w in warnings:
        key = (w.field, w.message)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= shown:
            lines.append(str(w))
        if seen[key] == shown and alike[key] > shown:
            more = alike[key] - shown
            what = f"{w.field}: {w.message}" if w.field else w.message
            lines.append(f"... and {more} more of this warning "
                         f"({_shortened(what)}); tkctl validate lists them all")
    return lines


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
