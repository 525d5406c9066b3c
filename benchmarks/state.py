"""What a state write costs on each backend, and what it costs an apply.

Run on demand (not a test):  .venv/bin/python benchmarks/state.py [--rtt 30] [--latency 100]

Starts moto's S3 server in its own process on 127.0.0.1 (so it does not share this process's
interpreter lock) and prints:
1. the cost of one write (`StateStore.record`: serialise the whole state, then save it) for
   states of 10, 100 and 1,000 objects, on the local backend and on S3 (moto), best of 3;
2. an apply-shaped workload: 8 workers, each step one simulated Timekit request (--latency ms)
   followed by recording the step, as apply's Executor does. It compares no state at all, one
   S3 write of the whole state per step in a queue (StateStore), and the journal (one small S3
   object per shared write, JournaledStateStore: what the s3 backend uses), with moto's own round trip and with --rtt ms added to each write to model
   a real S3 endpoint (moto on loopback answers in a few ms; AWS in-region takes tens);
3. the floor and the S3 journal again at Timekit's pace (--rate requests a second), which is
   what bounds a real apply.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tkctl.state.backends.local import LocalFile  # noqa: E402
from tkctl.state.backends.s3 import S3Backend, S3Journal, StateObject  # noqa: E402
from tkctl.state.format import State, StateEntry, new_state  # noqa: E402
from tkctl.state.spec import S3StateSpec  # noqa: E402
from tkctl.state.journal import JournaledStateStore  # noqa: E402
from tkctl.state.store import StateStore  # noqa: E402

BUCKET = "tkctl-benchmark"


def _entry(i: int) -> StateEntry:
    return StateEntry("resource", f"resource-{i:05d}", f"9b1f0c3e-0000-4000-8000-{i:012d}", "sha256:" + "ab" * 32,
                      {f: "0123456789abcdef" for f in ("name", "timezone", "email", "tags", "meta")})


def _filled(n: int) -> State:
    state = State(lineage="bench", serial=1)
    for i in range(n):
        state.put(_entry(i))
    return state


class Slow:
    """A sink or journal that adds a network round trip to each write (a model of real S3)."""

    def __init__(self, sink, rtt: float):
        self.sink, self.rtt, self.name = sink, rtt, sink.name

    def write(self, text: str) -> None:
        time.sleep(self.rtt)
        self.sink.write(text)

    def append(self, text: str) -> None:
        time.sleep(self.rtt)
        self.sink.append(text)

    def read(self) -> bytes | None:
        return self.sink.read()

    def remove(self) -> None:
        self.sink.remove()


def _per_write_ms(make_store, n: int, writes: int = 20) -> float:
    best = float("inf")
    for _ in range(3):
        store = make_store(_filled(n))
        start = time.perf_counter()
        for i in range(writes):
            store.record(_entry(i))
        best = min(best, (time.perf_counter() - start) / writes)
    return best * 1000


def _apply_shaped(make_store, steps: int, latency: float, rate: float = 0) -> tuple[float, int]:
    """Wall seconds and writes for `steps` steps on 8 workers, each a request then a record.

    With `rate`, requests start at most `rate` a second, as tkctl's client paces them."""
    store = make_store(new_state()) if make_store else None
    writes = 0
    pace = threading.Lock()
    next_start = [time.monotonic()]

    def step(i: int) -> None:
        if rate:
            with pace:
                wait = next_start[0] - time.monotonic()
                next_start[0] = max(next_start[0], time.monotonic()) + 1 / rate
            if wait > 0:
                time.sleep(wait)
        time.sleep(latency)  # the Timekit request
        if store is not None:
            store.record(_entry(i))

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(step, range(steps)))
    wall = time.perf_counter() - start
    if isinstance(store, JournaledStateStore):
        writes = store.journal_writes
    elif store is not None:
        writes = store.state.serial
    return wall, writes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtt", type=float, default=30, help="ms added to each S3 write to model a real endpoint")
    ap.add_argument("--latency", type=float, default=100, help="ms of one simulated Timekit request")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--rate", type=float, default=10, help="requests a second Timekit allows (600/minute = 10)")
    args = ap.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="benchmark", AWS_SECRET_ACCESS_KEY="benchmark", AWS_DEFAULT_REGION="us-east-1",
                      AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        backend = S3Backend(S3StateSpec(BUCKET, "bench/state.json", endpoint_url=endpoint))
        deadline = time.monotonic() + 30
        while True:
            try:
                backend.bucket.client.create_bucket(Bucket=BUCKET)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        lock = SimpleNamespace(lost=False)  # the writes are measured without taking the lock

        def s3_sink(rtt: float = 0.0):
            sink = StateObject(backend, None, lock)
            return Slow(sink, rtt) if rtt else sink

        def fresh_s3(rtt: float = 0.0):
            backend.bucket.client.delete_object(Bucket=BUCKET, Key="bench/state.json")
            return s3_sink(rtt)

        def s3_journal(state: State, rtt: float = 0.0):
            journal = S3Journal(backend, None)
            journal.read()  # forget any objects of an earlier row
            journal.remove()
            return JournaledStateStore(fresh_s3(rtt), Slow(journal, rtt) if rtt else journal, state)

        with tempfile.TemporaryDirectory() as folder:
            local = Path(folder) / "state.json"
            print("1. One write (record an object, save the whole state), best of 3, ms:")
            print(f"   {'objects':>8}  {'local file':>10}  {'S3 (moto)':>10}  {'S3 + rtt':>10}")
            for n in (10, 100, 1000):
                local_ms = _per_write_ms(lambda s: StateStore(LocalFile(local), s), n)
                s3_ms = _per_write_ms(lambda s: StateStore(fresh_s3(), s), n)
                slow_ms = _per_write_ms(lambda s: StateStore(fresh_s3(args.rtt / 1000), s), n, writes=5)
                print(f"   {n:>8}  {local_ms:>10.2f}  {s3_ms:>10.2f}  {slow_ms:>10.2f}")

        latency = args.latency / 1000
        rtt = args.rtt / 1000
        print(f"\n2. An apply of {args.steps} steps on 8 workers, {args.latency:g} ms per Timekit request, "
              f"no rate limit (+{args.rtt:g} ms per S3 write where noted):")
        print(f"   {'state writes':<50}  {'wall s':>7}  {'writes':>6}  {'steps/s':>7}")
        with tempfile.TemporaryDirectory() as folder:
            local = Path(folder) / "state.json"
            rows = [
                ("none (the floor)", None),
                ("local file, one write per step", lambda s: StateStore(LocalFile(local), s)),
                ("S3 (moto), one write per step in a queue", lambda s: StateStore(fresh_s3(), s)),
                ("S3 (moto), journal (what tkctl does)", lambda s: s3_journal(s)),
                (f"S3 +{args.rtt:g} ms, one write per step in a queue", lambda s: StateStore(fresh_s3(rtt), s)),
                (f"S3 +{args.rtt:g} ms, journal (what tkctl does)", lambda s: s3_journal(s, rtt)),
            ]
            for label, make in rows:
                wall, writes = _apply_shaped(make, args.steps, latency)
                print(f"   {label:<50}  {wall:>7.2f}  {writes:>6}  {args.steps / wall:>7.1f}")
        steps = max(1, args.steps // 2)
        print(f"\n3. The same at Timekit's pace ({args.rate:g} requests/s), {steps} steps:")
        for label, make in [("none (the floor)", None),
                            (f"S3 +{args.rtt:g} ms, journal (what tkctl does)", lambda s: s3_journal(s, rtt))]:
            wall, writes = _apply_shaped(make, steps, latency, args.rate)
            print(f"   {label:<50}  {wall:>7.2f}  {writes:>6}  {steps / wall:>7.1f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
