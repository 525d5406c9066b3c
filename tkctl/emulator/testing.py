"""Start a real emulator for tests and tools: `with running_emulator() as emu: emu.base_url`.

The handle talks to the control API over HTTP, the same way any other process would.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import httpx

from tkctl.emulator.server import ServerThread, build_runtime
from tkctl.emulator.settings import DEFAULT_BURST, DEFAULT_DAILY_LIMIT, DEFAULT_RATE_LIMIT, Settings


class EmulatorHandle:
    def __init__(self, server: ServerThread):
        self.root_url = server.root_url
        self.base_url = self.root_url + "/v2"
        self.control_url = self.root_url + "/_emulator"
        self.tokens = list(server.runtime.store.tokens)
        self.token = self.tokens[0]
        self._http = httpx.Client(base_url=self.control_url, timeout=30)
        # Each app token's widget key, for booking.js (`app_key`) and tests of the widget's requests.
        self.widget_keys = {app["token"]: app["widget_key"] for app in self.apps()}
        self.widget_key = self.widget_keys[self.token]

    def _call(self, method: str, path: str, body: object = None) -> httpx.Response:
        response = self._http.request(method, path, json=body)
        if response.status_code >= 400:
            raise RuntimeError(f"emulator control {method} {path}: {response.status_code} {response.text}")
        return response

    def reset(self) -> None:
        self._call("POST", "/reset")

    def apps(self) -> list[dict]:
        """`[{"token", "widget_key", "test_mode"}]` for every app token, in the order given."""
        return self._call("GET", "/apps").json()["apps"]

    def counters(self) -> dict:
        return self._call("GET", "/counters").json()

    def reset_counters(self) -> None:
        self._call("DELETE", "/counters")

    def configure(self, **settings) -> dict:
        return self._call("PUT", "/config", settings).json()

    def add_fault(self, **fault) -> None:
        self._call("POST", "/faults", fault)

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def clock(self, **change) -> dict:
        """Freeze (`frozen=True`) or move (`advance=seconds`) the rate limiter's clock."""
        if change:
            return self._call("PUT", "/clock", change).json()
        return self._call("GET", "/clock").json()

    def seed(self, resources: list[dict] = (), projects: list[dict] = (), token: str | None = None) -> dict:
        body: dict = {"resources": list(resources), "projects": list(projects)}
        if token is not None:
            body["token"] = token
        return self._call("POST", "/seed", body).json()

    def close(self) -> None:
        self._http.close()


@contextlib.contextmanager
def running_emulator(*, tokens: list[str] | None = None, data_file: str | Path | None = None,
                     latency_ms: float = 0, fail_rate: float = 0.0,
                     rate_limit: int | None = None, burst: int | None = None,
                     daily_limit: int | None = None,
                     host: str = "127.0.0.1", port: int = 0) -> Iterator[EmulatorHandle]:
    """Starts the real server (uvicorn, in a background thread) on a free port, waits until it
    accepts connections, yields, then shuts down cleanly. Generates one token when none given
    (format 'live_api_key_' + 32 random alphanumerics)."""
    settings = Settings(
        latency_ms=float(latency_ms), fail_rate=float(fail_rate),
        rate_limit=DEFAULT_RATE_LIMIT if rate_limit is None else rate_limit,
        burst=DEFAULT_BURST if burst is None else burst,
        daily_limit=DEFAULT_DAILY_LIMIT if daily_limit is None else daily_limit,
    )
    server = ServerThread(build_runtime(tokens, data_file, settings), host, port).start()
    handle = EmulatorHandle(server)
    try:
        yield handle
    finally:
        handle.close()
        server.stop()
