"""Request counters of the control API: every /v2 request by route template and by status, the
most /v2 requests ever in progress at once (how tests see a client's concurrency without
timing it), and how many a delay fault holds right now (where a test kills a client)."""

from __future__ import annotations

import collections
import threading


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: collections.Counter = collections.Counter()
        self._statuses: collections.Counter = collections.Counter()
        self._in_flight = 0
        self._max_in_flight = 0
        self._held = 0

    def started(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def finished(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def holding(self, delta: int) -> None:
        """A request starts (+1) or stops (-1) waiting out a fault's delay: a test that holds the
        Nth write can see it is held, and kill the client there, without guessing a time."""
        with self._lock:
            self._held += delta

    def record(self, method: str, template: str | None, status: int | str) -> None:
        """Count one finished request; `status` is "dropped" for an answer a fault cut off."""
        with self._lock:
            self._routes[f"{method} {template or '<unmatched>'}"] += 1
            self._statuses[str(status)] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"total": sum(self._statuses.values()), "by_route": dict(self._routes),
                    "by_status": dict(self._statuses), "in_flight": self._in_flight,
                    "max_in_flight": self._max_in_flight, "held": self._held}

    def reset(self) -> None:
        with self._lock:
            self._routes.clear()
            self._statuses.clear()
            self._max_in_flight = self._in_flight
