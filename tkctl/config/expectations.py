"""The `tests:` section of object files: availability tests, read with their places in the files.

Any object file may hold tests next to (or instead of) objects. Each file's tests are read on
their own (`read_tests`, the vocabulary is `core/expect.py`'s); once every file is read,
`check_tests` looks across files: test names are unique, the project or resource a test names
is defined, a test without `timezone` gets the one of the object it tests, and `bookable` is
not asked of a project whose customers book seats in classes rather than free slots.
Problems name the file, line, test and field, like every other config problem.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping

from tkctl.config.fieldpath import FieldPath, format_path, object_name
from tkctl.config.schema import did_you_mean
from tkctl.config.yamlfile import YamlFile, location_of_mark
from tkctl.core.expect import AvailabilityTest, parse_test
from tkctl.core.model import DesiredObject
from tkctl.errors import Problem

SECTION = "tests"
# Graphs whose customers book a seat in a class (a group_owner booking), not a free slot.
_SEAT_GRAPHS = ("group_customer", "group_customer_payment")
_LIST_LIMIT = 20


def read_tests(doc: YamlFile, data: Mapping[str, Any],
               valid_key: Callable[[str], bool]) -> tuple[list[AvailabilityTest], list[tuple[FieldPath, str]]]:
    """The well-formed tests of one file, and the issues of the others (paths from the file's root)."""
    section = data.get(SECTION)
    section_node = doc.node_at((SECTION,))[0]
    if not isinstance(section, dict):
        return [], []  # absent, or not a mapping: the schema says so
    tests: list[AvailabilityTest] = []
    issues: list[tuple[FieldPath, str]] = []
    for key_node, node in doc.mapping_items(section_node):
        name = key_node.value
        if not valid_key(name):
            continue  # the schema reports the key
        fields = {k.value: location_of_mark(doc.display, k.start_mark) for k, _ in doc.mapping_items(node)}
        expect_node = doc.node_at(("expect",), node)[0]
        fields.update({f"expect.{k.value}": location_of_mark(doc.display, k.start_mark)
                       for k, _ in doc.mapping_items(expect_node)})
        test, found = parse_test(name, section.get(name), location_of_mark(doc.display, key_node.start_mark), fields)
        issues.extend(((SECTION, name, *path), message) for path, message in found)
        if test is not None:
            tests.append(test)
    return tests, issues


def _problem(test: AvailabilityTest, path: FieldPath, message: str) -> Problem:
    location = test.field_locations.get(format_path(path)) if path else None
    return Problem(message, location or test.location, obj=object_name("test", test.name),
                   field=format_path(path) or None)


def check_tests(tests: list[AvailabilityTest],
                objects: Mapping[tuple[str, str], DesiredObject]) -> tuple[dict[str, AvailabilityTest], list[Problem]]:
    """The tests by name, each with its time zone; and the problems found across files."""
    out: dict[str, AvailabilityTest] = {}
    problems: list[Problem] = []
    for test in tests:
        other = out.get(test.name)
        if other is not None:
            problems.append(Problem(f"also defined at {other.location}; test names must be unique", test.location,
                                    obj=object_name("test", test.name)))
            continue
        target = objects.get((test.kind, test.key))
        if target is None:
            problems.append(_problem(test, (test.kind,), _undefined(test, objects)))
            out[test.name] = test
            continue
        zone, why = _timezone(test, target, objects)
        if zone is None:
            problems.append(_problem(test, ("timezone",), why))
        graph = (target.fields.get("booking") or {}).get("graph") if test.kind == "project" else None
        if test.expected("bookable") and graph in _SEAT_GRAPHS:
            problems.append(_problem(test, ("expect", "bookable"),
                                     f'cannot be checked: customers of project "{test.key}" ({graph}) book seats in '
                                     "classes, not free slots; leave bookable out of this test"))
        out[test.name] = replace(test, timezone=zone)
    return out, problems


def _undefined(test: AvailabilityTest, objects: Mapping[tuple[str, str], DesiredObject]) -> str:
    defined = sorted(key for kind, key in objects if kind == test.kind)
    text = f'{test.kind} "{test.key}" is not defined'
    guess = did_you_mean(test.key, defined)
    if guess:
        return f'{text}; did you mean "{guess}"?'
    if len(defined) <= _LIST_LIMIT:
        return f"{text}. Defined {test.kind}s: {', '.join(defined) or 'none'}."
    return f"{text}."


def _timezone(test: AvailabilityTest, target: DesiredObject,
              objects: Mapping[tuple[str, str], DesiredObject]) -> tuple[str | None, str]:
    """The test's own time zone, else its resource's, else the one all the project's resources share."""
    if test.timezone is not None:
        return test.timezone, ""
    if test.kind == "resource":
        zone = target.fields.get("timezone")
        return (zone, "") if isinstance(zone, str) else (None, f'required field is missing: resource "{test.key}" has none')
    members = [objects.get(("resource", key)) for key in target.refs.get("resources") or ()]
    zones = sorted({m.fields.get("timezone") for m in members if m is not None and isinstance(m.fields.get("timezone"), str)})
    if len(zones) == 1:
        return zones[0], ""
    if not zones:
        return None, (f'required field is missing: project "{test.key}" has no resources to take it from; '
                      "say which time zone the expectations read times in")
    return None, (f'required field is missing: the resources of project "{test.key}" are in several time zones '
                  f"({', '.join(zones)}); say which one the expectations read times in")
