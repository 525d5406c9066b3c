"""Request counters of the control API: every /v2 request by route template and by status."""

from __future__ import annotations

import collections
import threading


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: collections.Counter = collections.Counter()
        self._statuses: collections.Counter = collections.Counter()

    def record(self, method: str, template: str | None, status: int) -> None:
        with self._lock:
            self._routes[f"{method} {template or '<unmatched>'}"] += 1
            self._statuses[str(status)] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"total": sum(self._statuses.values()), "by_route": dict(self._routes),
                    "by_status": dict(self._statuses)}

    def reset(self) -> None:
        with self._lock:
            self._routes.clear()
            self._statuses.clear()
