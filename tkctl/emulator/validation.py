"""Field checks shared by every model, with Laravel's wording (§6), collected per request.

A model validates a whole body with one `Checker`, so a 422 lists every wrong field at once,
as the real API does, and nothing is mutated unless the body is valid.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timezone
from functools import lru_cache

from tkctl.emulator.errors import ValidationFailed

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")  # fullmatch: `$` would let a final newline through


def is_timezone(name: object) -> bool:
    """Any JSON value may arrive here; only strings reach the cache (a dict is unhashable)."""
    return isinstance(name, str) and _known_zone(name)


@lru_cache(maxsize=1024)
def _known_zone(name: str) -> bool:
    # assumed: timekit-api.md §1 (E accepts every name zoneinfo knows, including UTC)
    if not name or name.startswith("/") or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def format_timestamp(moment: datetime) -> str:
    """`created_at`/`updated_at` as responses write them: UTC, offset without colon."""
    # assumed: timekit-api.md §1 (output timestamps, emulator)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}:?\d{2})$"
)


def parse_timestamp(value: object) -> datetime | None:
    """RFC3339 incl. `Z`, fractions and `+0200` offsets (§1); None when it is not one."""
    # assumed: timekit-api.md §1 (input timestamps: all of RFC3339, and offsets without colon)
    if not isinstance(value, str):
        return None
    match = _RFC3339.match(value)
    if not match:
        return None
    text = value
    offset = match.group(8)
    if offset in ("Z", "z"):
        text = value[: -1] + "+00:00"
    elif ":" not in offset:
        text = value[: -len(offset)] + offset[:3] + ":" + offset[3:]
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


class Checker:
    """Collects 422 messages for one body; `raise_if_any()` ends validation.

    Keys the contract does not list are never looked at, so they are ignored: not stored, not
    echoed, no error."""

    # assumed: timekit-api.md §6 (Laravel wording, dotted keys for nested fields)
    # assumed: timekit-api.md §3 (unknown body keys are ignored)

    def __init__(self, body: dict):
        self.body = body
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def merge(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            for message in messages:
                self.add(field, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def present(self, field: str) -> bool:
        return field in self.body

    def required_string(self, field: str, *, required: bool = True) -> None:
        """Non-empty string; `required=False` checks only when the key is present."""
        if field not in self.body:
            if required:
                self.add(field, f"The {field} field is required.")
            return
        value = self.body[field]
        if value is None or value == "":
            self.add(field, f"The {field} field is required.")
        elif not isinstance(value, str):
            self.add(field, f"The {field} must be a string.")

    def optional_string(self, field: str) -> None:
        value = self.body.get(field)
        if value is not None and not isinstance(value, str):
            self.add(field, f"The {field} must be a string.")

    def timezone(self, field: str, *, required: bool = True) -> None:
        if field not in self.body or self.body[field] in (None, ""):
            if required or field in self.body:
                self.add(field, f"The {field} field is required.")
            return
        if not is_timezone(self.body[field]):
            self.add(field, f"The {field} must be a valid zone.")

    def email(self, field: str) -> bool:
        value = self.body.get(field)
        if value is None:
            return True
        if not isinstance(value, str) or not _EMAIL.fullmatch(value):
            self.add(field, f"The {field} must be a valid email address.")
            return False
        return True

    def string_array(self, field: str) -> None:
        value = self.body.get(field)
        if value is None:
            return
        if not isinstance(value, list):
            self.add(field, f"The {field} must be an array.")
            return
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.add(f"{field}.{index}", f"The {field}.{index} must be a string.")

    def obj(self, field: str) -> bool:
        value = self.body.get(field)
        if value is not None and not isinstance(value, dict):
            self.add(field, f"The {field} must be an object.")
            return False
        return True

    def boolean(self, field: str) -> None:
        value = self.body.get(field)
        if value is not None and not isinstance(value, bool):
            self.add(field, f"The {field} field must be true or false.")

    def one_of(self, field: str, value: object, allowed: tuple[str, ...]) -> None:
        if value is not None and value not in allowed:
            self.add(field, f"The selected {field} is invalid.")
