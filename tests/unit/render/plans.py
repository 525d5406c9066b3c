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
        "format_version": 4,
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


def every_action() -> dict:
    """A plan with a create, a drift update, an adoption and a delete, a warning and a checksum."""
    return plan(
        change("create", "resource", "dr-jones", [("name", None, "Dr. Jones")], source="examples/clinic/resources.yaml:3"),
        change("update", "resource", "room-1", [("timezone", "Europe/Paris", "Europe/Berlin")], id="r1", cause="drift"),
        change("adopt", "project", "physio", id="3f1c"),
        change("delete", "calendar", "old-cal", [("name", "Old", None)], id="c1"),
        warnings=["resource \"dr-old\" has 3 future bookings"], checksum="sha256:abc",
    )
