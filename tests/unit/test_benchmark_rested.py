"""benchmarks/scale.py starts each measured command with the emulator's rate limit rested: it
waits what is left of the time the bucket takes to refill its burst since the last command
that used the emulator (the clock and the sleep are stand-ins: no time passes)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks import scale  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def bench(monkeypatch, rate: int) -> tuple[scale.Bench, Clock]:
    clock = Clock()
    monkeypatch.setattr(scale.time, "perf_counter", lambda: clock.now)
    monkeypatch.setattr(scale.time, "sleep", clock.sleep)
    return scale.Bench(argparse.Namespace(rate=rate)), clock


def test_a_command_right_after_another_waits_for_the_whole_burst(monkeypatch):
    b, clock = bench(monkeypatch, 600)  # 10 requests a second
    b.quiet_since = clock.now
    b.rested()
    assert clock.slept == [scale.BURST / 10]


def test_time_already_passed_counts_and_a_rested_limit_waits_not_at_all(monkeypatch):
    b, clock = bench(monkeypatch, 600)
    b.quiet_since = clock.now - 0.25
    b.rested()
    assert clock.slept == [round(scale.BURST / 10 - 0.25, 6)]
    b.quiet_since = clock.now - 60
    b.rested()
    assert len(clock.slept) == 1


def test_no_rate_limit_means_no_wait(monkeypatch):
    b, clock = bench(monkeypatch, 0)
    b.quiet_since = clock.now
    b.rested()
    assert clock.slept == []
