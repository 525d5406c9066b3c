"""Canonical forms of objects, so that the diff sees only real changes.

Timekit stores what it is sent but several spellings mean the same thing (timekit-api.md
§16.8: `9` vs `"09:00"`, `"Monday"` vs `"monday"`), fills some fields itself (§8: a resource
without `first_name` gets its `name`; §10.2: a project without `slug` gets one derived from
its name), echoes `null` for fields never set (§3), and treats some lists as sets (tags,
project members, constraint lists). Both the desired object and the live object pass through
`canonical()` before they are compared, so none of that shows up as a change.

Decisions users can see (README, "The config"):
- E-mail addresses are compared without regard to case. Timekit keeps one resource per
  address whatever its case, and cannot change a resource's address at all, so a plan that
  "changed" `Jones@clinic.example` into `jones@clinic.example` could only fail.
- A project's `resources` are a set, except in `roundrobin_prioritized` mode, where their
  order is the booking priority: there, reordering them is a change.
- Durations in `availability` ("60 minutes" vs "1 hour", "1 week" vs "7 days") compare by
  what they mean, as Timekit computes availability from the span, not the spelling;
  core/durations.py owns which spellings are equal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii
from typing import Any

from tkctl.core.durations import canonical_duration
from tkctl.secrets import SECRET_FIELDS

# The tkctl key of an object, written into `meta` in the create request itself so that an
# object created by an apply that died before saving state is found and adopted next time.
MARKER = "tkctl_key"

# Fields tkctl manages per kind (API names). `resources` of a project and `resource` of a
# calendar are references: canonical forms hold the referenced tkctl keys, not ids.
MANAGED_FIELDS: dict[str, tuple[str, ...]] = {
    "resource": (
        "name", "timezone", "email", "first_name", "last_name", "image", "tags", "meta",
        "availability_constraints",
    ),
    "calendar": ("resource", "name", "description", "foregroundcolor", "backgroundcolor", "primary"),
    "project": (
        "name", "slug", "resources", "availability", "availability_constraints", "booking",
        "customer_fields", "reminders", "ui", "meta",
    ),
}

# Fields the server fills in when they are not sent: compared only when the config sets them.
SERVER_DEFAULTED: dict[str, frozenset[str]] = {
    "resource": frozenset({"first_name", "last_name", "email"}),
    "calendar": frozenset({"primary"}),
    "project": frozenset({"slug"}),
}

# Lists whose order carries no meaning (but see `ordered_fields`).
UNORDERED = frozenset({"tags", "resources", "availability_constraints"})
PRIORITIZED_MODE = "roundrobin_prioritized"

_DAYS = {d.lower(): d for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
_HOUR_TYPES = ("day_and_time", "hours")
_HHMM = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")
_DURATION_KEYS = ("length", "buffer", "from", "to")


def is_empty(value: Any) -> bool:
    """`null`, absent, `""`, `[]` and `{}` all mean "not set" to Timekit's clients (§3)."""
    return value is None or value == "" or value == [] or value == {}


def _hour(value: Any) -> Any:
    """9, "9", "9:00" and "09:00" are one hour; unknown shapes pass through unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and float(value).is_integer():
        return f"{int(value):02d}:00"
    if isinstance(value, str):
        m = _HHMM.match(value.strip())
        if m:
            return f"{int(m.group(1)):02d}:{m.group(2) or '00'}"
    return value


def constraint(item: Any) -> Any:
    """One constraint `{type: params}` in canonical spelling."""
    if not isinstance(item, Mapping) or len(item) != 1:
        return item
    (ctype, params), = item.items()
    if not isinstance(params, Mapping):
        return {ctype: params}
    # Worked out once per constraint, not per parameter (only a string type can be hour-based).
    hours = ctype.split("_", 1)[-1] in _HOUR_TYPES if isinstance(ctype, str) else None
    out = {}
    for name, value in params.items():
        if name == "day" and isinstance(value, str):
            value = _DAYS.get(value.strip().lower(), value)
        elif name in ("start", "end") and (hours if hours is not None else ctype.split("_", 1)[-1] in _HOUR_TYPES):
            value = _hour(value)
        out[name] = value
    return {ctype: out}


def _availability(value: Mapping[str, Any]) -> dict[str, Any]:
    """Durations in their canonical spelling; timestamps, "now" and the rest unchanged."""
    out = dict(value)
    for key in _DURATION_KEYS:
        text = out.get(key)
        canonical_text = canonical_duration(text) if isinstance(text, str) else None
        if canonical_text is not None:
            out[key] = canonical_text
    return out


# What `json.dumps(value, sort_keys=True, default=str)` uses, built once instead of per call;
# a string encodes as `encode_basestring_ascii` alone (as `JSONEncoder.encode` does).
_SORT_ENCODER = json.JSONEncoder(sort_keys=True, default=str)


def _sort_key(value: Any) -> str:
    if type(value) is str:
        return encode_basestring_ascii(value)
    return _SORT_ENCODER.encode(value)


def ordered_fields(kind: str, fields: Mapping[str, Any]) -> frozenset[str]:
    """Fields of this object whose list order carries meaning, decided by its own settings."""
    if kind == "project":
        availability = fields.get("availability")
        if isinstance(availability, Mapping) and availability.get("mode") == PRIORITIZED_MODE:
            return frozenset({"resources"})
    return frozenset()


def field_value(name: str, value: Any, ordered: frozenset[str] = frozenset()) -> Any:
    """Canonical value of one top-level field; empty values become None."""
    if is_empty(value):
        return None
    if name == "availability_constraints" and isinstance(value, list):
        value = [constraint(c) for c in value]
    if name == "email" and isinstance(value, str):
        value = value.lower()
    if name == "availability" and isinstance(value, Mapping):
        value = _availability(value)
    if name in UNORDERED and name not in ordered and isinstance(value, list):
        value = sorted({_sort_key(v): v for v in value}.values(), key=_sort_key)
    return value


def canonical(
    kind: str,
    fields: Mapping[str, Any],
    *,
    compare_only: frozenset[str] | None = None,
    ordered: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The managed fields of one object in canonical form (None = not set).

    `compare_only`, when given, drops server-defaulted fields not in it: the desired object
    passes the fields the user set, so `first_name` filled in by Timekit is not a change.
    `ordered` names list fields compared in order (see `ordered_fields`); the desired
    object decides it for both sides, so a change of mode is compared by the new rule.
    """
    out: dict[str, Any] = {}
    defaulted = SERVER_DEFAULTED[kind]
    for name in MANAGED_FIELDS[kind]:
        if name in SECRET_FIELDS:
            continue
        if compare_only is not None and name in defaulted and name not in compare_only:
            continue
        out[name] = field_value(name, fields.get(name), ordered)
    return out


def without_marker(meta: Any) -> Any:
    if isinstance(meta, Mapping) and MARKER in meta:
        rest = {k: v for k, v in meta.items() if k != MARKER}
        return rest or None
    return meta
