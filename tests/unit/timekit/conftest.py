"""Client tests register secrets they make up (and hypothesis registers random ones): each
test gets an empty registry, so no masked value leaks into another test's messages."""

from __future__ import annotations

import pytest

from tkctl import secrets


@pytest.fixture(autouse=True)
def _own_secret_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "_secrets", set())
