"""Rate limits (§7): a token bucket per app key (503), and a rolling 24-h cap for test_ keys (429)."""

from __future__ import annotations

import collections
import math
import threading
import time
from typing import Callable

from tkctl.emulator.errors import daily_limit_reached, rate_limited
from tkctl.emulator.settings import Settings

DAY = 24 * 3600.0


class RateLimiter:
    def __init__(self, settings: Callable[[], Settings], clock: Callable[[], float] = time.monotonic):
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # token -> (tokens, last refill)
        self._daily: dict[str, collections.deque] = {}

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._daily.clear()

    def admit(self, token: str, test_mode: bool) -> dict[str, str]:
        """Count one request; return the X-RateLimit headers, or raise 503/429 carrying them."""
        settings = self._settings()
        now = self._clock()
        with self._lock:
            headers: dict[str, str] = {}
            if test_mode and settings.daily_limit:
                window = self._daily.setdefault(token, collections.deque())
                while window and window[0] <= now - DAY:
                    window.popleft()
                headers = {"X-RateLimit-Limit": str(settings.daily_limit),
                           "X-RateLimit-Remaining": str(max(0, settings.daily_limit - len(window) - 1))}
                if len(window) >= settings.daily_limit:
                    headers["X-RateLimit-Remaining"] = "0"
                    failure = daily_limit_reached(max(1, math.ceil(window[0] + DAY - now)))
                    failure.headers.update(headers)
                    raise failure
            if settings.rate_limit:
                rate = settings.rate_limit / 60.0
                tokens, last = self._buckets.get(token, (float(settings.burst), now))
                tokens = min(float(settings.burst), tokens + (now - last) * rate)
                headers = {"X-RateLimit-Limit": str(settings.rate_limit)}
                if tokens < 1.0:
                    self._buckets[token] = (tokens, now)
                    headers["X-RateLimit-Remaining"] = "0"
                    failure = rate_limited(max(1, math.ceil((1.0 - tokens) / rate)))
                    failure.headers.update(headers)
                    raise failure
                tokens -= 1.0
                self._buckets[token] = (tokens, now)
                headers["X-RateLimit-Remaining"] = str(int(tokens))
            if test_mode and settings.daily_limit:
                self._daily[token].append(now)
            return headers
