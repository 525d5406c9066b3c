"""Search filters, dynamic includes and ordering of lists (§4, §5).

Each model declares which fields are searchable as a mapping field -> getter; everything else
(unknown fields, empty criteria) filters nothing, as the contract says the real API behaves.
"""

from __future__ import annotations

import json
from typing import Callable, Iterable

Getter = Callable[[dict], object]


def includes(raw: str | None) -> set[str]:
    """`include=a,b.c` -> {"a", "b"}; empty and unknown names are harmless (§5)."""
    # assumed: timekit-api.md §5 (unknown and empty include names are ignored)
    if not raw:
        return set()
    return {part.strip().split(".")[0] for part in raw.split(",") if part.strip()}


def criteria(raw: str | None) -> list[tuple[str, str]]:
    """`search=a:1;b:2` -> [("a", "1"), ("b", "2")], split on the first `:`."""
    # assumed: timekit-api.md §5 (empty criteria and ones without ':' filter nothing)
    result = []
    for part in (raw or "").split(";"):
        if ":" not in part:
            continue
        field, value = part.split(":", 1)
        if field:
            result.append((field, value))
    return result


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _matches(value: object, wanted: str) -> bool:
    # assumed: timekit-api.md §5 (exact, case-sensitive; arrays: contains; numbers as JSON text)
    if value is None:
        return False
    if isinstance(value, list):
        return any(_as_text(item) == wanted for item in value)
    return _as_text(value) == wanted


def meta_getter(field: str) -> Getter | None:
    """`meta.<key>` lookups, searchable on resources."""
    key = field[len("meta."):]
    return lambda obj: (obj.get("meta") or {}).get(key)


def search(items: Iterable[dict], raw: str | None, fields: dict[str, Getter],
           allow_meta: bool = False) -> list[dict]:
    checks = []
    for field, wanted in criteria(raw):
        getter = fields.get(field)
        if getter is None and allow_meta and field.startswith("meta."):
            getter = meta_getter(field)
        if getter is None:
            continue  # assumed: timekit-api.md §5 (a criterion on a non-searchable field is ignored)
        checks.append((getter, wanted))
    if not checks:
        return list(items)
    return [obj for obj in items if all(_matches(g(obj), w) for g, w in checks)]


ORDERABLE = ("created_at", "updated_at", "name")


def order(items: list[dict], order_by: str | None, sorted_by: str | None) -> list[dict]:
    """Creation order unless `orderBy`/`sortedBy` ask otherwise (§4)."""
    # assumed: timekit-api.md §4 (orderBy/sortedBy on every list for created_at, updated_at, name)
    if order_by not in ORDERABLE:
        return items
    reverse = (sorted_by or "asc").lower() == "desc"
    # Python's sort is stable, and items arrive in creation order, so ties keep that order.
    return sorted(items, key=lambda obj: (obj.get(order_by) is None, obj.get(order_by) or ""),
                  reverse=reverse)
