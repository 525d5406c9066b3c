"""A state file is read a chunk at a time (`format.parse_state_chunks`, issue 12: the whole
text of a 20,000-resource state is 25 MB, held while its entries were made). The chunked read
gives the state the whole read gives, or nothing (and the file is read whole, for the state
or the message): never another state, and never a state where the whole read refuses."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl.errors import StateError
from tkctl.fileio import read_regular_chunks
from tkctl.state import load_state
from tkctl.state.backends import local
from tkctl.state.format import State, StateEntry, dump_state, parse_state, parse_state_chunks
from tests.unit.state.test_state_entries import state_files


def in_chunks(raw: bytes, sizes: list[int]) -> list[bytes]:
    """`raw` cut into chunks of the given sizes in turn (a multi-byte character may be cut)."""
    out, at, turn = [], 0, 0
    while at < len(raw):
        size = sizes[turn % len(sizes)]
        out.append(raw[at:at + size])
        at, turn = at + size, turn + 1
    return out


def whole(raw: bytes) -> State | str:
    try:
        return parse_state(raw, "state.json")
    except StateError as exc:
        return f"StateError: {exc}"


def as_tkctl_lays_out(raw: bytes) -> bytes:
    """The generated file in `dump_state`'s layout (its text is this `json.dumps`)."""
    return json.dumps(json.loads(raw), indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"


good_entries = st.builds(StateEntry, st.sampled_from(("resource", "calendar", "project")),
                         st.text(min_size=1, max_size=4), st.text(min_size=1, max_size=4),
                         st.text(min_size=1, max_size=4), st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=3),
                         st.sampled_from([{}, {"protect": True}, {"on_remove": "forget"}]))


@st.composite
def laid_out_files(draw) -> bytes:
    """Files in tkctl's layout, good and bad, now and then damaged by a byte removed, added or
    changed anywhere (inside an entry, at a cut, in a multi-byte character)."""
    if draw(st.booleans()):
        raw = as_tkctl_lays_out(draw(state_files()))
    else:  # a state tkctl could have written
        state = State(lineage=draw(st.text(min_size=1, max_size=3)), serial=draw(st.integers(0, 9)),
                      app=draw(st.sampled_from([None, {"id": "a", "slug": "é"}])))
        for entry in draw(st.lists(good_entries, max_size=6)):
            state.put(entry)
        raw = dump_state(state).encode()
    if draw(st.integers(0, 2)) == 0 and raw:
        at = draw(st.integers(0, len(raw) - 1))
        how = draw(st.sampled_from(["drop", "add", "change"]))
        byte = bytes([draw(st.sampled_from(b'{}[],:" \n\\0a\xc3\xa9'))])
        raw = raw[:at] + (b"" if how == "drop" else byte) + raw[at + (how != "add"):]
    return raw


def same_state(a: State, b: State) -> bool:
    return a == b and list(a.entries) == list(b.entries) and dump_state(a) == dump_state(b)


@settings(derandomize=True, max_examples=600, deadline=None, database=None)
@given(raw=laid_out_files(), sizes=st.lists(st.integers(1, 64), min_size=1, max_size=4))
def test_a_file_read_in_chunks_is_the_file_read_whole_or_is_read_whole(raw, sizes):
    chunked = parse_state_chunks(in_chunks(raw, sizes), "state.json")
    expected = whole(raw)
    if chunked is not None:
        assert isinstance(expected, State), f"read in chunks, but read whole: {expected}"
        assert same_state(chunked, expected)
    OUTCOMES.append((chunked is not None, isinstance(expected, State)))


OUTCOMES: list[tuple[bool, bool]] = []  # (read in chunks, read whole) per file above


def test_the_files_above_were_read_in_chunks_and_whole():
    """The property above met each outcome (it runs first, in file order): files read in
    chunks, files read whole to a state, and files refused. Run alone, it runs the property
    first."""
    if not OUTCOMES:
        test_a_file_read_in_chunks_is_the_file_read_whole_or_is_read_whole()
    assert OUTCOMES.count((True, True)) >= 40, OUTCOMES.count((True, True))
    assert OUTCOMES.count((False, True)) >= 20, OUTCOMES.count((False, True))
    assert OUTCOMES.count((False, False)) >= 100, OUTCOMES.count((False, False))


def big_state(entries: int) -> State:
    state = State(lineage="l", serial=3, app={"id": "app-1", "slug": "clinic"})
    for i in range(entries):
        kind = ("resource", "calendar", "project")[i % 3]
        state.put(StateEntry(kind, f"k{i}-é", f"id-{i}", f"sha256:{i:064x}",
                             {"name": f"{i:016x}", "timezone": "0123456789abcdef"},
                             {"protect": True} if i % 7 == 0 else {}))
    return state


def test_every_file_tkctl_writes_with_entries_is_read_in_chunks():
    for state in (big_state(1), big_state(2), big_state(2_000)):
        raw = dump_state(state).encode()
        for sizes in ([1], [7, 3], [1 << 20]):
            chunked = parse_state_chunks(in_chunks(raw, sizes), "state.json")
            assert chunked is not None and same_state(chunked, parse_state(raw, "state.json"))


def test_a_member_that_looks_like_the_cut_does_not_take_the_entries_place():
    """The member that stands for the entries while the rest is decoded must be met once,
    as the entries' object: a file naming it elsewhere is read whole (and refused here)."""
    state = big_state(3)
    text = dump_state(state)
    trailing = text.replace('\n  "serial"', '\n  "objects": {"\\u0000tkctl: the entries": 0},\n  "serial"')
    assert parse_state_chunks([trailing.encode()], "state.json") is None
    assert isinstance(whole(trailing.encode()), str)  # the whole read's "objects" is the later one
    inside = text.replace('"app": {\n', '"app": {\n    "\\u0000tkctl: the entries": "x",\n')
    assert parse_state_chunks([inside.encode()], "state.json") is None
    assert isinstance(whole(inside.encode()), State)  # an app's other names are its own business


def test_the_local_backend_reads_its_file_in_chunks_without_its_whole_text(tmp_path, monkeypatch):
    """An 11 MB state is read holding a third of what the whole read holds beside its
    entries (its bytes, then its text: 11 MB each)."""
    state = big_state(35_000)
    path = tmp_path / "state.json"
    path.write_text(dump_state(state), encoding="utf-8")
    size = path.stat().st_size
    assert size > 10_000_000

    def beside_the_entries() -> tuple[State, int]:
        tracemalloc.start()
        try:
            read = load_state(path)
            held, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return read, peak - held

    with monkeypatch.context() as patch:
        patch.setattr(local, "parse_state_chunks", lambda chunks, name: None)
        read_whole, whole_extra = beside_the_entries()

    def refused(text: str, name: str) -> State:
        raise AssertionError("read whole")

    monkeypatch.setattr(local, "parse_state_text", refused)
    read, extra = beside_the_entries()
    assert same_state(read, read_whole) and read == state
    assert whole_extra > size and extra < whole_extra / 3, \
        f"{extra / 1e6:.1f} MB beside the entries in chunks, {whole_extra / 1e6:.1f} MB whole, for a {size / 1e6:.1f} MB file"


def test_a_damaged_file_is_read_whole_for_its_message(tmp_path):
    path = tmp_path / "state.json"
    text = dump_state(big_state(30))
    path.write_text(text.replace('"id": "id-17"', '"id": 17'), encoding="utf-8")
    with pytest.raises(StateError) as caught:
        load_state(path)
    assert str(caught.value) == f'the state file {path} is not a valid tkctl state file: ' \
        'objects["project.k17-\\u00e9"]."id" must be a non-empty string'


def test_chunks_are_the_file_and_its_limit_holds(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 2500)
    assert list(map(len, read_regular_chunks(path, 2500, 1000))) == [1000, 1000, 500]
    with pytest.raises(OSError, match="larger than"):
        list(read_regular_chunks(path, 2499, 1000))
