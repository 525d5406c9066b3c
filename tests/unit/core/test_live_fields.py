"""The live objects keep every field of an API object but its secrets and its nested include,
in their order, whatever the field names: the same as the per-field filter they replaced."""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl.core.live import LiveObject, LiveState, project_object, resource_objects
from tkctl.core.sharing import SharedValues
from tkctl.secrets import is_secret_field


def reference_resource(raw):
    fields = {k: v for k, v in raw.items() if not is_secret_field(k) and k != "calendars"}
    calendars = []
    for cal in raw.get("calendars") or []:
        cfields = {k: v for k, v in cal.items() if not is_secret_field(k)}
        cfields["resource_id"] = raw["id"]
        cfields["primary"] = bool(cal.get("provider_primary"))
        calendars.append(LiveObject("calendar", cal["id"], cfields))
    return LiveObject("resource", raw["id"], fields), calendars


def reference_project(raw):
    fields = {k: v for k, v in raw.items() if not is_secret_field(k) and k != "resources"}
    members = raw.get("resources") or []
    fields["resource_ids"] = [m["id"] if isinstance(m, Mapping) else m for m in members]
    return LiveObject("project", raw["id"], fields)


# `calendars` and `resources` only as the checked includes (`envelope.check_resource`), below.
names = st.one_of(st.sampled_from(["name", "api_token", "apiToken", "token", "password", "client_secret",
                                   "token_env", "tkctl_key", "provider_primary", "meta", ""]),
                  st.text(max_size=12).filter(lambda name: name not in ("calendars", "resources")))
values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=4), st.lists(st.integers(), max_size=2))


def objects(extra: dict) -> st.SearchStrategy[dict]:
    small = st.dictionaries(names, values, max_size=12)
    fields = st.one_of(small, small, small, st.dictionaries(names, values, min_size=101, max_size=110))
    return st.tuples(fields, st.fixed_dictionaries({"id": st.text(min_size=1, max_size=4)}, optional=extra)).map(
        lambda pair: {**pair[0], **pair[1]})


calendars = st.lists(objects({}), max_size=3)
resources = objects({"calendars": calendars})
projects = objects({"resources": st.lists(st.one_of(objects({}), st.text(min_size=1, max_size=3)), max_size=3)})


def shown(objects) -> str:
    """repr with each object's fields in their order (== on dicts ignores the order)."""
    return repr([(o.kind, o.id, list(o.fields.items())) for o in objects])


@settings(derandomize=True, max_examples=200, deadline=None)
@given(raw=resources)
def test_a_resource_and_its_calendars_keep_what_the_field_filter_kept(raw):
    resource, cals = resource_objects(raw)
    expected, expected_cals = reference_resource(raw)
    assert shown([resource, *cals]) == shown([expected, *expected_cals])
    assert not any(is_secret_field(name) for o in (resource, *cals) for name in o.fields)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(raw=projects)
def test_a_project_keeps_what_the_field_filter_kept(raw):
    assert shown([project_object(raw)]) == shown([reference_project(raw)])


def test_objects_of_one_listing_share_the_cached_field_list_and_keep_their_own_values():
    first, _ = resource_objects({"id": "r1", "name": "A", "api_token": "t1", "calendars": []})
    second, _ = resource_objects({"id": "r2", "name": "B", "api_token": "t2", "calendars": []})
    assert first.fields == {"id": "r1", "name": "A"} and second.fields == {"id": "r2", "name": "B"}


def test_calendar_names_are_shared_whatever_page_of_resources_comes_first():
    # A later page read first: its resources' names, which never recur, fill the resources'
    # memo for `name`; the calendars' "Bookings" is still one string (it was not in CI once).
    shared = SharedValues(distinct=4)
    later_page = [resource_objects({"id": f"r{i}", "name": f"R{i}", "calendars": []}, shared) for i in range(1000, 1010)]
    first_page = [resource_objects({"id": f"r{i}", "name": f"R{i}", "calendars": [
        {"id": f"c{i}", "name": "".join(["Book", "ings"])}]}, shared) for i in range(3)]
    names = [cal.fields["name"] for _, cals in first_page for cal in cals]
    assert names == ["Bookings"] * 3 and names[1] is names[0] and names[2] is names[0]
    assert [r.fields["name"] for r, _ in later_page + first_page] == [f"R{i}" for i in [*range(1000, 1010), *range(3)]]


def test_a_projects_member_ids_are_the_listed_resources_own_strings():
    resource = {"id": "".join(["r", "1"]), "name": "A", "calendars": []}
    member_id = "".join(["r", "1"])  # equal, but another string, as decoding a project page makes it
    assert member_id is not resource["id"]
    projects = [{"id": "p1", "resources": [{"id": member_id}, "r9", "".join(["r", "1"])]}]
    live = LiveState.from_payloads([resource], projects)
    ids = live.get("project", "p1").fields["resource_ids"]
    assert ids == ["r1", "r9", "r1"]
    assert ids[0] is resource["id"] and ids[2] is resource["id"]  # one string per id
    assert live == LiveState.from_objects([resource_objects(resource)], [reference_project(p) for p in projects])
