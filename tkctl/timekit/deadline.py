"""A total time limit for one HTTP request, enforced on every socket operation.

httpx only limits each single operation (connect, one read, one write), so a server that
sends a byte just before each read timeout keeps a request alive forever: in the body, and
also in the status line and headers, which the client never sees until they are complete.
The client therefore opens a deadline around each request (`deadline(seconds)`, per thread,
since pages are fetched concurrently) and the connections it makes shorten each socket
timeout to the time left; when it is used up the request ends with `DeadlineExceeded`.

The deadline is hooked into httpcore's network backend, which httpx does not expose, so
`install` reaches into the client's transports; it reports whether that worked, and the
client also checks the deadline between body chunks, which needs no hook.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import weakref
from typing import Any, Iterator

import httpcore
import httpx


class DeadlineExceeded(Exception):
    """The request's total time limit passed before its answer was complete."""


class _Local(threading.local):
    at: float | None = None


_local = _Local()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Requests made by this thread inside the block must finish within `seconds` in total."""
    previous = _local.at
    _local.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.at = previous


def check() -> None:
    """Raise DeadlineExceeded if this thread's deadline has passed."""
    if _local.at is not None and time.monotonic() >= _local.at:
        raise DeadlineExceeded


def _bounded(timeout: float | None) -> tuple[float | None, bool]:
    """The timeout for one socket operation, and whether the deadline is what limits it."""
    at = _local.at
    if at is None:
        return timeout, False
    left = at - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded
    if timeout is None or left < timeout:
        return left, True
    return timeout, False


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        timeout, limited = _bounded(timeout)
        try:
            return self._inner.read(max_bytes, timeout)
        except httpcore.TimeoutException:
            if limited:
                raise DeadlineExceeded from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        timeout, limited = _bounded(timeout)
        try:
            self._inner.write(buffer, timeout)
        except httpcore.TimeoutException:
            if limited:
                raise DeadlineExceeded from None
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        timeout, limited = _bounded(timeout)
        try:
            return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout))
        except httpcore.TimeoutException:
            if limited:
                raise DeadlineExceeded from None
            raise

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend):
        self._inner = inner
        self._streams: weakref.WeakSet[_Stream] = weakref.WeakSet()
        self._lock = threading.Lock()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        timeout, limited = _bounded(timeout)
        try:
            stream = _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))
        except httpcore.TimeoutException:
            if limited:
                raise DeadlineExceeded from None
            raise
        with self._lock:
            self._streams.add(stream)
        return stream

    def abort(self) -> None:
        """Shut down every connection this backend opened: a thread blocked reading one wakes
        up at once (closing a socket does not wake it; shutting it down does)."""
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        timeout, _ = _bounded(timeout)
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install(client: httpx.Client) -> bool:
    """Make every connection pool of `client` (direct and proxied) honour the deadline.

    Returns False when a transport is not the httpcore pool this relies on (a test's mock
    transport, or a future httpx): requests then stop at the deadline between body chunks,
    and otherwise only at the connect and read timeouts.
    """
    transports = [client._transport, *(t for t in client._mounts.values() if t is not None)]
    installed = True
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if not isinstance(backend, httpcore.NetworkBackend):
            installed = False
        elif not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)
    return installed


def abort(client: httpx.Client) -> None:
    """End every request of `client` still waiting on the network, in any thread (`install`
    must have hooked its pools; others are left alone). The client is being closed: those
    requests fail as a broken connection would."""
    for transport in [client._transport, *(t for t in client._mounts.values() if t is not None)]:
        backend = getattr(getattr(transport, "_pool", None), "_network_backend", None)
        if isinstance(backend, _Backend):
            backend.abort()
