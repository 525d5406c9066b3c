"""The state journal on the s3 backend, against moto's S3 server: numbered objects under
`<key>.journal/`, each a small conditional PUT whatever the state's size; replayed by reads,
compacted (and deleted) by the next command that locks."""

from __future__ import annotations

import json

import pytest

from tkctl.errors import StateError
from tkctl.state import S3StateSpec, StateEntry, dump_state, open_backend
from tkctl.state.backends.s3 import S3Journal, StateObject
from tkctl.state.journal import open_journaled

KEY = "team/state.json"
PREFIX = KEY + ".journal/"


def entry(key: str) -> StateEntry:
    return StateEntry("resource", key, f"id-{key}", f"sha256:{key}", {"name": "0f3a9c"})


@pytest.fixture
def backend(s3):
    return open_backend(S3StateSpec(s3.bucket, KEY, region="eu-west-1", endpoint_url=s3.endpoint_url))


def journal_keys(s3) -> list[str]:
    listed = s3.client.list_objects_v2(Bucket=s3.bucket, Prefix=PREFIX)
    return sorted(item["Key"] for item in listed.get("Contents") or ())


class NoLock:
    lost = False
    name = "no lock"


def killed_command(backend):
    """The store a locked command writes through, for a command killed before it ends."""
    state, etag = backend._read()
    return open_journaled(StateObject(backend, etag, NoLock()), S3Journal(backend, NoLock()), state, backend.name)


def test_each_change_is_a_small_object_and_the_state_is_written_once_at_the_end(backend, s3):
    with backend.locked("apply") as store:
        for i in range(50):
            store.record(entry(f"e{i}"))
    with backend.locked("apply") as store:
        store.record(entry("a"))
        store.record(entry("b"))
        assert json.loads(s3.get(KEY))["serial"] == 50  # not written per change
        keys = journal_keys(s3)
        assert keys == [PREFIX + "00000001", PREFIX + "00000002"]
        sizes = [len(s3.get(k)) for k in keys]
        assert sizes[1] < 200  # one change, whatever the state holds
    saved = json.loads(s3.get(KEY))
    assert saved["serial"] == 52 and len(saved["objects"]) == 52
    assert journal_keys(s3) == []


def test_a_killed_commands_journal_is_replayed_by_reads_and_compacted_by_the_next_lock(backend, s3):
    with backend.locked("apply") as store:
        store.record(entry("a"))
    store = killed_command(backend)
    store.record(entry("b"))
    store.forget("resource", "a")
    assert sorted(json.loads(s3.get(KEY))["objects"]) == ["resource.a"]
    replayed = backend.read()
    assert (replayed.serial, sorted(replayed.entries)) == (3, ["resource.b"])
    with backend.locked("apply") as again:
        assert again.state == replayed and journal_keys(s3) == []
    assert s3.get(KEY).decode() == dump_state(replayed)


def test_a_removal_cut_short_leaves_a_journal_the_state_holds_which_is_deleted(backend, s3):
    with backend.locked("apply") as store:
        store.record(entry("a"))
    store = killed_command(backend)
    for key in ("b", "c", "d"):
        store.record(entry(key))
    kept = {k: s3.get(k) for k in journal_keys(s3)}
    store.close()  # compacted and removed; then put back the header and one change, as if cut short
    for k in list(kept)[:1] + list(kept)[2:3]:
        s3.put(k, kept[k])
    compacted = s3.get(KEY)
    assert dump_state(backend.read()).encode() == compacted
    with backend.locked("apply"):
        assert journal_keys(s3) == []
    assert s3.get(KEY) == compacted


def test_a_journal_of_another_state_is_refused_and_kept(backend, s3):
    with backend.locked("apply") as store:
        store.record(entry("a"))
    store = killed_command(backend)
    store.record(entry("b"))
    other = {**json.loads(s3.get(KEY)), "serial": 7}
    s3.put(KEY, json.dumps(other).encode())
    with pytest.raises(StateError, match=rf"the state journal s3://{s3.bucket}/{PREFIX} holds 1 change\(s\) an "
                                         "interrupted tkctl made to the state of lineage .* at serial 1, but the state "
                                         rf"s3://{s3.bucket}/{KEY} is lineage .* at serial 7"):
        with backend.locked("apply"):
            pass
    assert journal_keys(s3) == [PREFIX + "00000001"]
