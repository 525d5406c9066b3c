"""How fast the emulator serves, so later benchmarks can show it is not their bottleneck.

Run on demand (not a test):  .venv/bin/python benchmarks/emulator.py [--seconds 3]
Prints requests/second for GET one resource, GET a 1000-item page (with calendars and
constraints included) and POST a resource, over one keep-alive connection; the time the
availability engine takes for a 4-week query of 10 resources in each mode; plus wall time and
the process's peak memory (client and server share the process).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import datetime, timedelta, timezone

import httpx

from tkctl.emulator.availability import MODES, ResourceInput, compute_slots
from tkctl.emulator.testing import running_emulator

LUNCH = [{"allow_hours": {"start": 9, "end": 17}}, {"block_hours": {"start": 12, "end": 13}},
         {"block_weekends": {}}]


def _availability_ms(mode: str) -> float:
    """Best of 3: 10 resources in two zones, a booking a day each, 4 weeks of 1-hour slots."""
    day0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
    busy = [(day0 + timedelta(days=d, hours=15), day0 + timedelta(days=d, hours=16)) for d in range(28)]
    resources = [ResourceInput(id=str(i), name=f"r{i}", timezone=("America/New_York", "Europe/Copenhagen")[i % 2],
                               constraints=LUNCH, busy=busy) for i in range(10)]
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        compute_slots(resources=resources, project_constraints=[], request_constraints=[], start=day0,
                      end=day0 + timedelta(weeks=4), length=timedelta(hours=1), buffer=timedelta(minutes=15),
                      mode=mode, output_timezone="UTC", rng=random.Random(0))
        best = min(best, time.perf_counter() - began)
    return best * 1000


def _rate(client: httpx.Client, seconds: float, send) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = send(client, count)
        if response.status_code >= 300:
            raise SystemExit(f"unexpected {response.status_code}: {response.text[:200]}")
        count += 1
    return count / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args(argv)
    wall = time.perf_counter()
    with running_emulator(rate_limit=0) as emu:
        seeded = emu.seed(resources=[{"name": f"Resource {i}", "timezone": "Europe/Copenhagen",
                                      "availability_constraints": [{"block_weekends": {}}]}
                                     for i in range(1000)])
        one = seeded["resources"][0]["id"]
        with httpx.Client(base_url=emu.base_url, auth=("", emu.token), timeout=60) as client:
            cases = [
                ("get", lambda c, i: c.get(f"/resources/{one}")),
                ("list 1000/page", lambda c, i: c.get(
                    "/resources", params={"limit": 1000, "include": "calendars,availability_constraints"})),
                ("create", lambda c, i: c.post("/resources", json={"name": f"bench {i}", "timezone": "UTC"})),
            ]
            for name, send in cases:
                print(f"{name:>15}: {_rate(client, args.seconds, send):10.1f} requests/s")
    for mode in MODES:
        print(f"{'availability':>15}: {_availability_ms(mode):10.1f} ms  (4 weeks, 10 resources, {mode})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    print(f"{'wall time':>15}: {time.perf_counter() - wall:10.2f} s")
    print(f"{'peak memory':>15}: {peak_mb:10.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
