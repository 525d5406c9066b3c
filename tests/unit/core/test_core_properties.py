"""Properties of the normaliser and the diff, on generated objects (bounded and derandomized,
so every machine runs the same examples).

- Normalising twice changes nothing.
- Spellings Timekit treats as equal (9 / "9" / "09:00", day names in any case, durations by
  meaning, e-mail case, tags and constraint lists in any order) normalise equal.
- The diff of an object with itself is empty; the diff of two objects is empty only if their
  canonical forms are equal, and lists only paths whose values really differ.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl.core.diff import field_changes
from tkctl.core.normalize import MANAGED_FIELDS, canonical, field_value

PROPERTY = settings(max_examples=200, derandomize=True, deadline=None, database=None)

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOUR_CONSTRAINTS = ("allow_hours", "block_hours")
DAY_TIME_CONSTRAINTS = ("allow_day_and_time", "block_day_and_time")
DAY_CONSTRAINTS = ("allow_day", "block_day")
BARE_CONSTRAINTS = ("allow_weekdays", "allow_weekends", "block_weekdays", "block_weekends")

# Keys of nested objects (`ui`, `meta`, `booking`): plausible ones, Timekit's own `t_*` keys,
# keys a library would treat as private, and anything else.
keys = st.one_of(st.sampled_from(["display_name", "localization", "t_store", "_id", "__v", "__", "a.b", ""]),
                 st.text(max_size=6))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(keys, inner, max_size=4), max_leaves=10)


# -- equal spellings ---------------------------------------------------------------------

@st.composite
def hour_spellings(draw) -> tuple[str, list[Any]]:
    """An hour as "HH:MM", and every way a config may write it."""
    hour = draw(st.integers(0, 24))
    minute = 0 if hour == 24 else draw(st.sampled_from([0, 0, 15, 30, 45, 59]))
    spellings: list[Any] = [f"{hour}:{minute:02d}", f"{hour:02d}:{minute:02d}", f" {hour:02d}:{minute:02d} "]
    if minute == 0:
        spellings += [hour, float(hour), str(hour), f"{hour:02d}"]
    return f"{hour:02d}:{minute:02d}", spellings


@st.composite
def day_spellings(draw) -> tuple[str, list[str]]:
    """A day name, and two ways to write it: any case, maybe with a space after."""
    day = draw(st.sampled_from(DAYS))
    ways = []
    for _ in range(2):
        upper = draw(st.lists(st.booleans(), min_size=len(day), max_size=len(day)))
        spelt = "".join(c.upper() if up else c.lower() for c, up in zip(day, upper, strict=True))
        ways.append(spelt + (" " if draw(st.booleans()) else ""))
    return day, ways


@st.composite
def constraint_spellings(draw) -> tuple[dict, dict]:
    """One constraint written two ways that Timekit reads as the same."""
    ctype = draw(st.sampled_from(HOUR_CONSTRAINTS + DAY_TIME_CONSTRAINTS + DAY_CONSTRAINTS + BARE_CONSTRAINTS))
    one: dict[str, Any] = {}
    two: dict[str, Any] = {}
    if ctype in DAY_TIME_CONSTRAINTS + DAY_CONSTRAINTS:
        _, (a, b) = draw(day_spellings())
        one["day"], two["day"] = a, b
    if ctype in HOUR_CONSTRAINTS + DAY_TIME_CONSTRAINTS:
        for name in ("start", "end"):
            _, ways = draw(hour_spellings())
            one[name], two[name] = draw(st.sampled_from(ways)), draw(st.sampled_from(ways))
    return {ctype: one}, {ctype: two}


# (unit, part of the span, how many of that part): computed here, apart from core/durations.py.
UNITS = {"second": ("seconds", 1), "minute": ("seconds", 60), "hour": ("seconds", 3600),
         "day": ("days", 1), "week": ("days", 7), "month": ("months", 1)}
duration_pairs = st.lists(st.tuples(st.integers(0, 40), st.sampled_from(sorted(UNITS))), min_size=1, max_size=4)


def spell(pairs: list[tuple[int, str]], plural: bool = True, gap: str = " ") -> str:
    return gap.join(f"{n}{gap}{unit}{'s' if plural and n != 1 else ''}" for n, unit in pairs)


def span(pairs: list[tuple[int, str]]) -> tuple[int, int, int]:
    parts = {"months": 0, "days": 0, "seconds": 0}
    for n, unit in pairs:
        part, size = UNITS[unit]
        parts[part] += n * size
    return parts["months"], parts["days"], parts["seconds"]


def respelt(pairs: list[tuple[int, str]], data) -> list[tuple[int, str]]:
    """The same span in other units and another order: an hour as 60 minutes, a week as 7
    days, a part split in two."""
    smaller = {"minute": ("second", 60), "hour": ("minute", 60), "week": ("day", 7)}
    out = []
    for n, unit in pairs:
        how = data.draw(st.sampled_from(["same", "smaller", "split"]))
        if how == "smaller" and unit in smaller:
            small, factor = smaller[unit]
            out.append((n * factor, small))
        elif how == "split" and n > 1:
            first = data.draw(st.integers(1, n - 1))
            out += [(first, unit), (n - first, unit)]
        else:
            out.append((n, unit))
    return data.draw(st.permutations(out))


@PROPERTY
@given(st.data())
def test_equal_hours_days_and_constraint_lists_normalise_equal(data):
    pairs = data.draw(st.lists(constraint_spellings(), min_size=1, max_size=5))
    ones = [one for one, _ in pairs]
    twos = data.draw(st.permutations([two for _, two in pairs]))
    twos += data.draw(st.lists(st.sampled_from(twos), max_size=2))  # a rule written twice is one rule
    assert field_value("availability_constraints", ones) == field_value("availability_constraints", twos)


@PROPERTY
@given(hour_spellings(), day_spellings())
def test_every_spelling_of_an_hour_and_a_day_is_one_value(hour, day):
    canonical_hour, ways = hour
    canonical_day, day_ways = day
    for way in ways:
        got = field_value("availability_constraints",
                          [{"block_day_and_time": {"day": day_ways[0], "start": way, "end": way}}])
        assert got == [{"block_day_and_time": {"day": canonical_day, "start": canonical_hour, "end": canonical_hour}}]


@PROPERTY
@given(duration_pairs, st.data())
def test_durations_compare_by_meaning(pairs, data):
    """Two spellings of one span are equal, and (months, days, seconds) kept apart decide it:
    `1 day` is not `24 hours` and `1 month` is not `30 days`."""
    again = respelt(pairs, data)
    plural = data.draw(st.booleans())
    gap = data.draw(st.sampled_from([" ", "  "]))
    one = field_value("availability", {"length": spell(pairs), "buffer": spell(pairs)})
    two = field_value("availability", {"length": spell(again, plural, gap), "buffer": " " + spell(again) + " "})
    assert span(again) == span(pairs)
    assert one == two
    other = data.draw(duration_pairs)
    same_span = span(other) == span(pairs)
    assert (field_value("availability", {"to": spell(other)}) == field_value("availability", {"to": spell(pairs)})) \
        is same_span


@PROPERTY
@given(st.lists(st.text(max_size=5), max_size=6), st.data())
def test_tags_and_members_are_sets_except_prioritized_members(tags, data):
    shuffled = data.draw(st.permutations(tags)) + data.draw(st.lists(st.sampled_from(tags), max_size=2) if tags
                                                             else st.just([]))
    assert field_value("tags", tags) == field_value("tags", shuffled)
    assert field_value("resources", tags) == field_value("resources", shuffled)
    prioritized = frozenset({"resources"})
    assert (field_value("resources", tags, prioritized) == field_value("resources", shuffled, prioritized)) \
        is (tags == shuffled or (not tags and not shuffled))


@PROPERTY
@given(st.from_regex(r"[A-Za-z0-9._%+-]{1,10}@[A-Za-z0-9-]{1,8}\.[A-Za-z]{2,4}", fullmatch=True), st.data())
def test_email_case_is_no_difference(email, data):
    flips = data.draw(st.lists(st.booleans(), min_size=len(email), max_size=len(email)))
    other = "".join(c.swapcase() if flip else c for c, flip in zip(email, flips, strict=True))
    assert field_value("email", email) == field_value("email", other)


# -- idempotence --------------------------------------------------------------------------

constraint_like = st.one_of(constraint_spellings().map(lambda pair: pair[0]), json_values)
availability_like = st.fixed_dictionaries({}, optional={
    "mode": st.sampled_from(["roundrobin_random", "roundrobin_prioritized", "mutual"]),
    "length": st.one_of(duration_pairs.map(spell), json_values), "buffer": duration_pairs.map(spell),
    "from": st.sampled_from(["now", "1 day", "2026-01-01", "0 days"]), "to": duration_pairs.map(spell),
    "closest_time_interval": st.integers(0, 60),
})
FIELD_VALUES = {
    "availability_constraints": st.lists(constraint_like, max_size=4),
    "availability": st.one_of(availability_like, json_values),
    "tags": st.lists(st.one_of(st.text(max_size=4), json_values), max_size=4),
    "resources": st.lists(st.text(max_size=4), max_size=4),
    "email": st.text(max_size=12),
}


def objects(kind: str):
    fields = {name: FIELD_VALUES.get(name, json_values) for name in MANAGED_FIELDS[kind]}
    return st.fixed_dictionaries({}, optional=fields)


any_object = st.sampled_from(sorted(MANAGED_FIELDS)).flatmap(lambda kind: st.tuples(st.just(kind), objects(kind)))


@PROPERTY
@given(any_object, st.booleans())
def test_normalising_twice_changes_nothing(kind_and_fields, prioritized):
    kind, fields = kind_and_fields
    ordered = frozenset({"resources"}) if prioritized else frozenset()
    once = canonical(kind, fields, ordered=ordered)
    assert canonical(kind, once, ordered=ordered) == once
    for name, value in fields.items():
        value_once = field_value(name, value, ordered)
        assert field_value(name, value_once, ordered) == value_once


# -- the diff -----------------------------------------------------------------------------

def mutated(value: Any, data) -> Any:
    """`value` with zero or more small changes deep inside it (some of them no change at all)."""
    if isinstance(value, dict):
        out = {k: mutated(v, data) if data.draw(st.booleans()) else v for k, v in value.items()}
        if data.draw(st.integers(0, 4)) == 0:
            out[data.draw(keys)] = data.draw(scalars)
        if out and data.draw(st.integers(0, 4)) == 0:
            out.pop(data.draw(st.sampled_from(sorted(out))))
        return out
    if isinstance(value, list):
        return [mutated(v, data) if data.draw(st.booleans()) else v for v in value]
    how = data.draw(st.integers(0, 3))
    if how == 0:
        return data.draw(scalars)
    if how == 1 and isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # equal, of another type: as JSON from another server may spell it
    return value


@PROPERTY
@given(any_object)
def test_the_diff_of_an_object_with_itself_is_empty(kind_and_fields):
    kind, fields = kind_and_fields
    assert field_changes(canonical(kind, fields), canonical(kind, fields)) == []


@PROPERTY
@given(any_object, st.data())
def test_the_diff_is_empty_only_for_equal_objects_and_names_real_differences(kind_and_fields, data):
    kind, fields = kind_and_fields
    other = {name: mutated(value, data) for name, value in fields.items()}
    old, new = canonical(kind, fields), canonical(kind, other)
    changes = field_changes(old, new)
    assert (changes == []) is (old == new)
    for change in changes:
        assert change.top in MANAGED_FIELDS[kind]
        assert change.old != change.new or _absent_on_one_side(old, new, change.path), change


_MISSING = object()


def _lookups(obj: Any, path: str) -> list[Any]:
    """Every value `path` can name in `obj` (a key may hold a dot itself); _MISSING if absent."""
    if not isinstance(obj, dict):
        return [_MISSING]
    found = [obj[path]] if path in obj else []
    for i, char in enumerate(path):
        if char == "." and path[:i] in obj:
            found += _lookups(obj[path[:i]], path[i + 1:])
    return found or [_MISSING]


def _absent_on_one_side(old: dict, new: dict, path: str) -> bool:
    """A key added or removed shows as a change even when its value is None on one side."""
    return any((a is _MISSING) != (b is _MISSING) or a != b for a in _lookups(old, path) for b in _lookups(new, path))
