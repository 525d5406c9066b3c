"""Equal live field values are kept as one object (`core/sharing.py`, issue 12), and sharing
never gives a field a value that differs from its own in type, order or sign."""

from __future__ import annotations

import json
import math
import threading
from typing import Any

from hypothesis import given, settings, strategies as st

from tkctl.core.sharing import DISTINCT, SharedValues


def exact(value: Any) -> str:
    """A value's JSON text: it tells apart what `==` does not (true from 1, 1.0 from 1, -0.0
    from 0.0, one key order from another), as the reader's tests compare live objects."""
    return json.dumps(value)


def test_equal_values_of_later_objects_become_the_first_ones():
    shared = SharedValues()
    first = shared.share("resource", {"tz": "Europe/Oslo", "tags": ["gp", "site-0"],
                          "rules": [{"allow_hours": {"start": 9, "end": 17}}]})
    later = shared.share("resource", {"tz": "".join(["Europe/", "Oslo"]), "tags": ["gp", "site-0"],
                          "rules": [{"allow_hours": {"start": 9, "end": 17}}]})
    for name in ("tz", "tags", "rules"):
        assert later[name] is first[name]
    other = shared.share("resource", {"tz": "Europe/Paris", "tags": ["gp"], "rules": []})
    assert other == {"tz": "Europe/Paris", "tags": ["gp"], "rules": []}
    assert other["tags"] is not first["tags"]


def test_values_equal_in_python_but_not_in_json_are_not_shared():
    shared = SharedValues()
    pairs = [
        ([1, 0], [True, False]),  # True == 1
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),  # equal dicts, another key order
        ([{"x": 1}], [[["x", 1]]]),
        ([1], ["1"]),
        ([None], [[]]),
        ({}, []),
    ]
    for n, (a, b) in enumerate(pairs):
        got_a = shared.share("resource", {f"f{n}": a})[f"f{n}"]
        got_b = shared.share("resource", {f"f{n}": b})[f"f{n}"]
        assert got_b is b and got_a is a
        assert exact(got_b) == exact(b)


def test_floats_are_shared_only_with_the_same_bits_and_a_nan_never():
    shared = SharedValues()
    zero = shared.share("resource", {"v": [0.0]})["v"]
    negative = shared.share("resource", {"v": [-0.0]})["v"]
    assert negative is not zero and math.copysign(1, negative[0]) == -1
    assert shared.share("resource", {"v": [1]})["v"] is not shared.share("resource", {"v": [1.0]})["v"]
    half = shared.share("resource", {"v": {"x": 2.5, "y": math.inf}})["v"]
    assert shared.share("resource", {"v": {"x": 2.5, "y": math.inf}})["v"] is half
    first_nan = shared.share("resource", {"v": [float("nan")]})["v"]
    again = [float("nan")]
    # Shared, the two lists would be one object, equal to itself; their copies are not equal.
    assert shared.share("resource", {"v": again})["v"] is again and first_nan != again


def test_a_field_whose_values_do_not_recur_stops_being_looked_at():
    shared = SharedValues(distinct=3)
    firsts = [shared.share("resource", {"id": f"id-{i}", "tz": "UTC"}) for i in range(3)]
    repeat = shared.share("resource", {"id": "".join(["id-", "0"]), "tz": "".join(["U", "TC"])})
    assert repeat["id"] is firsts[0]["id"] and repeat["tz"] is firsts[0]["tz"]
    shared.share("resource", {"id": "id-3"})  # a fourth distinct value: `id` is no longer looked at
    late = shared.share("resource", {"id": "".join(["id-", "1"]), "tz": "".join(["U", "TC"])})
    assert late["id"] == "id-1" and late["id"] is not firsts[1]["id"]
    assert late["tz"] is firsts[0]["tz"]  # `tz` recurs: still shared
    assert DISTINCT >= 100  # the real bound leaves room for a field's few recurring values


def test_each_kind_has_its_own_memos():
    shared = SharedValues(distinct=3)
    for i in range(5):  # resources' names do not recur: their memo is given up
        shared.share("resource", {"name": f"R{i}"})
    first = shared.share("calendar", {"name": "".join(["Book", "ings"])})
    again = shared.share("calendar", {"name": "".join(["Bo", "okings"])})
    assert again["name"] is first["name"]
    late = shared.share("resource", {"name": "".join(["Book", "ings"])})
    assert late["name"] == "Bookings" and late["name"] is not first["name"]


def test_scalars_that_are_one_object_already_are_left_alone():
    shared = SharedValues()
    fields = {"primary": True, "image": None, "count": 7}
    assert shared.share("resource", dict(fields)) == fields
    assert shared._kinds == {"resource": {}}  # no field's memo made


def test_two_threads_sharing_at_once_keep_every_value():
    shared = SharedValues()
    made: list[list[dict]] = [[], []]

    def work(out: list[dict], start: int) -> None:
        for i in range(2000):
            out.append(shared.share("resource", {"n": f"v{(start + i) % 50}", "l": [i % 7, "x"], "id": f"{start}-{i}"}))

    threads = [threading.Thread(target=work, args=(made[t], t)) for t in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for t, out in enumerate(made):
        for i, fields in enumerate(out):
            assert fields == {"n": f"v{(t + i) % 50}", "l": [i % 7, "x"], "id": f"{t}-{i}"}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, -0.0, 1.0, 2.5]) | st.sampled_from("ab"),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("xyz"), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), JSON, max_size=3), max_size=12))
def test_every_field_keeps_its_exact_value(objects):
    before = [exact(o) for o in objects]
    texts = [json.dumps(o) for o in objects]
    shared = SharedValues(distinct=4)
    after = [shared.share("resource", json.loads(text)) for text in texts]
    assert [exact(o) for o in after] == before
