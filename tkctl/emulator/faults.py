"""Injected faults for crash and retry tests: "fail (or hold) the Nth matching request", before or
after the server acted. One-shot; counted over matching requests from the moment they are added.

`delay_ms` holds the request that long (before handling it, or after with `after_handling`),
so a test can stop a client at an exact request instead of racing it; `status: null` with a
delay only holds. A request held before handling that outlives a reset or its client's
connection is dropped without acting, so it can never write into a later test's account.

`drop` cuts the connection in the middle of the answer (the real one, or the `status` one):
the client gets a status line and headers announcing a body that never fully comes, so it
sees a broken connection, not an HTTP status, as when a server or a proxy dies mid-answer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    method: str | None = None  # None matches every method
    path: str | None = None  # prefix of the request path; None matches every path
    nth: int = 1
    status: int | None = 500  # None: do not fail, only delay
    after_handling: bool = False
    delay_ms: float = 0
    drop: bool = False
    seen: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and (
            self.path is None or path.startswith(self.path))


def problems(body: object) -> dict[str, list[str]]:
    if not isinstance(body, dict):
        return {"fault": ["The fault must be an object."]}
    errors: dict[str, list[str]] = {}
    for key in ("method", "path"):
        if body.get(key) is not None and not isinstance(body[key], str):
            errors[key] = [f"The {key} must be a string or null."]
    nth = body.get("nth", 1)
    if not isinstance(nth, int) or isinstance(nth, bool) or nth < 1:
        errors["nth"] = ["The nth must be an integer >= 1."]
    status = body.get("status", 500)
    if status is not None and (not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599):
        errors["status"] = ["The status must be an HTTP error status (400-599) or null."]
    delay = body.get("delay_ms", 0)
    if not isinstance(delay, (int, float)) or isinstance(delay, bool) or not 0 <= delay <= 600_000:
        errors["delay_ms"] = ["The delay_ms must be a number of milliseconds between 0 and 600000."]
    elif status is None and not delay and body.get("drop") is not True:
        errors["status"] = ["A fault needs a status, a delay_ms or drop."]
    for key in ("after_handling", "drop"):
        if not isinstance(body.get(key, False), bool):
            errors[key] = [f"The {key} field must be true or false."]
    unknown = set(body) - {"method", "path", "nth", "status", "after_handling", "delay_ms", "drop"}
    for key in sorted(unknown):
        errors[key] = [f"The {key} is not a fault setting."]
    return errors


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._pending.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Count this request against every matching fault; return (and drop) one that fires."""
        fired = None
        with self._lock:
            for fault in list(self._pending):
                if not fault.matches(method, path):
                    continue
                fault.seen += 1
                if fault.seen >= fault.nth and fired is None:
                    fired = fault
                    self._pending.remove(fault)
        return fired
