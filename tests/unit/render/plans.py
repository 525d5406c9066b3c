"""Plan data for the renderer tests, in the shape `Plan.data()` produces (docs/plan-format.md)."""

from __future__ import annotations

from typing import Any

URL = "http://127.0.0.1:8080/v2"


def change(action: str, kind: str, key: str, fields: list[tuple[str, Any, Any]] = (), **extra: Any) -> dict:
    """A change; with cause "both", the fields take turns: config, both, drift, ... (for tests
    of field-by-field causes), otherwise each field has the change's cause."""
    cause = extra.get("cause", "config")
    turns = ("config", "both", "drift") if cause == "both" else None
    c = {"action": action, "kind": kind, "key": key, "id": None, "cause": cause, "source": None,
         "fields": [{"path": p, "old": o, "new": n, "cause": turns[i % 3] if turns else cause}
                    for i, (p, o, n) in enumerate(fields)]}
    c.update(extra)
    return c


def plan(*changes: dict, warnings: list[str] = (), emulator: bool = False, problems: list[str] = (),
         checksum: str | None = None) -> dict:
    data = {
        "format_version": 2,
        "tkctl_version": "0.1.0",
        "target": {"api_url": URL, "config_dir": "examples/clinic", "emulator": emulator},
        "summary": {},
        "has_changes": bool(changes),
        "changes": list(changes),
        "warnings": list(warnings),
        "problems": list(problems),
    }
    if checksum:
        data["checksum"] = checksum
    return data
