"""How fast the emulator serves, so later benchmarks can show it is not their bottleneck.

Run on demand (not a test):  .venv/bin/python benchmarks/emulator.py [--seconds 3]
Prints requests/second for GET one resource, GET a 1000-item page (with calendars and
constraints included) and POST a resource, over one keep-alive connection, plus wall time and
the process's peak memory (client and server share the process).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import httpx

from tkctl.emulator.testing import running_emulator


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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    print(f"{'wall time':>15}: {time.perf_counter() - wall:10.2f} s")
    print(f"{'peak memory':>15}: {peak_mb:10.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
