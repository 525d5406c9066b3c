"""Values that recur across tens of thousands of objects are kept once (issue 12's memory):
equal field digests are one string, in the config's records and in the state read from its
file, and `ordered_fields` answers with one of two shared sets. Equality is what the rest of
tkctl relies on; these tests hold the sharing, which a later change could silently undo."""

from __future__ import annotations

import json

from tkctl.core import digest
from tkctl.core.normalize import ordered_fields
from tkctl.state.format import parse_state


def test_equal_field_digests_of_two_objects_are_one_string():
    # Built at run time, so that no two of the values are the same object to begin with.
    a = {"name": "".join(["Book", "ings"]), "timezone": "Europe/London", "tags": ["gp"]}
    b = {"name": "".join(["Bo", "okings"]), "timezone": "Asia/Tokyo", "tags": ["gp"]}
    (_, da), (_, db) = digest.digests(a), digest.digests(b)
    assert da["name"] == db["name"] and da["name"] is db["name"]
    assert da["tags"] is db["tags"]
    assert da["timezone"] != db["timezone"]
    assert digest.field_digest(["gp"]) is da["tags"]


def test_a_state_files_equal_digests_and_kinds_are_one_string_each():
    entries = {f"calendar.c{i}": {"kind": "calendar", "key": f"c{i}", "id": f"id-{i}", "fingerprint": f"sha256:{i}",
                                  "fields": {"name": "47cc19042523128f", "description": f"{i:016x}"}}
               for i in range(3)}
    raw = json.dumps({"format_version": 2, "serial": 1, "lineage": "l", "objects": entries}).encode()
    state = parse_state(raw, "state.json")
    one, two, three = (state.entries[f"calendar.c{i}"] for i in range(3))
    assert one.fields["name"] is two.fields["name"] is three.fields["name"]
    assert one.kind is two.kind is three.kind
    assert one.fields["description"] != two.fields["description"]
    assert [e.fields for e in state.entries.values()] == [e["fields"] for e in entries.values()]


def test_ordered_fields_answers_with_shared_sets():
    prioritized = {"availability": {"mode": "roundrobin_prioritized"}}
    assert ordered_fields("project", prioritized) == {"resources"}
    assert ordered_fields("project", prioritized) is ordered_fields("project", dict(prioritized))
    assert ordered_fields("resource", {}) == frozenset()
    assert ordered_fields("resource", {}) is ordered_fields("project", {"availability": {"mode": "mutual"}})
