"""GroupedStateStore: concurrent changes share writes, and none returns before a write holds it.

The sinks here are in memory; a sink can hold its write until the test releases it, so which
changes a write carries is decided by the test, never by thread timing."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tkctl.errors import StateError
from tkctl.state import GroupedStateStore, State, StateEntry, new_state

WAIT = 30  # a bound for a stuck test, not a measurement


def entry(key: str) -> StateEntry:
    return StateEntry("resource", key, f"id-{key}", f"sha256:{key}")


class Sink:
    """Keeps every text written; `gate` (when set) holds each write until it is opened."""

    name = "memory://state.json"

    def __init__(self, gate: threading.Event | None = None):
        self.texts: list[str] = []
        self.gate = gate
        self.entered = threading.Semaphore(0)
        self.fail_with: StateError | None = None

    def write(self, text: str) -> None:
        self.entered.release()
        if self.gate is not None:
            assert self.gate.wait(WAIT)
        if self.fail_with is not None:
            raise self.fail_with
        self.texts.append(text)

    def objects(self, n: int = -1) -> set[str]:
        return set(json.loads(self.texts[n])["objects"])


def wait_for(condition) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_a_lone_change_is_written_at_once_and_serials_grow_per_write():
    sink = Sink()
    store = GroupedStateStore(sink, new_state())
    store.record(entry("a"))
    store.bind_app({"id": "app-1", "slug": "clinic"})
    store.bind_app({"id": "app-1", "slug": "clinic"})  # unchanged: no write
    store.forget("resource", "ghost")  # nothing to forget: no write
    store.forget("resource", "a")
    store.save()
    docs = [json.loads(t) for t in sink.texts]
    assert [d["serial"] for d in docs] == [1, 2, 3, 4]
    assert [sorted(d["objects"]) for d in docs] == [["resource.a"], ["resource.a"], [], []]
    assert docs[1]["app"] == {"id": "app-1", "slug": "clinic"}
    assert len({d["lineage"] for d in docs}) == 1 and docs[0]["lineage"]
    assert store.writes == 4


def test_changes_made_during_a_write_share_the_next_one_and_each_returns_once_written():
    gate = threading.Event()
    sink = Sink(gate)
    store = GroupedStateStore(sink, new_state())
    done: list[str] = []

    def record(key: str) -> None:
        store.record(entry(key))
        done.append(key)

    first = threading.Thread(target=record, args=("first",))
    first.start()
    assert sink.entered.acquire(timeout=WAIT)  # the first write is in flight, held
    others = [threading.Thread(target=record, args=(f"w{i}",)) for i in range(7)]
    for t in others:
        t.start()
    wait_for(lambda: store._changes == 8)  # all seven made their change in memory
    assert done == []  # nobody returned: nothing of theirs is written yet
    gate.set()
    for t in (first, *others):
        t.join(WAIT)
    assert sorted(done) == sorted(["first", *(f"w{i}" for i in range(7))])
    assert len(sink.texts) == 2  # one write for the first, one shared by the seven
    assert sink.objects(0) == {"resource.first"}
    assert sink.objects(1) == {"resource.first", *(f"resource.w{i}" for i in range(7))}
    assert json.loads(sink.texts[1])["serial"] == 2


def test_many_threads_never_lose_a_change():
    sink = Sink()
    store = GroupedStateStore(sink, new_state())
    start = threading.Barrier(8)
    unwritten: list[str] = []

    def work(n: int) -> None:
        start.wait()
        for i in range(25):
            store.record(entry(f"t{n}-{i}"))
            if f"resource.t{n}-{i}" not in sink.objects():  # must be written by the time record returns
                unwritten.append(f"t{n}-{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert unwritten == []
    assert sink.objects() == {f"resource.t{n}-{i}" for n in range(8) for i in range(25)}
    assert json.loads(sink.texts[-1])["serial"] == store.writes == len(sink.texts) <= 200


def test_a_failed_write_fails_every_change_it_carried_and_every_change_after():
    gate = threading.Event()
    sink = Sink(gate)
    store = GroupedStateStore(sink, State(lineage="L", serial=4))
    errors: list[BaseException] = []

    def record(key: str) -> None:
        try:
            store.record(entry(key))
        except StateError as exc:
            errors.append(exc)

    first = threading.Thread(target=record, args=("a",))
    first.start()
    assert sink.entered.acquire(timeout=WAIT)
    second = threading.Thread(target=record, args=("b",))
    second.start()
    wait_for(lambda: store._changes == 2)
    sink.fail_with = StateError("the store refused the write")
    gate.set()
    first.join(WAIT)
    second.join(WAIT)
    assert [str(e) for e in errors] == ["the store refused the write"] * 2
    assert sink.texts == [] and store.state.serial == 4
    with pytest.raises(StateError, match="the store refused the write"):
        store.record(entry("c"))
    with pytest.raises(StateError, match="the store refused the write"):
        store.forget("resource", "a")


def test_replace_writes_the_state_as_it_is():
    sink = Sink()
    store = GroupedStateStore(sink, new_state())
    store.record(entry("a"))
    pushed = State(lineage="other", serial=41, entries={"resource.z": entry("z")})
    store.replace(pushed)
    doc = json.loads(sink.texts[-1])
    assert (doc["lineage"], doc["serial"], list(doc["objects"])) == ("other", 41, ["resource.z"])
    store.record(entry("y"))
    assert json.loads(sink.texts[-1])["serial"] == 42
