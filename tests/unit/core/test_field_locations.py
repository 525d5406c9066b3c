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
