"""The plan reads the state's entries through a view (`planner.records`), not a copy of
each as a `StateRecord` (issue 12: 9 MB at 20,000 resources, made just as a first plan's
memory peaks). Planned either way, every generated account gives the same plan, the same
verdicts from the second process and the same refresh."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl.core import apart
from tkctl.core.build import build_plan
from tkctl.core.drift import refresh
from tkctl.core.plan import StateRecord
from tkctl.planner import records
from tkctl.state.format import State, StateEntry, dump_state, parse_state
from tests.unit.core.test_plan_equivalence import accounts, plan_summary, settled_accounts


def copied_records(state: State) -> dict[tuple[str, str], StateRecord]:
    """What `planner.records` made before: a record per entry, no digests as None."""
    return {(e.kind, e.key): StateRecord(e.id, e.fingerprint, e.fields or None, e.lifecycle)
            for e in state.entries.values()}


def state_of(recorded: Mapping[tuple[str, str], StateRecord]) -> State:
    """The state file's entries for the generated records, as a state file's text gives them."""
    state = State(lineage="l", serial=1)
    for (kind, key), rec in recorded.items():
        state.put(StateEntry(kind, key, rec.id, rec.fingerprint or "sha256:none", dict(rec.fields or {}),
                             dict(rec.lifecycle)))
    return parse_state(dump_state(state).encode(), "state.json")  # entries as the quick read makes them


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(account=st.one_of(accounts(), settled_accounts()))
def test_a_plan_through_the_view_is_the_plan_through_copied_records(account):
    desired, live, recorded, ignore = account
    state = state_of(recorded)
    view, copied = records(state), copied_records(state)
    assert plan_summary(build_plan(desired, live, view, ignore=ignore)) == \
        plan_summary(build_plan(desired, live, copied, ignore=ignore))
    assert apart.unchanged_objects(desired, live, view, ignore=ignore) == \
        apart.unchanged_objects(desired, live, copied, ignore=ignore)
    assert refresh(desired, live, view) == refresh(desired, live, copied)


def test_the_view_is_the_entries_by_kind_and_key():
    state = State(lineage="l")
    dotted = StateEntry("resource", "a.b", "id-1", "sha256:1", {"name": "d1"})
    plain = StateEntry("calendar", "c", "id-2", "sha256:2", {}, {"protect": True})
    state.put(dotted)
    state.put(plain)
    view = records(state)
    assert len(view) == 2
    assert list(view) == [("resource", "a.b"), ("calendar", "c")]
    assert dict(view.items()) == {("resource", "a.b"): dotted, ("calendar", "c"): plain}
    assert list(view.values()) == [dotted, plain]
    assert view[("resource", "a.b")] is dotted and view.get(("calendar", "c")) is plain
    # "resource.a.b" is the address of ("resource", "a.b") only.
    assert view.get(("resource.a", "b")) is None and ("resource.a", "b") not in view
    assert ("resource", "a.b") in view and ("calendar", "d") not in view and "calendar.c" not in view
    with pytest.raises(KeyError):
        view[("project", "c")]
    assert view.get(("project", "c"), "none") == "none"
    # A view: an entry put after it was made is seen, as the state holds it.
    later = StateEntry("project", "p", "id-3", "sha256:3")
    state.put(later)
    assert view[("project", "p")] is later and len(view) == 3


def test_entries_read_with_no_lifecycle_share_one_empty_one():
    state = State(lineage="l", serial=1)
    for key in ("a", "b"):
        state.put(StateEntry("resource", key, f"id-{key}", "sha256:1", {"name": "d"}))
    state.put(StateEntry("resource", "c", "id-c", "sha256:1", {"name": "d"}, {"protect": True}))
    read = parse_state(dump_state(state).encode(), "state.json")
    a, b, c = (read.entries[f"resource.{k}"] for k in "abc")
    assert a.lifecycle == {} and a.lifecycle is b.lifecycle
    assert c.lifecycle == {"protect": True} and c.lifecycle is not a.lifecycle
    assert read.entries == state.entries


def test_an_entry_with_no_digests_is_to_be_recorded_as_a_record_without_them_is():
    from tkctl.core.build import _to_record
    from tkctl.core.steps import Record
    now = Record("sha256:1", {}, {})
    entry = StateEntry("resource", "a", "id-a", "sha256:1", {})
    assert _to_record(StateRecord("id-a", "sha256:1", None), now) is True
    assert _to_record(records(State(lineage="l", entries={"resource.a": entry}))[("resource", "a")], now) is True
    assert _to_record(StateEntry("resource", "a", "id-a", "sha256:1", {"name": "d"}), Record("sha256:1", {"name": "d"})) is False
