"""The planner's comparison gives exactly what it gave before its fast paths (issue 12).

Planning an unchanged account of thousands of objects is mostly putting each live object in
canonical form and comparing it with the config's. That work was made cheaper: a set-like list
encodes each item once for its sort key (and a string without a Python call), the C JSON encoder
is built once, a live object's references are merged without copying its fields, a constraint's
whole hours are looked up, equal objects skip the field-by-field diff, and several per-object
steps are skipped when nothing changed. Canonical forms are hashed into the fingerprints users'
state files hold, so any difference would show every object as changed: the code as it was is
kept in `compare_reference.py`, and generated values, objects and whole plans must come out the
same from both, down to dict order, value types and which of two equal items a list keeps.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.unit.core import compare_reference as reference
from tests.unit.core.test_plan_equivalence import accounts
from tkctl.core import build, diff, ignore, match, normalize
from tkctl.core.live import LiveObject, LiveState
from tkctl.core.normalize import MANAGED_FIELDS

PROPERTY = settings(max_examples=300, derandomize=True, deadline=None, database=None)


def same(a: Any, b: Any) -> bool:
    """Equal down to dict order, types (1, 1.0, True, "1") and NaN: what hashing would see."""
    return repr(a) == repr(b)


def outcome(function, *args, **kwargs) -> tuple[str, str]:
    """What a call gives, or the error it raises: a value the old code refused must still be."""
    try:
        return "value", repr(function(*args, **kwargs))
    except Exception as error:  # noqa: BLE001 (any error: compared by type)
        return "error", type(error).__name__


# -- values ------------------------------------------------------------------------------

# Strings whose JSON text orders differently from the strings themselves: quotes, backslashes,
# control characters, spaces and "!" (below the closing quote), non-ASCII, lone surrogates.
tricky_text = st.text(alphabet=st.sampled_from(list("aAb ! \"\\\n\x00\x1f\x7fé€😀\ud800\udfff-_:9")), max_size=5)
any_text = st.one_of(tricky_text, st.text(alphabet=st.characters(codec=None), max_size=4), st.text(max_size=6))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.sampled_from([0, 1, 1.0, -0.0, 9]),
                    st.floats(allow_nan=True, allow_infinity=True), any_text)
keys = st.one_of(st.sampled_from(["t_store", "t_", "tkctl_key", "start", "end", "day", ""]), tricky_text)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                      max_leaves=8)
hours = st.one_of(st.integers(-2, 30), st.sampled_from(["9", "09:00", " 9:30 ", "17", "24", "99:99", True, False,
                                                        9.0, 9.5, 1e300, 10**400, None, "x", [9]]))
CONSTRAINT_TYPES = ["allow_hours", "block_hours", "allow_day_and_time", "hours", "day_and_time", "a_b_hours",
                    "allow_period", "block_weekends", "x_hours", ""]
constraint_items = st.one_of(
    st.builds(lambda t, params: {t: params}, st.sampled_from(CONSTRAINT_TYPES),
              st.dictionaries(st.sampled_from(["start", "end", "day", "other"]),
                              st.one_of(hours, st.sampled_from(["monday", "Monday ", "FRIDAY", "Funday", 3])),
                              max_size=3)),
    st.builds(lambda t: {t: {}}, st.sampled_from(CONSTRAINT_TYPES)),
    st.builds(lambda t, v: {t: v}, st.sampled_from(CONSTRAINT_TYPES), scalars),
    values,
)
# Lists with repeats, so that which of two items of one JSON text is kept is tested too.
set_like = st.lists(st.one_of(any_text, values, st.sampled_from(["a", "a ", "a!", "a\"", "b", 1, 1.0, True])),
                    max_size=6).flatmap(lambda items: st.permutations(items + items[: len(items) // 2]))
FIELD_VALUES = {
    "availability_constraints": st.one_of(st.lists(constraint_items, max_size=4), values),
    "availability": st.one_of(st.fixed_dictionaries({}, optional={
        "mode": st.sampled_from(["roundrobin_random", "roundrobin_prioritized"]),
        "length": st.sampled_from(["60 minutes", "1 hour", " 2 days ", "x"]), "to": st.sampled_from(["4 weeks", 3]),
        "from": st.sampled_from(["now", "1 day"])}), values),
    "tags": st.one_of(set_like, values),
    "resources": st.one_of(set_like, st.lists(st.sampled_from(["r1", "r2", "<unmanaged x>", None]), max_size=5)),
    "email": st.one_of(st.sampled_from(["A@X.example", "a@x.example", ""]), values),
    "meta": st.one_of(st.dictionaries(keys, values, max_size=4), values),
}


@st.composite
def objects(draw) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(sorted(MANAGED_FIELDS)))
    names = list(MANAGED_FIELDS[kind]) + ["api_token", "id", "created_at", "resource_id", "resource_ids"]
    fields = draw(st.fixed_dictionaries({}, optional={n: FIELD_VALUES.get(n, values) for n in names}))
    # Empty values in every spelling: each means "not set".
    for name in draw(st.lists(st.sampled_from(names), max_size=2)):
        fields[name] = draw(st.sampled_from([None, "", [], {}, 0, False, 0.0]))
    return kind, fields


compare_only = st.one_of(st.none(), st.frozensets(st.sampled_from(
    ["first_name", "last_name", "email", "primary", "slug", "name", "tags"]), max_size=4))
ordered = st.sampled_from([frozenset(), frozenset({"resources"}), frozenset({"tags", "availability_constraints"})])


# -- sort keys and set-like lists --------------------------------------------------------

@PROPERTY
@given(set_like)
def test_a_set_like_list_keeps_the_same_items_in_the_same_order(items):
    want = reference.field_value("tags", items)
    got = normalize.field_value("tags", items)
    assert same(got, want)
    # The very same objects: of two items with one JSON text, the same one is kept.
    assert [id(v) for v in got or []] == [id(v) for v in want or []]


@PROPERTY
@given(st.lists(st.one_of(any_text, st.sampled_from(["a", "a b", "a!", "a\"", "a\\", "é", "\x7f", "\ud83d"])),
                min_size=1, max_size=8))
def test_plain_strings_sort_by_their_json_text_as_before(items):
    got = normalize._unordered_names(items)
    assert got == sorted(dict.fromkeys(items), key=reference._sort_key)
    assert same(got, reference.field_value("resources", items))


def test_a_string_subclass_in_a_set_like_list_sorts_as_a_string():
    class Name(str):
        pass

    items = [Name("b"), "a b", Name("a"), "a", 1, Name("a")]
    for some in (items, [v for v in items if isinstance(v, str)]):
        assert [id(v) for v in normalize._unordered_names(some)] == [id(v) for v in reference.field_value("tags", some)]


@PROPERTY
@given(st.one_of(values, st.lists(values, max_size=3), st.dictionaries(keys, values, max_size=3)))
def test_the_sort_key_of_any_value_is_the_json_text_it_was(value):
    assert outcome(normalize._sort_key, value) == outcome(reference._sort_key, value)
    assert outcome(normalize._encode, value) == outcome(reference._SORT_ENCODER.encode, value)


def test_a_value_json_cannot_encode_fails_as_before():
    circular: list[Any] = []
    circular.append(circular)
    mixed_keys = {1: "a", "b": 2}  # sorted keys: int and str do not compare
    for bad, error in ((circular, ValueError), (mixed_keys, TypeError), ([{(1, 2): 3}], TypeError)):
        with pytest.raises(error):
            reference._sort_key(bad)
        with pytest.raises(error):
            normalize._sort_key(bad)
    assert normalize._sort_key({1: "a", 2: [float("nan")]}) == reference._sort_key({1: "a", 2: [float("nan")]})


# -- canonical and live forms ------------------------------------------------------------

@PROPERTY
@given(st.one_of(hours, scalars))
def test_an_hour_reads_as_before(value):
    assert outcome(normalize._hour, value) == outcome(reference._hour, value)


@PROPERTY
@given(constraint_items)
def test_a_constraint_reads_as_before(item):
    assert outcome(normalize.constraint, item) == outcome(reference.constraint, item)


@PROPERTY
@given(objects(), compare_only, ordered)
def test_canonical_forms_are_unchanged(kind_and_fields, only, order):
    kind, fields = kind_and_fields
    assert outcome(normalize.canonical, kind, fields, compare_only=only, ordered=order) == \
        outcome(reference.canonical, kind, fields, compare_only=only, ordered=order)
    for name, value in fields.items():
        assert outcome(normalize.field_value, name, value, order) == outcome(reference.field_value, name, value, order)


@PROPERTY
@given(objects(), compare_only, ordered, st.sampled_from([{}, {"resource": "r1"}, {"resource": None},
                                                          {"resources": ["r2", "<unmanaged x>", "r1", "r2"]},
                                                          {"resources": []}, {"tags": ["b", "a"], "name": ""}]))
def test_live_forms_are_unchanged(kind_and_fields, only, order, refs):
    kind, fields = kind_and_fields
    obj = LiveObject(kind, "id-1", fields)
    assert outcome(match.live_form, obj, refs, only, order) == outcome(reference.live_form, obj, refs, only, order)
    assert obj.fields == fields  # the live object is not changed


@PROPERTY
@given(st.lists(st.sampled_from(["id-a", "id-b", "id-c", None]), max_size=6), st.sampled_from(["", "a", "b"]))
def test_live_references_are_named_as_before(member_ids, bound_key):
    resources = [{"id": i, "name": i, "meta": {"tkctl_key": i[-1]},
                  "calendars": [{"id": f"cal-{i}", "name": "Bookings"}]} for i in ("id-a", "id-b")]
    live = LiveState.from_payloads(resources, [{"id": "p", "name": "P", "resources": []}])
    live.by_kind["project"]["p"] = LiveObject("project", "p", {"resource_ids": member_ids})
    new, old = match.Matcher(live, {}), reference.Matcher(live, {})
    for matcher in (new, old):
        matcher.bind("resource", bound_key, "id-a")
    for kind in ("resource", "calendar", "project"):
        for obj in live.of_kind(kind):
            assert new.live_refs(obj) == old.live_refs(obj)


# -- the diff and ignored paths ------------------------------------------------------------

@PROPERTY
@given(objects(), st.data())
def test_field_changes_are_unchanged(kind_and_fields, data):
    kind, fields = kind_and_fields
    assume(outcome(reference.canonical, kind, fields)[0] == "value")
    have = reference.canonical(kind, fields)
    how = data.draw(st.sampled_from(["itself", "equal copy", "shared value", "changed"]))
    if how == "itself":
        want = have
    elif how == "equal copy":
        want = reference.canonical(kind, dict(fields))
    elif how == "shared value":  # one object in both, as ignore_fields copies it: NaN too
        name = data.draw(st.sampled_from(sorted(have)))
        have[name] = data.draw(st.one_of(scalars, values))
        want = dict(have)
    else:
        want = dict(have)
        want[data.draw(st.sampled_from(sorted(have)))] = data.draw(values)
    if data.draw(st.booleans()):
        want.pop(data.draw(st.sampled_from(sorted(want))), None)
    assert same(diff.field_changes(have, want), reference.field_changes(have, want))
    assert same(diff.field_changes(want, have), reference.field_changes(want, have))


# Nested fields (a widget `ui`, `meta`): keys a path cannot name (integers, True), missing
# against None, lists of mappings, and values shared by both sides (NaN among them).
nested_keys = st.one_of(keys, st.sampled_from([0, 1, True, False, 2.5, None]))
nested = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nested_keys, inner, max_size=3),
                      max_leaves=12)


def edited(data: st.DataObject, value: Any, depth: int = 0) -> Any:
    """`value` with some of its keys changed, dropped, added or shared, at any depth."""
    if not isinstance(value, dict) or depth > 4:
        return data.draw(st.one_of(st.just(value), nested), label="leaf")
    out = {}
    for key, item in value.items():
        how = data.draw(st.sampled_from(["same", "same", "edit", "drop", "none"]), label="how")
        if how == "same":
            out[key] = item
        elif how == "edit":
            out[key] = edited(data, item, depth + 1)
        elif how == "none":
            out[key] = None
    for key in data.draw(st.lists(nested_keys, max_size=2), label="added"):
        out.setdefault(key, data.draw(nested, label="value"))
    return out


@PROPERTY
@given(st.dictionaries(nested_keys, nested, min_size=1, max_size=4), st.data())
def test_nested_changes_are_what_the_deepdiff_walk_gave(old, data):
    new = edited(data, old)
    assume(isinstance(new, dict))
    assert same(diff._nested("ui", old, new), reference._nested("ui", old, new))
    assert same(diff._nested("ui", new, old), reference._nested("ui", new, old))


@pytest.mark.parametrize("old, new, paths", [
    ({"a": None}, {}, ["ui.a"]),                                    # missing against None is a change
    ({"a": {"b": 1}}, {"a": {}}, ["ui.a.b"]),
    ({"a": 1}, {"a": 1.0}, []),                                     # equal numbers
    ({"a": {1: "x", "s": 1}}, {"a": {1: "y", "s": 2}}, ["ui.a", "ui.a.s"]),  # an integer key: whole
    ({"a": [{"x": 1}]}, {"a": [{"x": 2}]}, ["ui.a"]),               # a list: whole
    ({"a": float("nan")}, {"a": float("nan")}, ["ui.a"]),
    ({"a": {"x": 1, "y": 2, "z": 3}}, {"a": {"x": 1, "w": 4}}, ["ui.a"]),  # 1 key of 4 shared: whole
    ({"a": {"x": 1, "y": 2}}, {"a": {"x": 1, "w": 4}}, ["ui.a.w", "ui.a.y"]),  # 1 of 3: a third, walked
])
def test_nested_paths(old, new, paths):
    """The rules docs/plan-format.md gives for `changes[].fields[].path`."""
    assert [c.path for c in diff._nested("ui", old, new)] == paths
    assert same(diff._nested("ui", old, new), reference._nested("ui", old, new))


def test_an_unequal_to_itself_value_held_by_both_sides_is_still_a_change():
    nan = float("nan")
    have, want = {"name": nan, "tags": None}, {"name": nan, "tags": None}
    assert have == want  # the whole objects compare equal (same object), yet the field is not
    assert same(diff.field_changes(have, want), reference.field_changes(have, want))
    assert [c.path for c in diff.field_changes(have, want)] == ["name"]


@PROPERTY
@given(st.one_of(st.dictionaries(keys, values, max_size=5), values),
       st.one_of(st.dictionaries(keys, values, max_size=3), values))
def test_kept_meta_paths_are_unchanged(live_meta, desired_meta):
    assert ignore.kept_meta_paths(desired_meta, live_meta) == reference.kept_meta_paths(desired_meta, live_meta)


# -- whole plans ---------------------------------------------------------------------------

@PROPERTY
@given(account=accounts())
def test_plans_are_identical_to_the_reference_planner(account):
    desired, live, state, ignored = account
    new = build.build_plan(desired, live, state, ignore=ignored)
    old = reference.build_plan(desired, live, state, ignore=ignored)
    assert new.data("test") == old.data("test")
    assert dict(new.live_fingerprints) == dict(old.live_fingerprints)
    assert new.ids == old.ids and new.managed == old.managed and new.unmanaged == old.unmanaged
    assert new.problems == old.problems and new.no_change == old.no_change
    assert [s.data() for s in new.state_steps] == [s.data() for s in old.state_steps]


def test_a_tag_carried_twice_is_refused_as_before():
    """Two live objects with one key's tag, and a tag carried by an object bound elsewhere."""
    from tkctl.core.model import DesiredObject, DesiredState
    from tkctl.core.plan import StateRecord

    desired = DesiredState()
    for key in ("b", "a", "c"):
        desired.add(DesiredObject("resource", key, {"name": key, "timezone": "UTC"}))
    payloads = [{"id": f"id-{n}", "name": n[0], "timezone": "UTC", "meta": {"tkctl_key": n[0]}, "calendars": []}
                for n in ("a1", "a2", "b1", "c1", "c2")]
    live = LiveState.from_payloads(payloads, [])
    state = {("resource", "a"): StateRecord("id-a1"), ("resource", "b"): StateRecord("id-c2"),
             ("resource", "c"): StateRecord("id-c1")}
    new, old = build.build_plan(desired, live, state), reference.build_plan(desired, live, state)
    assert len(new.problems) >= 2
    assert new.problems == old.problems
    assert new.data("test") == old.data("test")
