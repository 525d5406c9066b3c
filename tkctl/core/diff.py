"""Field-level differences between two canonical objects, as the paths a reviewer reads.

Nested objects (a project's widget `ui`, `booking`, `customer_fields`, `meta`) are walked so
that a plan says `ui.localization.submit_button: "Book it" -> "Book now"` rather than
printing two whole widget configs; lists are shown whole, because an item-by-item diff of a
reordered constraint list reads worse than the list itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any

CAUSES = ("config", "drift", "both")
# Types whose values always equal themselves (containers compare an item to itself as equal).
_REFLEXIVE = frozenset({type(None), bool, int, str, list, dict})


@dataclass(frozen=True)
class FieldChange:
    """One field that differs. `cause` says who moved it since tkctl last applied the object:
    the configuration (`config`), someone outside tkctl (`drift`), or both."""

    path: str
    old: Any
    new: Any
    cause: str = "config"

    @property
    def top(self) -> str:
        """The top-level field: what the API replaces as a whole."""
        return self.path.split(".", 1)[0]

    def data(self) -> dict[str, Any]:
        return {"path": self.path, "old": self.old, "new": self.new, "cause": self.cause}


def _value(v: Any) -> Any:
    from deepdiff.helper import NotPresent

    return None if isinstance(v, NotPresent) else v


def _equal(a: Any, b: Any) -> bool:
    """Both present and equal. DeepDiff reports 1 -> 1.0 as a type change; the plan compares
    values as the rest of the diff does (`==`), so it is no change."""
    from deepdiff.helper import NotPresent

    return not isinstance(a, NotPresent) and not isinstance(b, NotPresent) and a == b


def _get(obj: Any, parts: list) -> Any:
    for p in parts:
        if isinstance(obj, Mapping):
            obj = obj.get(p)
        else:
            return None
    return obj


def _nested(name: str, old: Mapping, new: Mapping) -> list[FieldChange]:
    """Changes inside one object-valued field, by dotted path; list items collapse to the list."""
    # Imported here, as only a changed nested field needs it: a plan with no change (and
    # `tkctl validate`) does without deepdiff and pydantic, a tenth of a second of start-up.
    from deepdiff import DeepDiff

    # DeepDiff skips keys starting "__" by default (Python's private names); in a widget `ui`
    # or `meta` they are data like any other, and a change to one must not go unseen.
    tree = DeepDiff(old, new, view="tree", verbose_level=2, ignore_private_variables=False)
    seen: dict[str, FieldChange] = {}
    for levels in tree.values():
        for level in levels:
            parts = level.path(output_format="list")
            # Stop at the first list index: the whole list is the unit of change.
            cut = next((i for i, p in enumerate(parts) if isinstance(p, int)), len(parts))
            parts = parts[:cut]
            path = ".".join([name, *map(str, parts)])
            if path in seen:
                continue
            if cut == len(level.path(output_format="list")):
                if _equal(level.t1, level.t2):
                    continue
                old_v, new_v = _value(level.t1), _value(level.t2)
            else:
                old_v, new_v = _get(old, parts), _get(new, parts)
                if old_v == new_v:
                    continue
            seen[path] = FieldChange(path, old_v, new_v)
    return sorted(seen.values(), key=lambda c: c.path)


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """Every managed field that differs, in the order of `new`'s keys."""
    # Most objects of a plan are unchanged: one comparison of the whole objects says so. Equal
    # dicts may still hold at one key one object unequal to itself (a NaN float), which the
    # loop below reports as a change; a value of these types always equals itself.
    if old == new and _REFLEXIVE.issuperset(map(type, new.values())):
        return []
    changes: list[FieldChange] = []
    for name in dict.fromkeys([*new, *old]):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            changes.extend(_nested(name, a, b))
        else:
            changes.append(FieldChange(name, a, b))
    return changes
