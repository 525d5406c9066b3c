"""The one place that knows which strings are secret and removes them from text.

Tokens are registered when read from the environment; every message tkctl prints passes
through `redact`, so a token that slips into an exception or URL is still never shown.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "***"


def register(secret: str | None) -> None:
    """Remember a secret value so later output never contains it."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


# Fields of API objects that carry credentials and must never reach state, plans or logs
# (timekit-api.md §3, §16.15).
SECRET_FIELDS = frozenset({"api_token", "token", "password"})
