"""Checks that look across objects: references by key, and values the API requires to be unique.

These run after every file is read, so that a calendar may name a resource defined in another
file, and so that a dangling reference is reported with the list of keys that do exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from tkctl.config.fieldpath import FieldPath, format_path, object_name
from tkctl.config.schema import did_you_mean
from tkctl.errors import Location, Problem

# How many defined keys a dangling-reference message lists before it only gives a hint.
_LIST_LIMIT = 20


@dataclass(slots=True)
class Entry:
    """One object as read from a file, before it becomes a DesiredObject."""

    kind: str
    key: str
    data: dict[str, Any]
    location: Location
    locate: Callable[[FieldPath], Location]  # position of a path inside this object

    @property
    def name(self) -> str:
        return object_name(self.kind, self.key)

    def __reduce__(self) -> tuple:
        return (Entry, (self.kind, self.key, self.data, self.location, self.locate))  # as DesiredObject's

    def problem(self, path: FieldPath, message: str) -> Problem:
        return Problem(message, self.locate(path), obj=self.name, field=format_path(path) or None)


def _dangling(key: str, defined: list[str]) -> str:
    text = f'refers to resource "{key}", which is not defined.'
    if len(defined) <= _LIST_LIMIT:
        return f"{text} Defined resources: {', '.join(defined) or 'none'}."
    guess = did_you_mean(key, defined)
    return f"{text} {len(defined)} resources are defined" + (f'; did you mean "{guess}"?' if guess else ".")


def reference_problems(entries: list[Entry]) -> list[Problem]:
    resources = sorted(e.key for e in entries if e.kind == "resource")
    defined = set(resources)
    problems: list[Problem] = []
    for entry in entries:
        if entry.kind == "calendar":
            ref = entry.data.get("resource")
            if isinstance(ref, str) and ref not in defined:
                problems.append(entry.problem(("resource",), _dangling(ref, resources)))
        elif entry.kind == "project":
            refs = entry.data.get("resources")
            if not isinstance(refs, list):
                continue
            first_index: dict[str, int] = {}
            for index, ref in enumerate(refs):
                if not isinstance(ref, str):
                    continue
                if ref in first_index:
                    problems.append(
                        entry.problem(("resources", index), f'lists resource "{ref}" again (already resources[{first_index[ref]}])')
                    )
                    continue
                first_index[ref] = index
                if ref not in defined:
                    problems.append(entry.problem(("resources", index), _dangling(ref, resources)))
    return problems


def uniqueness_problems(entries: list[Entry]) -> list[Problem]:
    """Slugs unique across projects, e-mails unique across resources (the API answers 422),
    at most one primary calendar per resource."""
    problems: list[Problem] = []
    for kind, field, fold, why in (
        ("project", "slug", str, "slugs name hosted booking pages and must be unique"),
        ("resource", "email", str.lower, "Timekit allows one resource per e-mail address"),
    ):
        seen: dict[str, Entry] = {}
        for entry in entries:
            value = entry.data.get(field)
            if entry.kind != kind or not isinstance(value, str):
                continue
            other = seen.setdefault(fold(value), entry)
            if other is not entry:
                problems.append(
                    entry.problem(
                        (field,),
                        f'"{value}" is also used by {other.name} ({other.locate((field,))}); {why}',
                    )
                )
    # Timekit keeps one primary calendar per resource: marking a second one unmarks the first
    # (§9), so two in the config would flip at every apply.
    primary: dict[str, Entry] = {}
    for entry in entries:
        owner = entry.data.get("resource")
        if entry.kind != "calendar" or entry.data.get("primary") is not True or not isinstance(owner, str):
            continue
        other = primary.setdefault(owner, entry)
        if other is not entry:
            problems.append(
                entry.problem(
                    ("primary",),
                    f'{other.name} ({other.locate(("primary",))}) is already the primary calendar of resource '
                    f'"{owner}"; a resource has one primary calendar',
                )
            )
    return problems
