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
from tkctl.core.jsontext import quick
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
    if type(value) is int:
        text = _INT_HOURS.get(value)
        if text is not None:
            return text
    return _hour_of(value)


def _hour_of(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and float(value).is_integer():
        return f"{int(value):02d}:00"
    if isinstance(value, str):
        m = _HHMM.match(value.strip())
        if m:
            return f"{int(m.group(1)):02d}:{m.group(2) or '00'}"
    return value


# `_hour` of the whole hours an API or a config spells as numbers, worked out by `_hour_of`
# itself: the table cannot answer differently from it.
_INT_HOURS = {h: _hour_of(h) for h in range(25)}


def constraint(item: Any) -> Any:
    """One constraint `{type: params}` in canonical spelling."""
    # `type(...) is dict` first: the same answer as isinstance(..., Mapping) for a dict, sooner.
    if not (type(item) is dict or isinstance(item, Mapping)) or len(item) != 1:
        return item
    (ctype, params), = item.items()
    if not (type(params) is dict or isinstance(params, Mapping)):
        return {ctype: params}
    if not params:
        return {ctype: {}}
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


# What `json.dumps(value, sort_keys=True, default=str)` uses, built once instead of per call.
_SORT_ENCODER = json.JSONEncoder(sort_keys=True, default=str)


# `_SORT_ENCODER.encode`, with its C encoder made once (`core/jsontext.py`).
_encode = quick(_SORT_ENCODER)


def _sort_key(value: Any) -> str:
    if type(value) is str:
        return encode_basestring_ascii(value)
    return _encode(value)


def _unordered(items: list[Any]) -> list[Any]:
    """A set-like list in canonical order: each distinct item once, sorted by `_sort_key`.

    Of items with one key the last is kept. The key of each item is worked out once, not once
    to deduplicate and again to sort."""
    return _by_key(items, [encode_basestring_ascii(v) if type(v) is str else _encode(v) for v in items])


def _unordered_names(items: list[Any]) -> list[Any]:
    """`_unordered` of a list expected to hold strings only (tags, members): their keys in one
    C call. `encode_basestring_ascii` is what `_sort_key` gives any string (`JSONEncoder`
    encodes a str subclass with it too) and it refuses anything else, so the keys are
    `_sort_key`'s exactly."""
    try:
        keys = list(map(encode_basestring_ascii, items))
    except TypeError:  # not all strings
        return _unordered(items)
    return _by_key(items, keys)


def _by_key(items: list[Any], keys: list[str]) -> list[Any]:
    by_key = dict(zip(keys, items, strict=True))  # the last item of each key
    return [by_key[k] for k in sorted(by_key)]


_NONE_ORDERED: frozenset[str] = frozenset()
_MEMBERS_ORDERED = frozenset({"resources"})


def ordered_fields(kind: str, fields: Mapping[str, Any]) -> frozenset[str]:
    """Fields of this object whose list order carries meaning, decided by its own settings.

    One of two shared sets: a plan keeps the answer for each of its objects (each unchanged
    object's deferred fingerprint holds it), and `frozenset()` makes a new empty set each call."""
    if kind == "project":
        availability = fields.get("availability")
        if isinstance(availability, Mapping) and availability.get("mode") == PRIORITIZED_MODE:
            return _MEMBERS_ORDERED
    return _NONE_ORDERED


# How each field's (non-empty) value is put in canonical form, given whether its list order
# is free; a field not named here is compared as it is.
def _constraints(value: Any, unordered: bool) -> Any:
    if isinstance(value, list):
        value = [constraint(c) for c in value]
        if unordered:
            value = _unordered(value)
    return value


def _email(value: Any, unordered: bool) -> Any:
    return value.lower() if isinstance(value, str) else value


def _availability_value(value: Any, unordered: bool) -> Any:
    return _availability(value) if isinstance(value, Mapping) else value


def _set_like(value: Any, unordered: bool) -> Any:
    return _unordered_names(value) if unordered and isinstance(value, list) else value


_NORMALISE = {
    "availability_constraints": _constraints,
    "email": _email,
    "availability": _availability_value,
    **{name: _set_like for name in UNORDERED if name != "availability_constraints"},
}


def field_value(name: str, value: Any, ordered: frozenset[str] = frozenset()) -> Any:
    """Canonical value of one top-level field; empty values become None."""
    if is_empty(value):
        return None
    normalise = _NORMALISE.get(name)
    return value if normalise is None else normalise(value, name not in ordered)


# The fields `canonical` holds, per kind and `compare_only`, each with how its value is put in
# canonical form: secrets never, a server-defaulted field only when `compare_only` (if given)
# names it. Worked out once per distinct set of names (an account's objects share a few).
_COMPARED: dict[tuple[str, frozenset[str] | None], tuple[tuple[str, Any], ...]] = {}
_COMPARED_MAX = 1024


def _compared(kind: str, compare_only: frozenset[str] | None) -> tuple[tuple[str, Any], ...]:
    try:
        return _COMPARED[kind, compare_only]
    except KeyError:
        pass
    defaulted = SERVER_DEFAULTED[kind]
    names = tuple((name, _NORMALISE.get(name)) for name in MANAGED_FIELDS[kind] if name not in SECRET_FIELDS and
                  (compare_only is None or name not in defaulted or name in compare_only))
    if len(_COMPARED) >= _COMPARED_MAX:
        _COMPARED.clear()
    _COMPARED[kind, compare_only] = names
    return names


def canonical(
    kind: str,
    fields: Mapping[str, Any],
    *,
    compare_only: frozenset[str] | None = None,
    ordered: frozenset[str] = frozenset(),
    refs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The managed fields of one object in canonical form (None = not set).

    `compare_only`, when given, drops server-defaulted fields not in it: the desired object
    passes the fields the user set, so `first_name` filled in by Timekit is not a change.
    `ordered` names list fields compared in order (see `ordered_fields`); the desired
    object decides it for both sides, so a change of mode is compared by the new rule.
    `refs`, when given, holds fields that take the place of those in `fields` (a live
    object's references named by key).

    This is `field_value` of each field, inlined: it runs for every field of every object.
    """
    out: dict[str, Any] = {}
    get = {**fields, **refs}.get if refs else fields.get
    for name, normalise in _compared(kind, compare_only):
        value = get(name)
        # is_empty(value); a true value of any JSON or YAML type is never empty
        if not value and (value is None or value == "" or value == [] or value == {}):
            out[name] = None
        elif normalise is None:
            out[name] = value
        else:
            out[name] = normalise(value, name not in ordered)
    return out


def without_marker(meta: Any) -> Any:
    if isinstance(meta, Mapping) and MARKER in meta:
        rest = {k: v for k, v in meta.items() if k != MARKER}
        return rest or None
    return meta
