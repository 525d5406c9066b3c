"""Benchmark: `tkctl apply` of a large config to an empty account behind a slow API.

Writes a config of N resources (constraints, one extra calendar each, so 2N calendars with the
adopted default) and P projects with 10 members and a widget config, then runs the real
`tkctl apply --auto-approve` against an emulator with per-request latency, and prints the
requests made, wall time, writes per second, peak memory, and the time a second plan takes.
The emulator's rate limit is off by default (Timekit's 600/minute would make the run take
minutes by design, not by tkctl); pass --rate-limit 600 to see the real pace.

Run on demand:  .venv/bin/python benchmarks/apply.py [--resources 300] [--projects 30] [--latency 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.account import build, write_config  # noqa: E402
from benchmarks.processes import TKCTL, run_measured  # noqa: E402
from tkctl.emulator.testing import running_emulator  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, default=300)
    ap.add_argument("--projects", type=int, default=30)
    ap.add_argument("--latency", type=float, default=50)
    ap.add_argument("--rate-limit", type=int, default=0)
    args = ap.parse_args()
    resources, calendars, projects = build(args.resources, args.projects)

    with running_emulator(latency_ms=args.latency, rate_limit=args.rate_limit) as emu, \
            tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp)
        # tkctl paces itself to the server's limit, as users set it in tkctl.yaml.
        write_config(cfg, {"resources": resources, "calendars": calendars, "projects": projects},
                     f"state: state.json\nrequests_per_minute: {args.rate_limit}\n")
        env = {**os.environ, "TIMEKIT_API_URL": emu.base_url, "TIMEKIT_APP_TOKEN": emu.token, "NO_COLOR": "1"}
        emu.reset_counters()
        proc = run_measured([TKCTL, "apply", str(cfg), "--auto-approve"], env)
        wall, peak_mb = proc.wall, proc.peak_mb
        counters = emu.counters()
        again = run_measured([TKCTL, "plan", str(cfg)], env)
        plan_wall = again.wall

    if proc.returncode != 0 or again.returncode != 0:
        print(proc.stderr[-3000:], again.stderr[-3000:], file=sys.stderr)
        return 1
    writes = sum(n for route, n in counters["by_route"].items() if not route.startswith("GET"))
    objects = len(resources) + len(calendars) + len(projects)
    print(f"config: {len(resources)} resources, {len(calendars)} calendars, {len(projects)} projects "
          f"({objects} objects); latency {args.latency:g} ms; rate limit "
          f"{'off' if not args.rate_limit else f'{args.rate_limit}/min'}")
    print(f"apply: {proc.stdout.strip().splitlines()[-1]}")
    print(f"requests made: {counters['total']} ({writes} writes)")
    print(f"wall time: {wall:.2f} s ({writes / wall:.0f} writes/s)")
    print(f"peak memory (max RSS of tkctl apply): {peak_mb:.0f} MB")
    print(f"plan afterwards: {again.stdout.strip().splitlines()[-1]} in {plan_wall:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
