"""The state journal (tkctl.state.journal) on the local backend: a change costs the same bytes
whatever the state's size, a killed command's journal replays to exactly the state saving after
every change would have written, a torn last line is ignored, and a journal that belongs to
another state is refused and kept."""

from __future__ import annotations

import threading

import pytest

from tkctl.errors import StateError
from tkctl.state import LocalBackend, State, StateEntry, StateStore, dump_state, load_state
from tkctl.state.backends.local import LocalFile, LocalJournal, journal_path_for
from tkctl.state.journal import JournaledStateStore, JournalMismatch, open_journaled


def entry(key: str, id_: str | None = None) -> StateEntry:
    return StateEntry("resource", key, id_ or f"id-{key}", f"sha256:{key}", {"name": "0f3a9c", "timezone": "77b2e1"})


def big_state(n: int) -> State:
    return State(lineage="lineage-1", serial=3, entries={f"resource.e{i}": entry(f"e{i}") for i in range(n)},
                 app={"id": "app-1", "slug": "clinic"})


class MemoryJournal:
    """A journal that counts what is appended to it."""

    name = "memory journal"

    def __init__(self):
        self.text = ""
        self.appends = 0
        self.fail = False

    def read(self):
        return self.text.encode() if self.text else None

    def append(self, text):
        if self.fail:
            raise StateError("disk full")
        self.text += text
        self.appends += 1

    def remove(self):
        self.text = ""


class CountingSink:
    name = "memory state"

    def __init__(self):
        self.writes: list[str] = []

    def write(self, text):
        self.writes.append(text)


def killed_command(path) -> JournaledStateStore:
    """The store a locked command writes through, for a command that is then killed: it is
    never closed, so its journal is never compacted (the lock itself is not needed here)."""
    return open_journaled(LocalFile(path), LocalJournal(journal_path_for(path)), LocalBackend(path).read(), str(path))


def steps(store) -> None:
    """A little apply: bind the app (its slug changed), create, update, forget."""
    store.bind_app({"id": "app-1", "slug": "clinic-2"})
    store.record(entry("a"))
    store.record(entry("b"))
    store.record(StateEntry("resource", "a", "id-a", "sha256:a2", {"name": "1c2d3e"}, {"protect": True}))
    store.forget("resource", "b")
    store.forget("resource", "ghost")  # not there: writes nothing
    store.record(StateEntry("project", "p", "id-p", "sha256:p"))


def test_recording_a_step_writes_the_same_bytes_whatever_the_state_size():
    """O(1) per step: the bytes appended for one change do not grow with the state, and the
    whole state is not written until the command ends."""
    per_step = {}
    for n in (10, 10_000):
        sink, journal = CountingSink(), MemoryJournal()
        store = JournaledStateStore(sink, journal, big_state(n))
        store.record(entry("first"))  # carries the journal's header
        before = store.journal_bytes
        store.record(entry("new"))
        per_step[n] = store.journal_bytes - before
        assert sink.writes == []  # nothing of size n written per step
        store.close()
        assert len(sink.writes) == 1 and '"resource.new"' in sink.writes[0]  # one compaction
    assert per_step[10] == per_step[10_000] < 300


def test_a_replayed_journal_is_the_state_saving_after_every_step_writes(tmp_path):
    """Killed before compacting: what the next command reads is byte for byte what saving the
    whole state after every step (the old way) would have left, serial included."""
    expected_path, path = tmp_path / "expected.json", tmp_path / "state.json"
    StateStore(LocalFile(expected_path), big_state(5)).save()
    StateStore(LocalFile(path), big_state(5)).save()
    steps(StateStore(LocalFile(expected_path), load_state(expected_path)))

    store = killed_command(path)
    steps(store)
    journal = journal_path_for(path).read_bytes()
    assert journal.count(b"\n") == 7  # the header and six changes (the ghost wrote nothing)
    assert dump_state(load_state(path)) == expected_path.read_text()
    store.journal.close()

    with LocalBackend(path).locked("apply") as again:  # the next command that locks compacts
        assert not journal_path_for(path).exists()
        assert dump_state(again.state) == expected_path.read_text()
    assert path.read_text() == expected_path.read_text()


def test_the_first_apply_journals_a_state_that_has_no_file_yet(tmp_path):
    path = tmp_path / "state.json"
    store = killed_command(path)
    store.record(entry("a"))
    assert not path.exists() and journal_path_for(path).exists()
    replayed = load_state(path)
    assert (replayed.serial, sorted(replayed.entries)) == (1, ["resource.a"]) and replayed.lineage
    store.journal.close()
    with LocalBackend(path).locked("apply"):
        pass
    assert load_state(path) == replayed and not journal_path_for(path).exists()


def test_a_torn_last_line_is_ignored(tmp_path):
    """A write cut short by a kill leaves part of a line: that step was never reported done."""
    path = tmp_path / "state.json"
    StateStore(LocalFile(path), big_state(2)).save()
    store = killed_command(path)
    store.record(entry("a"))
    store.record(entry("b"))
    store.journal.close()
    with open(journal_path_for(path), "ab") as f:
        f.write(b'{"serial":7,"put":{"kind":"resource","key":"c","id":"id-c","finger')
    state = load_state(path)
    assert (state.serial, sorted(state.entries)) == (6, ["resource.a", "resource.b", "resource.e0", "resource.e1"])
    with LocalBackend(path).locked("apply") as again:
        assert again.state == state
    assert load_state(path) == state and not journal_path_for(path).exists()


def test_a_journal_of_another_state_is_refused_and_kept(tmp_path):
    path = tmp_path / "state.json"
    StateStore(LocalFile(path), big_state(2)).save()  # serial 4
    store = killed_command(path)
    store.record(entry("a"))
    store.journal.close()
    journal = journal_path_for(path).read_bytes()
    restored = big_state(2)
    restored.serial = 9  # the state was replaced meanwhile (restored from elsewhere, pushed by hand)
    path.write_text(dump_state(restored))
    expected = (f"the state journal {journal_path_for(path)} holds 1 change(s) an interrupted tkctl made to the state "
                f"of lineage lineage-1 at serial 4, but the state {path} is lineage lineage-1 at serial 9: the state "
                "was replaced or restored since, so tkctl did not replay the journal into it nor delete it.")
    with pytest.raises(JournalMismatch) as caught:
        load_state(path)
    assert str(caught.value).startswith(expected)
    with pytest.raises(JournalMismatch):
        with LocalBackend(path).locked("apply"):
            pass
    assert journal_path_for(path).read_bytes() == journal  # never dropped
    assert not (tmp_path / "state.json.lock").exists()  # the lock was released


def test_a_journal_the_state_already_holds_is_deleted(tmp_path):
    """Killed after the compacted state was written, before the journal was deleted."""
    path = tmp_path / "state.json"
    StateStore(LocalFile(path), big_state(2)).save()
    store = killed_command(path)
    steps(store)
    journal = journal_path_for(path).read_bytes()
    store.close()
    compacted = path.read_text()
    journal_path_for(path).write_bytes(journal)
    assert dump_state(load_state(path)) == compacted
    with LocalBackend(path).locked("apply"):
        assert not journal_path_for(path).exists()
    assert path.read_text() == compacted


def test_a_damaged_line_before_the_end_is_refused(tmp_path):
    path = tmp_path / "state.json"
    StateStore(LocalFile(path), big_state(2)).save()
    store = killed_command(path)
    store.record(entry("a"))
    store.record(entry("b"))
    store.journal.close()
    lines = journal_path_for(path).read_bytes().split(b"\n")
    journal_path_for(path).write_bytes(b"\n".join([lines[0], b"{not json", *lines[2:]]))
    with pytest.raises(StateError, match=r"is damaged: line 2 is not a JSON object; tkctl left it as it is"):
        load_state(path)


def test_after_a_failed_journal_write_nothing_more_is_recorded_and_the_journal_stays():
    sink, journal = CountingSink(), MemoryJournal()
    store = JournaledStateStore(sink, journal, big_state(1))
    store.record(entry("a"))
    journal.fail = True
    with pytest.raises(StateError, match="disk full"):
        store.record(entry("b"))
    with pytest.raises(StateError, match="disk full"):
        store.record(entry("c"))
    store.close()
    assert sink.writes == []  # not compacted: the journal holds every change reported done
    assert '"key":"a"' in journal.text and '"key":"b"' not in journal.text


def test_concurrent_steps_share_journal_writes_and_all_are_recorded():
    sink, journal = CountingSink(), MemoryJournal()
    slow = threading.Event()
    append = journal.append

    def slow_append(text):
        slow.wait(0.01)  # a write that takes a while, so others arrive meanwhile
        append(text)

    journal.append = slow_append
    store = JournaledStateStore(sink, journal, big_state(1))
    threads = [threading.Thread(target=lambda t=t: [store.record(entry(f"t{t}-{i}")) for i in range(25)])
               for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.journal_changes == 200 and journal.appends < 200
    assert journal.text.count("\n") == 201
    store.close()
    assert len(sink.writes) == 1 and len(store.state.entries) == 201 and store.state.serial == 203
