"""FieldLocations (core/model.py) reads exactly as the dict of Locations it packs, pickled too."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tkctl.core.model import FieldLocations
from tkctl.errors import Location

locations = st.dictionaries(
    st.text(min_size=1, max_size=12),
    st.builds(Location, st.sampled_from(["cfg/a.yaml", "cfg/b.yaml", "/abs/c.yml"]),
              st.integers(0, 2**31 - 1), st.integers(0, 10_000)),
    max_size=12,
)


@given(locations)
def test_packed_locations_read_as_the_dict_they_pack(d):
    packed = FieldLocations(d)
    assert packed == d and d == packed
    assert list(packed) == list(d) and len(packed) == len(d)
    assert dict(packed.items()) == d
    for name, loc in d.items():
        assert packed[name] == loc and packed.get(name) == loc and name in packed
    assert pickle.loads(pickle.dumps(packed)) == d


def test_an_unknown_field_is_a_key_error():
    packed = FieldLocations({"name": Location("cfg/a.yaml", 3, 5)})
    assert packed.get("email") is None and "email" not in packed
    with pytest.raises(KeyError):
        packed["email"]


def test_from_yaml_marks_and_one_field_moved():
    class Mark:
        def __init__(self, line, column):
            self.line, self.column = line, column

    packed = FieldLocations.from_marks("cfg/p.yaml", [("name", Mark(2, 4)), ("ui_file", Mark(3, 4))])
    assert packed == {"name": Location("cfg/p.yaml", 3, 5), "ui_file": Location("cfg/p.yaml", 4, 5)}
    moved = packed.with_location("ui", packed["ui_file"])
    assert list(moved) == ["name", "ui_file", "ui"] and moved["ui"] == Location("cfg/p.yaml", 4, 5)
    assert "ui" not in packed  # the original is left as it was
    elsewhere = packed.with_location("name", Location("cfg/other.yaml", 9, 1))
    assert elsewhere["name"] == Location("cfg/other.yaml", 9, 1) and elsewhere["ui_file"] == packed["ui_file"]


def test_packed_like_compares_names_order_and_places():
    a = FieldLocations({"name": Location("r.yaml", 3, 5), "timezone": Location("r.yaml", 4, 5)})
    assert a.packed_like(a.moved("r.yaml", 2).moved("r.yaml", -2))
    assert not a.packed_like(a.moved("r.yaml", 1))
    reordered = FieldLocations({"timezone": Location("r.yaml", 4, 5), "name": Location("r.yaml", 3, 5)})
    assert reordered == a and not a.packed_like(reordered)  # `==` ignores order; packed_like does not
