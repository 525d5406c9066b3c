"""Benchmark: `tkctl plan` with no changes against a large account behind a slow API.

Fills an emulator (started with 50 ms latency per request) with 1,000 resources, each with
availability constraints and a second calendar, and 100 projects with 10 members and a full
widget config each; writes the matching config and state; then runs the real `tkctl plan`
as a subprocess and prints the requests it made next to the minimum (one list request per
1,000 objects of each listing), its wall time and its peak memory.

Run on demand:  .venv/bin/python benchmarks/plan.py [--resources 1000] [--projects 100] [--latency 50]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.account import build, seed_live, write_config, write_state  # noqa: E402
from benchmarks.processes import TKCTL, run_measured  # noqa: E402
from tkctl.emulator.testing import running_emulator  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--projects", type=int, default=100)
    ap.add_argument("--latency", type=float, default=50)
    args = ap.parse_args()
    resources, calendars, projects = build(args.resources, args.projects)

    with running_emulator(latency_ms=args.latency) as emu, tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        seeded_resources, seeded_projects = seed_live(emu.seed, resources, calendars, projects)
        seed_s = time.perf_counter() - t0

        cfg = Path(tmp)
        write_config(cfg, {"resources": resources, "calendars": calendars, "projects": projects})
        write_state(cfg, seeded_resources, seeded_projects)

        env = {**os.environ, "TIMEKIT_API_URL": emu.base_url, "TIMEKIT_APP_TOKEN": emu.token}
        emu.reset_counters()
        proc = run_measured([TKCTL, "plan", str(cfg)], env)
        wall, peak_mb = proc.wall, proc.peak_mb
        counters = emu.counters()

    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
        return 1
    n_cal = len(calendars)
    minimum = math.ceil(args.resources / 1000) + math.ceil(args.projects / 1000)
    naive_minimum = minimum + math.ceil(n_cal / 1000)
    print(f"account: {args.resources} resources, {n_cal} calendars, {args.projects} projects; "
          f"latency {args.latency:g} ms per request (seeded in {seed_s:.2f} s)")
    print(f"plan output: {proc.stdout.strip().splitlines()[-1]}")
    print(f"requests made: {counters['total']}  (minimum: {minimum} list requests, calendars come "
          f"with include=calendars; listing calendars separately would need {naive_minimum})")
    print(f"requests by route: {json.dumps(counters['by_route'], sort_keys=True)}")
    print(f"wall time: {wall:.2f} s  (target < 3 s)")
    print(f"peak memory (max RSS of tkctl plan): {peak_mb:.0f} MB  (target < 150 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
