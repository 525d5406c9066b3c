"""Plan data for the renderer tests, in the shape `Plan.data()` produces (docs/plan-format.md)."""

from __future__ import annotations

from typing import Any

URL = "http://127.0.0.1:8080/v2"


def change(action: str, kind: str, key: str, fields: list[tuple[str, Any, Any]] = (), **extra: Any) -> dict:
    c = {"action": action, "kind": kind, "key": key, "id": None, "cause": "config", "source": None,
         "fields": [{"path": p, "old": o, "new": n} for p, o, n in fields]}
    c.update(extra)
    return c


def plan(*changes: dict, warnings: list[str] = (), emulator: bool = False) -> dict:
    return {
        "format_version": 1,
        "tkctl_version": "0.1.0",
        "target": {"api_url": URL, "config_dir": "examples/clinic", "emulator": emulator},
        "summary": {},
        "has_changes": bool(changes),
        "changes": list(changes),
        "warnings": list(warnings),
    }
