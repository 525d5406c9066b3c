"""A state file's entries are read as the reader before issue 12 read them: the same entries,
the same message for each kind of damage (the checks were reordered to cost less when they pass)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl.errors import StateError
from tkctl.state.format import ENTRY_FIELDS, KINDS, StateEntry, _shape_error, parse_entry, parse_state


def reference_entry(name: str, address: str, raw: Any) -> StateEntry:
    """`_parse_entry` as it was."""
    where = f"objects[{json.dumps(address)}]"
    if not isinstance(raw, dict):
        raise _shape_error(name, f"{where} must be an object")
    for field_name in ENTRY_FIELDS:
        if not isinstance(raw.get(field_name), str) or not raw[field_name]:
            raise _shape_error(name, f'{where}."{field_name}" must be a non-empty string')
    if raw["kind"] not in KINDS:
        raise _shape_error(name, f'{where}."kind" must be one of {", ".join(KINDS)}, not {json.dumps(raw["kind"])}')
    digests = raw.get("fields", {})
    if not isinstance(digests, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in digests.items()):
        raise _shape_error(name, f'{where}."fields" must be an object of strings')
    lifecycle = raw.get("lifecycle", {})
    if not isinstance(lifecycle, dict) or set(lifecycle) - {"protect", "on_remove"} or \
            lifecycle.get("protect", True) is not True or lifecycle.get("on_remove", "forget") != "forget":
        raise _shape_error(name, f'{where}."lifecycle" may hold only "protect": true and "on_remove": "forget"')
    entry = StateEntry(**{n: raw[n] for n in ENTRY_FIELDS}, fields=dict(digests), lifecycle=dict(lifecycle))
    if entry.address != address:
        raise _shape_error(name, f'{where} holds "{entry.address}"; the key must match its kind and key')
    return entry


def outcome(parse, address: str, raw: Any) -> str:
    try:
        return repr(parse("state.json", address, raw))
    except StateError as exc:
        return f"StateError: {exc}"


odd = st.one_of(st.none(), st.booleans(), st.integers(-1, 2), st.floats(allow_nan=False), st.just(""),
                st.lists(st.just("x"), max_size=1), st.dictionaries(st.text(max_size=3), st.just(1), max_size=1))
garbles = {
    "kind": st.one_of(st.sampled_from(["widget", "Resource"]), odd), "key": odd, "id": odd, "fingerprint": odd,
    "fields": st.one_of(st.dictionaries(st.text(max_size=3), odd, min_size=1, max_size=2), odd),
    "lifecycle": st.one_of(st.fixed_dictionaries({}, optional={"protect": odd, "on_remove": st.just("delete"),
                                                              "other": st.just(1)}), odd),
}


@st.composite
def entries(draw) -> dict:
    """A good entry (with or without fields and lifecycle), then none to two of its parts garbled
    or left out."""
    raw = {"kind": draw(st.sampled_from(KINDS)), "key": draw(st.text(min_size=1, max_size=4)),
           "id": draw(st.text(min_size=1, max_size=4)), "fingerprint": "sha256:" + draw(st.text(max_size=3))}
    raw.update(draw(st.fixed_dictionaries({}, optional={
        "fields": st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=3),
        "lifecycle": st.sampled_from([{}, {"protect": True}, {"on_remove": "forget"},
                                      {"protect": True, "on_remove": "forget"}])})))
    for name in draw(st.lists(st.sampled_from(sorted(garbles)), max_size=2, unique=True)):
        if draw(st.booleans()):
            raw[name] = draw(garbles[name])
        else:
            raw.pop(name, None)
    return raw


@settings(derandomize=True, max_examples=400, deadline=None)
@given(raw=st.one_of(entries(), entries(), entries(), odd), address=st.one_of(st.none(), st.text(max_size=8)))
def test_an_entry_reads_as_before(raw, address):
    if address is None:  # mostly the matching address, to get past that check
        address = f"{raw.get('kind')}.{raw.get('key')}" if isinstance(raw, dict) else "resource.r1"
    assert outcome(parse_entry, address, raw) == outcome(reference_entry, address, raw)


def test_a_whole_file_reads_as_before():
    objects = {"resource.r1": {"kind": "resource", "key": "r1", "id": "i1", "fingerprint": "sha256:1",
                               "fields": {"name": "ab12"}, "lifecycle": {"protect": True}},
               "calendar.c1": {"kind": "calendar", "key": "c1", "id": "i2", "fingerprint": "sha256:2"}}
    doc = {"format_version": 2, "serial": 3, "lineage": "l", "objects": objects}
    state = parse_state(json.dumps(doc).encode(), "state.json")
    assert state.entries == {address: reference_entry("state.json", address, raw) for address, raw in objects.items()}
    assert state.entries["resource.r1"].lifecycle == {"protect": True}


def test_entries_as_tkctl_writes_them_take_the_quick_path(monkeypatch):
    """The comparison above holds for both paths only if both are taken: an entry as tkctl
    writes it never reaches the checks that name what is wrong, and the rest always do."""
    from tkctl.state import format as fmt

    checked: list[str] = []
    full = fmt._checked_entry
    monkeypatch.setattr(fmt, "_checked_entry", lambda name, address, raw: checked.append(address) or full(name, address, raw))
    written = {"kind": "calendar", "key": "c1", "id": "i2", "fingerprint": "sha256:2", "fields": {"name": "ab12"}}
    entry = parse_entry("state.json", "calendar.c1", json.loads(json.dumps(written)))
    assert entry == reference_entry("state.json", "calendar.c1", written) and checked == []
    assert entry.kind is KINDS[1] and entry.fields["name"] is parse_entry("s", "calendar.c1", dict(written)).fields["name"]
    for other in ({**written, "lifecycle": {"protect": True}}, {k: v for k, v in written.items() if k != "fields"},
                  {**written, "kind": ["calendar"]}, {**written, "fields": {"name": 1}}, {**written, "key": "c2"}):
        assert outcome(parse_entry, "calendar.c1", other) == outcome(reference_entry, "calendar.c1", other)
    assert len(checked) == 5


def written(kind: str = "calendar", key: str = "c1", **changes: Any) -> dict:
    """An entry as `dump_state` writes it: its names in that order."""
    return {"fields": {"name": "ab12"}, "fingerprint": "sha256:2", "id": "i2", "key": key, "kind": kind, **changes}


def file_outcome(parse, raw: bytes) -> str:
    try:
        return repr(parse(raw))
    except StateError as exc:
        return f"StateError: {exc}"


def read_whole(raw: bytes):
    """The file read as before: all of it decoded first (no hook), then checked."""
    from tkctl.state import format as fmt

    return fmt._parse("state.json", fmt._decoded("state.json", raw.decode("utf-8")))


good_written = st.builds(lambda kind, key, id_, digests: written(kind, key, id=id_, fields=digests),
                         st.sampled_from(KINDS), st.text(min_size=1, max_size=4), st.text(min_size=1, max_size=4),
                         st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=3))
any_entry = st.one_of(good_written, good_written, entries(), good_written.map(lambda w: {**w, "extra": 1}),
                      good_written.map(lambda w: {**w, "fields": {"a": 1}}),
                      good_written.map(lambda w: {**w, "kind": ["calendar"]}),
                      good_written.map(lambda w: dict(reversed(list(w.items())))))


@st.composite
def state_files(draw) -> bytes:
    """A state file with entries as tkctl writes them and as it does not, at their own
    address or another, and now and then an entry's shape where no entry belongs."""
    objects = {}
    for raw in draw(st.lists(any_entry, max_size=4)):
        address = f"{raw.get('kind')}.{raw.get('key')}" if draw(st.integers(0, 4)) else draw(st.text(max_size=5))
        objects[address if isinstance(address, str) else "x"] = raw
    doc: Any = {"format_version": draw(st.sampled_from([2, 2, 2, 1, 3, "2"])), "serial": 1, "lineage": "l",
                "objects": objects}
    place = draw(st.sampled_from(["none"] * 6 + ["app", "doc", "objects", "inside", "lifecycle"]))
    if place == "app":
        doc["app"] = written()
    elif place == "doc":
        doc = written()
    elif place == "objects":
        doc["objects"] = written()
    elif place == "inside" and objects:
        next(iter(objects.values()))["unknown"] = written()
    elif place == "lifecycle":
        doc["objects"]["calendar.c9"] = {**written(key="c9"), "lifecycle": written()}
    return json.dumps(doc).encode()


@settings(derandomize=True, max_examples=500, deadline=None)
@given(raw=state_files())
def test_a_whole_file_reads_as_when_it_was_decoded_first(raw):
    """Entries are made as they are decoded (`_written_entry`); the file reads as when the
    whole of it was decoded first: the same state, or the same message."""
    assert file_outcome(lambda r: parse_state(r, "state.json"), raw) == file_outcome(read_whole, raw)


def test_a_file_tkctl_wrote_is_read_entry_by_entry_as_it_is_decoded(monkeypatch):
    from tkctl.state import format as fmt

    state = parse_state(json.dumps({"format_version": 2, "serial": 4, "lineage": "l", "objects": {
        f"calendar.c{i}": written(key=f"c{i}", id=f"i{i}") for i in range(3)} | {
        "resource.r1": {**written("resource", "r1"), "lifecycle": {"protect": True}}}}).encode(), "s")
    text = fmt.dump_state(state).encode()
    checked: list[str] = []
    full = fmt._parse_entry
    monkeypatch.setattr(fmt, "_parse_entry", lambda name, address, raw: checked.append(address) or full(name, address, raw))
    again = parse_state(text, "state.json")
    assert again == state and fmt.dump_state(again) == text.decode()
    assert checked == ["resource.r1"]  # only the entry with a lifecycle, which tkctl writes with one more name
    assert again.entries["calendar.c0"].fields["name"] is again.entries["calendar.c2"].fields["name"]


def test_blank_files_are_still_empty_and_a_file_with_text_is_not():
    for raw in (b"", b" ", b"\n\t\r\x0b\x0c"):
        with pytest.raises(StateError, match="is empty"):
            parse_state(raw, "state.json")
    with pytest.raises(StateError, match="not valid JSON"):
        parse_state(b" x ", "state.json")
    with pytest.raises(StateError, match="not UTF-8 text"):
        parse_state(b"\xa0", "state.json")  # not whitespace to `bytes.isspace`, as to `bytes.strip`


def test_a_state_files_bytes_are_freed_before_its_text_is_decoded(tmp_path, monkeypatch):
    """A file the local backend reads whole (one not laid out as tkctl writes it: the others
    are read a chunk at a time, `test_state_chunks.py`) has its bytes handed to `state_text`
    and dropped: at 20,000 resources they are 25 MB that were otherwise held, beside the
    text, while it is decoded."""
    from tkctl.state import load_state
    from tkctl.state.backends import local

    freed: list[bytes] = []

    class Noted(bytes):
        def __del__(self) -> None:
            freed.append(bytes(self))

    read, decode = local.read_regular_file, local.parse_state_text
    seen: list[list[bytes]] = []
    monkeypatch.setattr(local, "read_regular_file", lambda path, limit: Noted(read(path, limit)))
    monkeypatch.setattr(local, "parse_state_text", lambda text, name: seen.append(list(freed)) or decode(text, name))
    path = tmp_path / "state.json"
    state = parse_state(json.dumps({"format_version": 2, "serial": 1, "lineage": "l", "objects": {
        "calendar.c": written(key="c", id="i")}}).encode(), "s")
    path.write_text(json.dumps({"format_version": 2, "serial": 1, "lineage": "l", "objects": {
        "calendar.c": written(key="c", id="i")}}))
    assert load_state(path) == state
    assert seen == [[path.read_bytes()]], "the bytes were still held when the text was decoded"
