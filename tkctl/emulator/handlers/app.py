"""/app (§13)."""

from __future__ import annotations

from tkctl.emulator.call import Call


def get(call: Call):
    info = call.app.info
    # assumed: timekit-api.md §13 (the fields E returns; never webhook_secret or tokens)
    return 200, {"data": {
        "id": info["id"],
        "slug": info["slug"],
        "settings": info["settings"],
        "test_mode": call.app.test_mode,
        "created_at": info["created_at"],
        "updated_at": info["updated_at"],
    }}
