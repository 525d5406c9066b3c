"""Client-side pacing so tkctl stays under Timekit's limits instead of bouncing off them.

Timekit allows 600 requests a minute per app in a bucket of 10 (timekit-api.md §7). A token
bucket shared by every thread keeps tkctl's own request rate at that level; the server's 503
and 429 answers are still handled by the retry policy in `client.py`.
"""

from __future__ import annotations

import threading
import time


class TokenBucket:
    def __init__(self, rate_per_second: float, capacity: int, clock=time.monotonic, sleep=time.sleep):
        self.rate = rate_per_second
        self.capacity = capacity
        self._tokens = float(capacity)
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until one request may be sent. A rate of 0 or less means no pacing."""
        if self.rate <= 0:
            return
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
            self._sleep(wait)
