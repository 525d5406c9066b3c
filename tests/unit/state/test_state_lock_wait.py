"""Waiting for the state lock (`--lock-timeout`), on a fake clock: whom it says it waits for,
when it gives up, and which errors end the wait at once."""

from __future__ import annotations

import click
import pytest

from tkctl.cli.options import Duration
from tkctl.errors import LockError, StateError
from tkctl.state.backend import LockHeld, format_duration, wait_for_lock


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def held_until(time: FakeTime, free_at: float):
    calls = []

    def acquire() -> None:
        calls.append(time.now)
        if time.now < free_at:
            raise LockHeld("the state file s is locked by ana@ci-7 (...)", "ana@ci-7 (pid 1)")

    return acquire, calls


def test_without_a_timeout_the_first_refusal_is_final():
    t = FakeTime()
    acquire, calls = held_until(t, free_at=1e9)
    notes: list[str] = []
    with pytest.raises(LockHeld, match="is locked by ana@ci-7") as caught:
        wait_for_lock(acquire, 0, notes.append, clock=t.clock, sleep=t.sleep)
    assert str(caught.value) == "the state file s is locked by ana@ci-7 (...)"
    assert (calls, t.slept, notes) == ([100.0], [], [])


def test_waits_polling_until_the_lock_is_free_and_says_once_whom_for():
    t = FakeTime()
    acquire, calls = held_until(t, free_at=103.5)
    notes: list[str] = []
    wait_for_lock(acquire, 120, notes.append, clock=t.clock, sleep=t.sleep)
    assert notes == ["The state is locked by ana@ci-7 (pid 1); waiting up to 2m for it."]
    assert calls == [100.0, 101.0, 102.0, 103.0, 104.0]


def test_gives_up_after_the_timeout_saying_how_long_it_waited():
    t = FakeTime()
    acquire, calls = held_until(t, free_at=1e9)
    with pytest.raises(LockHeld) as caught:
        wait_for_lock(acquire, 2.5, None, clock=t.clock, sleep=t.sleep)
    assert str(caught.value) == "the state file s is locked by ana@ci-7 (...) (waited 2.5s for it)"
    assert caught.value.holder == "ana@ci-7 (pid 1)"
    assert calls == [100.0, 101.0, 102.0, 102.5] and t.slept == [1.0, 1.0, 0.5]


def test_a_lock_error_without_a_holder_is_waited_for_too():
    t = FakeTime()
    tries = iter([LockError("could not take the lock: others keep taking it"), None])

    def acquire() -> None:
        error = next(tries)
        if error:
            raise error

    notes: list[str] = []
    wait_for_lock(acquire, 10, notes.append, clock=t.clock, sleep=t.sleep)
    assert notes == ["The state is locked by another tkctl; waiting up to 10s for it."]


def test_other_errors_end_the_wait_at_once():
    t = FakeTime()

    def acquire() -> None:
        raise StateError("cannot reach the S3 endpoint")

    with pytest.raises(StateError, match="cannot reach"):
        wait_for_lock(acquire, 60, None, clock=t.clock, sleep=t.sleep)
    assert t.slept == []


@pytest.mark.parametrize("seconds, text", [(0, "0s"), (0.2, "0.2s"), (30, "30s"), (90, "1m30s"), (300, "5m"),
                                           (3600, "1h"), (5400, "1h30m"), (3661, "1h1m1s")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("text, seconds", [("0", 0), ("45", 45), ("2.5", 2.5), ("30s", 30), ("5m", 300),
                                           ("1h30m", 5400), ("1m30s", 90), ("250ms", 0.25), ("1h0m5s", 3605)])
def test_durations_on_the_command_line(text, seconds):
    assert Duration().convert(text, None, None) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "m", "-1s", "1x", "1m 30s", "s30"])
def test_what_is_not_a_duration(text):
    with pytest.raises(click.BadParameter, match="is not a duration: write it like 30s, 5m, 1h30m, or 0"):
        Duration().convert(text, None, None)
