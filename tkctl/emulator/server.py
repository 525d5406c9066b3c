"""Run the emulator with uvicorn: in a background thread (tests, `tkctl apply --emulator`) or in
the foreground for `tkctl emulator`. Both bind the socket first, so port 0 gives a free port
that is known before the server starts, and neither installs signal handlers off the main
thread (uvicorn skips them there; the CLI handles signals itself)."""

from __future__ import annotations

import secrets
import socket
import string
import threading
from pathlib import Path
from typing import Mapping

import uvicorn

from tkctl.emulator.asgi import ASGIApp, build_app
from tkctl.emulator.persistence import SqlitePersistence
from tkctl.emulator.runtime import Runtime
from tkctl.emulator.settings import Settings
from tkctl.emulator.store import Store

_ALPHANUMERIC = string.ascii_letters + string.digits
# Seconds an idle client connection stays open; see ServerThread for why it is long.
KEEP_ALIVE_SECONDS = 75


def generate_token() -> str:
    """An app token in the documented format (§2): live_api_key_ + 32 alphanumerics."""
    return "live_api_key_" + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(32))


def build_runtime(tokens: list[str] | None, data_file: str | Path | None, settings: Settings) -> Runtime:
    """The store (in memory, or SQLite when `data_file` is set) and its runtime.

    With a data file and no tokens, the token generated on the first start is remembered in
    the file, so a restart serves the same account with the same token."""
    persistence = SqlitePersistence(data_file) if data_file else None
    tokens = list(tokens or [])
    if not tokens:
        remembered = persistence.setting("default_token") if persistence else None
        tokens = [remembered or generate_token()]
        if persistence and not remembered:
            persistence.set_setting("default_token", tokens[0])
    return Runtime(Store(tokens, persistence), settings)


class ServerThread:
    """uvicorn serving `runtime` on a daemon thread; `start()` returns once it accepts connections.

    `mounts` serve other ASGI apps under path prefixes of the same origin (see EmulatorApp)."""

    def __init__(self, runtime: Runtime, host: str = "127.0.0.1", port: int = 0,
                 mounts: Mapping[str, ASGIApp] | None = None):
        self.runtime = runtime
        self._socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind((host, port))
        self.host = host
        self.port = self._socket.getsockname()[1]
        # log_config=None: never reconfigure the logging of the process we run inside (tkctl apply).
        # An idle keep-alive connection outlives every client pool's expiry (httpx: 5 s). With the two
        # equal (uvicorn's default is also 5 s), a client reusing a connection just as the server closes
        # it gets "Server disconnected without sending a response", which no client may safely retry
        # for a POST. Production HTTP front ends keep idle connections far longer (60-75 s).
        # assumed: timekit-api.md §1 (the contract names no idle timeout)
        config = uvicorn.Config(build_app(runtime, mounts), log_level="warning", access_log=False, log_config=None,
                                lifespan="off", timeout_graceful_shutdown=2,
                                timeout_keep_alive=KEEP_ALIVE_SECONDS)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="tkctl-emulator", daemon=True)
        self._error: BaseException | None = None

    @property
    def root_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported by start()/stop() on the caller's thread
            self._error = exc

    def start(self, timeout: float = 10.0) -> "ServerThread":
        self._thread.start()
        waited = 0.0
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"emulator failed to start: {self._error!r}")
            if waited >= timeout:
                raise RuntimeError("emulator did not start in time")
            self._thread.join(0.01)
            waited += 0.01
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()
        self.runtime.store.close()
