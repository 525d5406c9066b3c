"""Fixtures for the emulator's HTTP tests: an httpx client on a fresh emulator account."""

from __future__ import annotations

import httpx
import pytest

from tkctl.emulator.testing import EmulatorHandle


@pytest.fixture
def api(emulator: EmulatorHandle):
    """Authenticated client on /v2, rate limits off (these tests burst far past 10 requests)."""
    emulator.configure(rate_limit=0)
    with httpx.Client(base_url=emulator.base_url, auth=("", emulator.token), timeout=30) as client:
        yield client


@pytest.fixture
def make_resource(api):
    def make(**fields) -> dict:
        body = {"name": "Doc Brown", "timezone": "America/Los_Angeles", **fields}
        response = api.post("/resources", json=body)
        assert response.status_code == 201, response.text
        return response.json()["data"]
    return make


@pytest.fixture
def make_project(api):
    def make(**fields) -> dict:
        response = api.post("/projects", json={"name": "Consult", **fields})
        assert response.status_code == 201, response.text
        return response.json()["data"]
    return make
