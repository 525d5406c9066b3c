"""Time and size limits of one request, against real sockets on 127.0.0.1.

The servers here never finish (they stay silent, or trickle bytes until the client hangs
up), so the only way out is the limit under test: no outcome depends on machine speed.
"""

from __future__ import annotations

import socket
import threading
from typing import Callable

import httpx
import pytest

from tkctl.errors import ApiError, SettingsError
from tkctl.timekit.client import TimekitClient
from tkctl.timekit.limits import DEFAULT_MAX_RESPONSE_BYTES, HttpLimits

TOKEN = "live_api_key_unit0000000000000000000000"
HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTimekit-Request-Id: rid-9\r\n"


class RawServer:
    """Accepts connections on 127.0.0.1 and hands each to `behaviour` in its own thread."""

    def __init__(self, behaviour: Callable[[socket.socket, threading.Event], None]):
        self.behaviour = behaviour
        self.stop = threading.Event()
        self._accepted = threading.Condition()
        self._connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v2"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._accepted:
                self._connections += 1
                self._accepted.notify_all()
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)  # the request; these servers answer whatever it is
            try:
                self.behaviour(conn, self.stop)
            except OSError:
                pass  # the client hung up, as it should

    def connections(self, at_least: int = 1) -> int:
        """Connections accepted so far, once there are `at_least` (the kernel completes a
        connection before this server's thread gets to accept it)."""
        with self._accepted:
            self._accepted.wait_for(lambda: self._connections >= at_least, timeout=30)
            return self._connections

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def serve():
    servers = []

    def start(behaviour):
        servers.append(RawServer(behaviour))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def silent(conn, stop):
    stop.wait()


def trickled_headers(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    while not stop.wait(0.01):
        conn.sendall(b"X-Pad: a\r\n")


def trickled_body(conn, stop):
    conn.sendall(HEADERS + b"Connection: close\r\n\r\n{")
    while not stop.wait(0.01):
        conn.sendall(b" ")


def endless_body(conn, stop):
    conn.sendall(HEADERS + b"Connection: close\r\n\r\n[")
    chunk = b'{"id": "x"},' * 1000
    while not stop.is_set():
        conn.sendall(chunk)


def announced_huge(conn, stop):
    conn.sendall(HEADERS + b"Content-Length: 300000000\r\n\r\n[")
    stop.wait()


def garbled_gzip(conn, stop):
    conn.sendall(HEADERS + b"Content-Encoding: gzip\r\nContent-Length: 15\r\n\r\nnot gzip at all")
    stop.wait()


def client(url, **kw) -> TimekitClient:
    return TimekitClient(url, TOKEN, rate_per_second=0, sleep=lambda s: None, **kw)


TOO_SLOW = ("after 0.3 s, the time limit for one request (set by TKCTL_HTTP_TIMEOUT); "
            "the API or the network is too slow, try again later")


@pytest.mark.parametrize("behaviour, expected", [
    (silent, f"Timekit API unreachable on GET /resources: no answer had arrived {TOO_SLOW}"),
    (trickled_headers, f"Timekit API unreachable on GET /resources: no answer had arrived {TOO_SLOW}"),
    (trickled_body,
     f"Timekit API error 200 on GET /resources: the answer was still incomplete {TOO_SLOW} (request id rid-9)"),
])
def test_total_time_limit_ends_a_request_that_never_finishes_and_is_not_retried(serve, behaviour, expected):
    server = serve(behaviour)
    with client(server.url, total_timeout=0.3, read_timeout=30) as c:
        assert c.deadline_everywhere
        with pytest.raises(ApiError) as info:
            c.get("/resources")
    assert str(info.value) == expected
    assert server.connections() == 1


def test_total_time_limit_from_the_environment(serve, monkeypatch):
    monkeypatch.setenv("TKCTL_HTTP_TIMEOUT", "0.3")
    server = serve(trickled_body)
    with client(server.url) as c, pytest.raises(ApiError) as info:
        c.get("/resources")
    assert TOO_SLOW in str(info.value)


def test_a_read_timeout_within_the_total_limit_is_retried_for_a_get(serve):
    server = serve(silent)
    with client(server.url, read_timeout=0.1, max_attempts=2) as c, pytest.raises(ApiError) as info:
        c.get("/resources")
    assert str(info.value).startswith(f"Timekit API unreachable on GET /resources: ReadTimeout talking to {server.url}")
    assert server.connections(2) == 2


def test_a_body_past_the_size_limit_is_abandoned_mid_stream(serve):
    server = serve(endless_body)
    with client(server.url, max_response_bytes=100_000) as c, pytest.raises(ApiError) as info:
        c.list_all("/resources")
    assert str(info.value) == (
        "Timekit API error 200 on GET /resources: the answer is larger than 100,000 bytes, the size limit for one "
        "answer (set by TKCTL_HTTP_MAX_BYTES); refusing to read it (request id rid-9)")
    assert server.connections() == 1


def test_an_announced_oversize_body_is_refused_before_reading(serve):
    server = serve(announced_huge)
    with client(server.url) as c, pytest.raises(ApiError) as info:
        c.get("/resources")
    assert str(info.value) == (
        f"Timekit API error 200 on GET /resources: the answer announces 300,000,000 bytes, more than "
        f"{DEFAULT_MAX_RESPONSE_BYTES:,} bytes, the size limit for one answer (set by TKCTL_HTTP_MAX_BYTES); "
        "refusing to read it (request id rid-9)")


def test_a_body_that_does_not_decompress_is_a_malformed_answer(serve):
    server = serve(garbled_gzip)
    with client(server.url) as c, pytest.raises(ApiError) as info:
        c.get("/app")
    assert str(info.value).startswith("Timekit API error 200 on GET /app: malformed answer: the body cannot be decoded (")


def test_the_deadline_hook_needs_the_real_transport():
    with client("http://tk.test/v2", transport=httpx.MockTransport(lambda r: httpx.Response(204))) as c:
        assert not c.deadline_everywhere


DEFAULT = HttpLimits()


@pytest.mark.parametrize("args, env, expected", [
    ({}, {}, DEFAULT),
    ({}, {"TKCTL_HTTP_TIMEOUT": "5", "TKCTL_HTTP_MAX_BYTES": "1000"}, HttpLimits(5, 5, 5, 1000)),
    ({"total_timeout": 90, "max_response_bytes": 10}, {"TKCTL_HTTP_TIMEOUT": "5", "TKCTL_HTTP_MAX_BYTES": "1000"},
     HttpLimits(10, 30, 90, 10)),
    ({"connect_timeout": 2, "read_timeout": 3}, {}, HttpLimits(2, 3, 60, DEFAULT.max_response_bytes)),
    ({"total_timeout": 0.5}, {}, HttpLimits(0.5, 0.5, 0.5, DEFAULT.max_response_bytes)),
    ({}, {"TKCTL_HTTP_TIMEOUT": " "}, DEFAULT),
])
def test_limits_come_from_arguments_then_environment_then_defaults(args, env, expected):
    assert HttpLimits.resolve(environ=env, **args) == expected


def test_documented_defaults():
    assert DEFAULT == HttpLimits(connect_timeout=10, read_timeout=30, total_timeout=60, max_response_bytes=64 * 2**20)


SECONDS = "the environment variable TKCTL_HTTP_TIMEOUT must be a number of seconds greater than 0"


@pytest.mark.parametrize("env, message", [
    ({"TKCTL_HTTP_TIMEOUT": "soon"}, f"{SECONDS} (got 'soon')"),
    ({"TKCTL_HTTP_TIMEOUT": "0"}, f"{SECONDS} (got '0')"),
    ({"TKCTL_HTTP_TIMEOUT": "inf"}, f"{SECONDS} (got 'inf')"),
    ({"TKCTL_HTTP_MAX_BYTES": "1.5"},
     "the environment variable TKCTL_HTTP_MAX_BYTES must be a whole number of bytes greater than 0 (got '1.5')"),
])
def test_a_bad_environment_value_is_a_settings_error(env, message):
    with pytest.raises(SettingsError) as info:
        HttpLimits.resolve(environ=env)
    assert str(info.value) == message


@pytest.mark.parametrize("args", [{"total_timeout": 0}, {"read_timeout": -1}, {"max_response_bytes": True}])
def test_a_bad_argument_is_a_programming_error(args):
    with pytest.raises(ValueError):
        HttpLimits.resolve(environ={}, **args)
