"""A fixed piece of Python work, timed beside a benchmark run: this machine's speed that hour.

    .venv/bin/python benchmarks/calibrate.py

The machine README's Performance table was measured on changes speed by a quarter from one
hour to the next: the same tkctl planned a cached 5,000-resource config in 1.03-1.14 s at one
hour and in 1.24-1.35 s the next. A table measured in a slow hour then looks like a slower
tkctl, and a goal within a tenth of its line cannot be judged from one table alone. So
`benchmarks/scale.py` times this work before and after its run and prints both beside the
table: two tables are comparable once each wall time is read against its own run's figure.

The work is the same in every run and uses none of tkctl's code, so a change to tkctl never
changes it: the kinds of work a plan does (JSON decoded and encoded, YAML composed by libyaml,
dicts built, sorted and hashed), on generated data of fixed content.
"""

from __future__ import annotations

import hashlib
import json
import time

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
OBJECTS = 2_000  # about a tenth of a second of work per round on README's machine


def _objects() -> list[dict]:
    return [{"id": f"{i:08x}-0000-4000-8000-{i:012x}", "name": f"Person {i}", "email": f"p{i}@example.com",
             "timezone": ("Europe/Oslo", "America/New_York", "Asia/Tokyo")[i % 3],
             "tags": [f"team-{i % 7}", f"floor-{i % 5}"],
             "meta": {"room": str(i % 40), "rank": i % 11, "ratio": i / 7},
             "hours": [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]}
            for i in range(OBJECTS)]


def work() -> str:
    """One round of the fixed work; returns a digest of its results (the same every time)."""
    objects = _objects()
    text = json.dumps({"data": objects})
    decoded = json.loads(text)["data"]
    document = "resources:\n" + "".join(
        f"  p{i}:\n    name: {o['name']}\n    email: {o['email']}\n    timezone: {o['timezone']}\n"
        f"    tags: [{', '.join(o['tags'])}]\n    meta:\n      room: '{o['meta']['room']}'\n"
        for i, o in enumerate(decoded))
    node = yaml.compose(document, Loader=_Loader)
    digest = hashlib.sha256()
    for obj in sorted(decoded, key=lambda o: (o["timezone"], o["email"])):
        digest.update(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode())
    digest.update(str(len(node.value[0][1].value)).encode())
    return digest.hexdigest()


def speed(rounds: int = 5) -> float:
    """The quickest of `rounds` rounds of the work, in seconds."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


if __name__ == "__main__":
    print(f"reference work: {speed() * 1000:.0f} ms (best of 5)")
