"""The classes pickled by the tens of thousands (by the config cache, and from the second
process that reads half a config) pickle as a call with their fields (`__reduce__`), so that
the unpickler keeps no dict of each one's attributes until the load ends (issue 12's memory).
A field added to one of them and left out of its `__reduce__` would be lost on the way: these
tests give each field its own value and check that every one comes back."""

from __future__ import annotations

import dataclasses
import pickle
import pickletools

import pytest

from tkctl.config.references import Entry
from tkctl.config.reuse import ObjectIndex, ObjectRead
from tkctl.core.model import DesiredObject
from tkctl.core.steps import Record
from tkctl.errors import Location

CLASSES = [Location, DesiredObject, Entry, ObjectRead, ObjectIndex, Record]


def sample(cls: type) -> object:
    """An instance whose every field holds a value of its own (compare=False ones too)."""
    return cls(*[{"field": f.name, "n": i} for i, f in enumerate(dataclasses.fields(cls))])


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_field_comes_back_from_a_pickle(cls):
    obj = sample(cls)
    back = pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(back) is cls
    for f in dataclasses.fields(cls):
        assert getattr(back, f.name) == getattr(obj, f.name), f.name
    assert len(obj.__reduce__()[1]) == len(dataclasses.fields(cls))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_no_attribute_dict_is_pickled(cls):
    """Slotted and pickled as a call: the pickle builds no object from a state dict."""
    assert not hasattr(sample(cls), "__dict__")
    data = pickle.dumps(sample(cls), protocol=pickle.HIGHEST_PROTOCOL)
    assert {op.name for op, _, _ in pickletools.genops(data)}.isdisjoint({"BUILD", "NEWOBJ", "NEWOBJ_EX"})


def test_objects_shared_within_one_pickle_stay_shared():
    """What the loader shares (one empty warnings list; an entry's data in its object) is
    still one object after the trip, as the memory figures assume."""
    shared: list = []
    entry = Entry("resource", "r1", {"name": "A"}, Location("a.yaml", 1, 1), print)
    reads = [ObjectRead("resources", f"r{i}", i, entry, None, shared) for i in range(3)]
    back = pickle.loads(pickle.dumps(reads, protocol=pickle.HIGHEST_PROTOCOL))
    assert back[0].warnings is back[1].warnings is back[2].warnings
    assert back[0].entry is back[2].entry and back[0].entry.data == {"name": "A"}
