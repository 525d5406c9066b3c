"""How long tkctl waits for one API answer and how large an answer it accepts.

Without limits a broken or hostile server decides how long a plan runs and how much memory
it takes: a body trickled a few bytes a second keeps every read alive, and a 300 MB answer
is held whole. Each request therefore has

    connect_timeout     10 s      to open the connection (TLS included)
    read_timeout        30 s      of silence between two pieces of the answer
    total_timeout       60 s      for the whole request: connect, send, headers and body
    max_response_bytes  64 MiB    of (decompressed) body; the largest real page, 1,000
                                  projects that each include their resources, is a few MB

A request past `total_timeout` or `max_response_bytes` is abandoned and not retried (a retry
would only multiply the wait); a read timeout is retried like any broken connection.

Two environment variables override the defaults (constructor arguments override both):
`TKCTL_HTTP_TIMEOUT` (seconds, the total limit; it also caps the connect and read limits)
and `TKCTL_HTTP_MAX_BYTES` (bytes).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Mapping

from tkctl.errors import SettingsError

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_TOTAL_TIMEOUT = 60.0
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
TIMEOUT_ENV = "TKCTL_HTTP_TIMEOUT"
MAX_BYTES_ENV = "TKCTL_HTTP_MAX_BYTES"


@dataclass(frozen=True)
class HttpLimits:
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @classmethod
    def resolve(
        cls,
        *,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        total_timeout: float | None = None,
        max_response_bytes: int | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> "HttpLimits":
        """The limits in force: each argument given, else its environment variable, else the
        default. The connect and read limits never exceed the total one."""
        environ = os.environ if environ is None else environ
        total = _positive(total_timeout, "total_timeout")
        if total is None:
            total = _from_env(environ, TIMEOUT_ENV, float) or DEFAULT_TOTAL_TIMEOUT
        size = _positive(max_response_bytes, "max_response_bytes")
        if size is None:
            size = _from_env(environ, MAX_BYTES_ENV, int) or DEFAULT_MAX_RESPONSE_BYTES
        connect = _positive(connect_timeout, "connect_timeout") or DEFAULT_CONNECT_TIMEOUT
        read = _positive(read_timeout, "read_timeout") or DEFAULT_READ_TIMEOUT
        return cls(min(connect, total), min(read, total), total, int(size))


def _positive(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value


def _from_env(environ: Mapping[str, str], name: str, kind: type) -> float | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value <= 0:
        unit = "a number of seconds" if kind is float else "a whole number of bytes"
        raise SettingsError(f"the environment variable {name} must be {unit} greater than 0 (got {raw!r})")
    return value
