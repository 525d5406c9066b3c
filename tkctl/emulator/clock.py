"""The emulator's clock for rate limits: real monotonic time, unless a test freezes or moves it.

Tests that check a rate limit must not depend on how fast the machine sends requests, so the
control API can freeze this clock (`PUT /_emulator/clock {"frozen": true}`) and move it by an
exact amount (`{"advance": 0.25}`). Nothing else in the emulator reads it.
"""

from __future__ import annotations

import threading
import time
from typing import Callable


class Clock:
    def __init__(self, source: Callable[[], float] = time.monotonic):
        self._source = source
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None

    def __call__(self) -> float:
        with self._lock:
            base = self._frozen_at if self._frozen_at is not None else self._source()
            return base + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self, frozen: bool) -> None:
        with self._lock:
            if frozen and self._frozen_at is None:
                self._frozen_at = self._source()
            elif not frozen and self._frozen_at is not None:
                # Thawing keeps the time it showed: no jump back or forward.
                self._offset += self._frozen_at - self._source()
                self._frozen_at = None

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None

    def as_dict(self) -> dict:
        return {"frozen": self.frozen, "now": self()}
