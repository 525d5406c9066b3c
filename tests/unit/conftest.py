"""Unit tests must not reach the network by accident: any connection that is not to this
machine fails loudly. (End-to-end tests talk to the emulator on 127.0.0.1 and live elsewhere.)"""

from __future__ import annotations

import socket

import pytest

_LOOPBACK = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address, *args, **kwargs):
        host = address[0] if isinstance(address, tuple) else str(address)
        if not str(host).startswith(_LOOPBACK) and self.family in (socket.AF_INET, socket.AF_INET6):
            raise RuntimeError(f"unit test tried to reach the network: {address!r}")
        return real_connect(self, address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded)
