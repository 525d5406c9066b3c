"""Timekit durations: the forms accepted, the suggestions for the rest, and which are equal."""

from __future__ import annotations

import re

import pytest

from tkctl.config.schema import load_schema
from tkctl.core.durations import PATTERN, Duration, DurationError, canonical_duration, parse_duration
from tkctl.core.normalize import field_value

UNITS = "seconds, minutes, hours, days, weeks or months"

VALID = [
    ("30 minutes", "30 minutes"),
    ("1 hour", "1 hour"),
    ("60 minutes", "1 hour"),
    ("90 minutes", "90 minutes"),
    ("1 hour 30 minutes", "90 minutes"),
    ("2 days", "2 days"),
    ("7 days", "1 week"),
    ("4 weeks", "4 weeks"),
    ("3 days 2 weeks", "17 days"),
    ("6 months", "6 months"),
    ("1 month 2 weeks", "1 month 2 weeks"),
    ("24 hours", "24 hours"),  # not "1 day": across a daylight-saving change they differ
    ("1 hours", "1 hour"),  # singular or plural, as English is written
    ("2 hour", "2 hours"),
    ("45 seconds", "45 seconds"),
    ("0 minutes", "0 minutes"),
    ("0 hours", "0 minutes"),
    ("  15   minutes ", "15 minutes"),
    ("1 hour 1 hour", "2 hours"),
]

INVALID = [
    ("20 minutez", 'unknown unit "minutez"', "20 minutes"),
    ("3 dayz 2 weks", 'unknown unit "dayz"', "3 days 2 weeks"),
    ("15 mins", 'write the unit in full, not "mins"', "15 minutes"),
    ("2 hrs 30 mins", 'write the unit in full, not "hrs"', "2 hours 30 minutes"),
    ("30min", "put a space between the number and the unit", "30 minutes"),
    ("1.5h", "put a space between the number and the unit", "90 minutes"),
    ("1.5 hours", "use whole numbers", "90 minutes"),
    ("0.5 days", "use whole numbers", "12 hours"),
    ("1.5 months", "use whole numbers", None),
    ("0.5 seconds", "use whole numbers", None),
    ("30 Minutes", "write the unit in lower case", "30 minutes"),
    ("-5 minutes", "it must not be negative", None),
    ("+1 day", 'leave out the "+"', "1 day"),
    ("30", f"a number needs a unit ({UNITS})", None),
    ("1 hour 30", f"a number needs a unit ({UNITS})", None),
    ("", 'it is empty; write for example "30 minutes"', None),
    ("tomorrow", f'unknown unit "tomorrow" (units: {UNITS})', None),
    ("minutes", f'write a whole number and a unit, for example "30 minutes" or "2 weeks" (units: {UNITS})', None),
    ("٣ minutes", f'write a whole number and a unit, for example "30 minutes" or "2 weeks" (units: {UNITS})', None),
    ("1 year", f'unknown unit "year" (units: {UNITS})', None),
]


@pytest.mark.parametrize("text, canonical", VALID)
def test_valid_durations_and_their_canonical_spelling(text, canonical):
    assert str(parse_duration(text)) == canonical
    assert canonical_duration(text) == canonical
    assert str(parse_duration(canonical)) == canonical  # canonical spellings are stable


@pytest.mark.parametrize("text, reason, suggestion", INVALID)
def test_invalid_durations_say_why_and_suggest(text, reason, suggestion):
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert (caught.value.reason, caught.value.suggestion) == (reason, suggestion)
    assert canonical_duration(text) is None


def test_only_strings_are_durations():
    with pytest.raises(DurationError, match="it is not a string"):
        parse_duration(30)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [t for t, _ in VALID] + [t for t, _, _ in INVALID])
def test_the_schema_pattern_accepts_exactly_what_the_parser_accepts(text):
    """Editors check durations with PATTERN (through the JSON Schema); tkctl with the parser."""
    parses = canonical_duration(text) is not None
    assert bool(re.search(PATTERN, text)) is parses


def test_the_config_schema_uses_the_parser_pattern():
    defs = load_schema("config")["$defs"]
    assert defs["duration"]["pattern"] == PATTERN
    availability = defs["project"]["properties"]["availability"]["properties"]
    assert availability["length"]["pattern"] == PATTERN


@pytest.mark.parametrize(
    "text, shortest_days, longest_days",
    [("6 months", 168, 186), ("26 weeks", 182, 182), ("1 month 1 day", 29, 32), ("36 hours", 1.5, 1.5)],
)
def test_bounds_of_calendar_spans(text, shortest_days, longest_days):
    duration = parse_duration(text)
    assert (duration.shortest_seconds / 86400, duration.longest_seconds / 86400) == (shortest_days, longest_days)


def test_duration_parts():
    assert parse_duration("1 month 2 weeks 3 days 4 hours 5 minutes 6 seconds") == Duration(1, 17, 4 * 3600 + 5 * 60 + 6)


@pytest.mark.parametrize(
    "a, b, equal",
    [
        ({"length": "60 minutes"}, {"length": "1 hour"}, True),
        ({"buffer": "7 days"}, {"buffer": "1 week"}, True),
        ({"to": "3 days 2 weeks"}, {"to": "17 days"}, True),
        ({"from": "1 day", "to": "4 weeks"}, {"from": "1 days", "to": "28 days"}, True),
        ({"length": "1 day"}, {"length": "24 hours"}, False),
        ({"to": "1 month"}, {"to": "30 days"}, False),
        ({"length": "30 minutes"}, {"length": "31 minutes"}, False),
        ({"from": "now"}, {"from": "now"}, True),
        ({"from": "2026-01-01"}, {"from": "2026-01-01"}, True),
        ({"length": "20 minutez"}, {"length": "20 minutes"}, False),  # not a duration: compared as written
        ({"length": None, "mode": "mutual"}, {"mode": "mutual", "length": None}, True),
    ],
)
def test_the_diff_compares_durations_by_meaning(a, b, equal):
    assert (field_value("availability", a) == field_value("availability", b)) is equal


def test_canonical_availability_keeps_other_keys_and_the_input():
    value = {"mode": "mutual", "length": "60 minutes", "ignore_all_day_events": True}
    assert field_value("availability", value) == {"mode": "mutual", "length": "1 hour", "ignore_all_day_events": True}
    assert value["length"] == "60 minutes"  # apply still sends what the user wrote
