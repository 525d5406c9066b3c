"""One running emulator's state: the store plus the test knobs (settings, counters, limits, faults)."""

from __future__ import annotations

import random
import threading

from tkctl.emulator.clock import Clock
from tkctl.emulator.counters import Counters
from tkctl.emulator.faults import Faults
from tkctl.emulator.ratelimit import RateLimiter
from tkctl.emulator.settings import Settings
from tkctl.emulator.store import Store


class Runtime:
    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.initial = settings
        self._settings = settings
        self._lock = threading.Lock()
        self.counters = Counters()
        self.faults = Faults()
        self.clock = Clock()
        self.limiter = RateLimiter(lambda: self._settings, self.clock)
        # Bumped by reset(): a request held by a delay fault across a reset must not act.
        self.generation = 0
        self.random = random.Random()

    @property
    def settings(self) -> Settings:
        return self._settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        with self._lock:
            self._settings = value

    def reset(self) -> None:
        """Wipe every app's data, counters, faults, buckets and clock; restore the start settings."""
        self.generation += 1
        self.store.reset()
        self.counters.reset()
        self.faults.clear()
        self.limiter.reset()
        self.clock.reset()
        self.settings = self.initial
