"""The knobs a running emulator can change (CLI flags, control API `PUT /_emulator/config`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

# assumed: timekit-api.md §7 (600/min, bucket of 10, 3000 per rolling 24 h for test_ keys)
DEFAULT_RATE_LIMIT = 600
DEFAULT_BURST = 10
DEFAULT_DAILY_LIMIT = 3000


@dataclass(frozen=True)
class Settings:
    latency_ms: float = 0.0
    fail_rate: float = 0.0
    rate_limit: int = DEFAULT_RATE_LIMIT  # requests per minute per app key; 0 = off
    burst: int = DEFAULT_BURST  # bucket capacity
    daily_limit: int = DEFAULT_DAILY_LIMIT  # test_ keys, rolling 24 h; 0 = off

    def as_dict(self) -> dict:
        return asdict(self)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def problems(changes: dict) -> dict[str, list[str]]:
    """422 messages for a config change; {} when every key and value is acceptable."""
    errors: dict[str, list[str]] = {}
    for key, value in changes.items():
        if key in ("latency_ms",):
            ok = _number(value) and value >= 0
            text = "must be a number >= 0"
        elif key == "fail_rate":
            ok = _number(value) and 0 <= value <= 1
            text = "must be a number between 0 and 1"
        elif key in ("rate_limit", "daily_limit"):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            text = "must be an integer >= 0"
        elif key == "burst":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
            text = "must be an integer >= 1"
        else:
            ok, text = False, "is not a setting"
        if not ok:
            errors[key] = [f"The {key} {text}."]
    return errors


def apply(settings: Settings, changes: dict) -> Settings:
    return replace(settings, **changes)
