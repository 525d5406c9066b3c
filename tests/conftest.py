"""Shared fixtures: one real emulator server per test session, reset before each test."""

from __future__ import annotations

import pytest

from tkctl.emulator.testing import EmulatorHandle, running_emulator


@pytest.fixture(scope="session")
def emulator_server():
    """A real emulator (uvicorn in a thread, free port) with the contract's default rate limits."""
    with running_emulator() as handle:
        yield handle


@pytest.fixture
def emulator(emulator_server: EmulatorHandle) -> EmulatorHandle:
    """The session emulator, reset: empty account, zero counters, no faults, default config."""
    emulator_server.reset()
    return emulator_server
