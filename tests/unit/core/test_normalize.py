"""The spellings Timekit treats as equal must canonicalise equal (timekit-api.md §16.8)."""

import pytest

from tkctl.core.normalize import canonical, constraint, field_value


@pytest.mark.parametrize(
    "a, b",
    [
        ({"allow_hours": {"start": 9, "end": 17}}, {"allow_hours": {"start": "09:00", "end": "17:00"}}),
        ({"allow_hours": {"start": "9:30", "end": 17}}, {"allow_hours": {"start": "09:30", "end": "17:00"}}),
        ({"allow_day": {"day": "monday"}}, {"allow_day": {"day": "Monday"}}),
        ({"block_day_and_time": {"day": "FRIDAY", "start": 12, "end": "13"}},
         {"block_day_and_time": {"day": "Friday", "start": "12:00", "end": "13:00"}}),
        ({"block_weekends": {}}, {"block_weekends": {}}),
    ],
)
def test_equal_spellings_canonicalise_equal(a, b):
    assert constraint(a) == constraint(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ({"allow_hours": {"start": 9, "end": 17}}, {"allow_hours": {"start": 9, "end": 18}}),
        ({"allow_day": {"day": "Monday"}}, {"block_day": {"day": "Monday"}}),
        # Periods are dates, not hours: "9" must not become "09:00" there.
        ({"block_period": {"start": "2026-01-01", "end": "2026-01-02"}},
         {"block_period": {"start": "2026-01-01", "end": "2026-01-03"}}),
    ],
)
def test_different_constraints_stay_different(a, b):
    assert constraint(a) != constraint(b)


@pytest.mark.parametrize(
    "name, a, b, equal",
    [
        ("tags", ["b", "a"], ["a", "b"], True),
        ("tags", ["a", "a"], ["a"], True),
        ("tags", ["a"], ["a", "c"], False),
        ("resources", ["x", "y"], ["y", "x"], True),
        ("availability_constraints",
         [{"block_weekends": {}}, {"allow_hours": {"start": 9, "end": 17}}],
         [{"allow_hours": {"start": "09:00", "end": "17:00"}}, {"block_weekends": {}}], True),
        ("reminders", [{"type": "email"}, {"type": "webhook"}], [{"type": "webhook"}, {"type": "email"}], False),
        ("image", None, "", True),
        ("meta", None, {}, True),
        ("tags", None, [], True),
        ("name", "a", "A", False),
    ],
)
def test_field_values(name, a, b, equal):
    assert (field_value(name, a) == field_value(name, b)) is equal


def test_server_defaulted_fields_compared_only_when_set():
    live = {"name": "Dr Jones", "timezone": "UTC", "first_name": "Dr Jones", "last_name": "",
            "email": "j@example.com", "api_token": "secret"}
    desired = {"name": "Dr Jones", "timezone": "UTC"}
    only = frozenset(desired)
    assert canonical("resource", live, compare_only=only) == canonical("resource", desired, compare_only=only)
    assert "first_name" in canonical("resource", live, compare_only=frozenset({"first_name"}))


def test_secrets_never_reach_canonical_form():
    out = canonical("resource", {"name": "x", "api_token": "s3cret", "password": "p"})
    assert "s3cret" not in repr(out) and "api_token" not in out
