"""The config's digest is hashed an object at a time (`digest.items_fingerprint`, issue 12:
as one text it was 14 MB at 20,000 resources, made where a first plan's memory peaks). It is
the digest the whole text gives, whatever the values, and None exactly where orjson refuses
the whole (the config's digest is then the whole's, hashed as before)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl.core.digest import items_fingerprint, member_fingerprint, quick_json, read_fingerprint
from tkctl.core.model import DesiredObject, DesiredState
from tkctl.core.plan import config_digest

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=5))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)), max_leaves=12)


def nested(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


def whole_text(items: list, after: object) -> bytes | None:
    return quick_json([items, after])


@settings(derandomize=True, max_examples=500, deadline=None, database=None)
@given(items=st.lists(values, max_size=5), after=values)
def test_items_hash_as_their_whole_text(items, after):
    streamed = items_fingerprint(iter(items), after)
    if whole_text(items, after) is None:
        assert streamed is None
    else:
        assert streamed == read_fingerprint([items, after])


def test_orjsons_nesting_limit_refuses_the_same_values_item_by_item():
    for depth in range(248, 258):
        for items, after in (([nested(depth)], []), ([1, nested(depth)], []), ([], nested(depth))):
            streamed = items_fingerprint(iter(items), after)
            if whole_text(items, after) is None:
                assert streamed is None, depth
            else:
                assert streamed == read_fingerprint([items, after]), depth
    assert whole_text([nested(257)], []) is None and whole_text([nested(248)], []) is not None


def test_a_configs_digest_is_the_digest_of_its_whole_text():
    desired = DesiredState()
    desired.add(DesiredObject("resource", "a", {"name": "A", "meta": {"n": 1.5}}, lifecycle={"protect": True}))
    desired.add(DesiredObject("calendar", "c", {"name": "C"}, {"resource": "a"}))
    desired.moves.append(("resource.old", "resource.a"))
    whole = read_fingerprint([[[o.kind, o.key, o.fields, o.refs, o.lifecycle] for o in desired], desired.moves])
    assert config_digest(desired) == whole
    big = DesiredState()
    big.add(DesiredObject("resource", "b", {"name": "B", "meta": {"n": 2**70}}))  # past 64 bits: orjson refuses
    assert config_digest(big) == read_fingerprint([[[o.kind, o.key, o.fields, o.refs, o.lifecycle] for o in big], []])
    assert config_digest(big).startswith("sha256:")


@settings(derandomize=True, max_examples=500, deadline=None, database=None)
@given(value=st.dictionaries(st.text(max_size=4), values, max_size=5), name=st.text(max_size=4),
       items=st.lists(values, max_size=5))
def test_a_member_hashes_as_its_whole_object(value, name, items):
    """A plan's checksum is hashed a change at a time (`planfile.checksum`): the same digest."""
    whole = {**value, name: items}
    streamed = member_fingerprint(value, name, iter(items))
    if quick_json(whole) is None:
        assert streamed is None
    else:
        assert streamed == read_fingerprint(whole)


def test_a_member_at_orjsons_nesting_limit_is_refused_as_in_the_whole():
    for depth in range(248, 258):
        for value, items in (({"a": nested(depth)}, []), ({}, [nested(depth)]), ({"b": 1}, [1, nested(depth)])):
            streamed = member_fingerprint(value, "changes", iter(items))
            whole = {**value, "changes": items}
            assert streamed == (None if quick_json(whole) is None else read_fingerprint(whole)), depth


def test_a_plans_checksum_is_the_digest_of_its_whole_body():
    from tkctl.core.planfile import _VOLATILE_TARGET, _VOLATILE_TOP, _without_source, checksum
    desired = DesiredState()
    desired.add(DesiredObject("resource", "a", {"name": "A"}))
    data = {"format_version": 4, "checksum": "", "target": {"api_url": "u", "config_dir": "d"}, "summary": {"create": 1},
            "changes": [{"action": "create", "kind": "resource", "key": "a", "source": "r.yaml:2", "fields": []},
                        {"action": "adopt", "kind": "resource", "key": "é", "source": None, "fields": [{"n": 2**70}]}],
            "steps": [{"op": "create"}], "warnings": ["w"], "ids": {"resource.a": "x"}}
    for changes in (data["changes"], data["changes"][:1], []):
        data["changes"] = changes
        body = {k: v for k, v in data.items() if k not in _VOLATILE_TOP}
        body["target"] = {k: v for k, v in data["target"].items() if k not in _VOLATILE_TARGET}
        body["changes"] = [_without_source(c) for c in changes]
        assert checksum(data) == read_fingerprint(body)
