"""Benchmark: tkctl at the account sizes of issue 12, against an emulator in its own process.

    .venv/bin/python benchmarks/scale.py --sizes 500,5000,20000

For each size N it builds a realistic account (N resources, N/5 projects up to 2,000, 1.5
calendars per resource, projects of 5 to 50 members, widget configs and opening hours from
tests/fixtures/realdata), seeds it into a `tkctl emulator` process (latency --latency ms per
request, rate limit --rate requests a minute: Timekit's 600 by default), writes the matching
config folder and state, and runs the real `tkctl` CLI as child processes:

- `validate`; `plan` with no change, twice: first as the config's first plan (loaded from the
  files and saved to tkctl's config cache, README "The config cache"), then again (loaded from
  the cache); `plan` with 1% of the objects changed in the config (the cache holds the config
  before the change: the changed blocks are read, README "The config cache"); `plan` without
  the state file (every object matched by its tag), once the 1% change is undone and a plan
  (not counted) has cached the config again, compared with the cached plan; `export`; `apply` of --creates new resources
  into the account (the last, as it changes the account). The run has a config cache of its
  own (TKCTL_CACHE_DIR in a temporary folder), so nothing is cached when it starts;
- at one size (--client-size, default the smallest), a script reading the account one object
  at a time through the real python-timekit client (benchmarks/scale_client.py), paced to the
  rate limit, and its ratio to `tkctl plan`;
- once: `tkctl --version` and `tkctl validate examples/clinic`, best of 5;
- before and after everything: a fixed piece of Python work that uses none of tkctl's code
  (benchmarks/calibrate.py), best of 5, printed with the notes: this machine's speed that
  hour, to compare tables measured in different hours.

`validate` and each `plan` run --repeat times (3 by default), each from the same starting point
(a first plan from an empty config cache, a 1% plan from the config cached just before the
edit), and the table keeps the quickest run and its CPU: this machine's speed varies by a
third from hour to hour and by a tenth from run to run, the work does not. Its peak memory is
the highest of the runs (a run's memory varies by up to 40 MB after an edit, and the
quickest run is no better measure of it). The notes list every run's wall and peak.

It prints one Markdown table (requests the emulator counted, the minimum, wall, floor,
wall/floor, tkctl's CPU and peak memory from wait4, the emulator's CPU from /proc; in the
python-timekit row the CPU and memory are the script's), notes (objects edited, MB exported,
how long a detached process still wrote a first plan's config cache entry after tkctl ended,
the apply's writes a second while writing as a share of the rate limit, failed requests by
status) and the goals of issue 12, each marked met, NOT MET, or not measured (a size not run).
floor = the larger of minimum / (rate per second) and latency x sequential round trips: what
the API allows at best. The minimum of a read is GET /app and one page per 1,000 resources
and per 1,000 projects (issue 12's table left GET /app out of its floor); of an apply, that
read plus one request per create; of the python-timekit script, its pages of ids plus one
GET per resource and two per project.

Options: --sizes, --latency (ms), --rate (requests/minute, 0 = no limit), --creates (apply
size), --repeat (runs per validate and plan figure), --client-size, --only op,op (validate,
plan, plan-cached, plan-1pct, plan-nostate, export, client, apply, version, tiny), --keep DIR
(keep the generated configs and exports in DIR/size-N).
Run time on main before issue 12's fixes, 2 cores shared with other work: 7 minutes for
--sizes 500,5000; 30 minutes for 500,5000,20000 (load average 5-9; 20,000 alone took 20
minutes, its apply 11 and its export 4). The rate-bound parts stay whatever tkctl does: the
python-timekit read at 500 (70 s) and each apply (at least 100 s: 1,000 writes at 10 a
second), so a tkctl meeting the goals runs 500,5000,20000 in about 7 minutes.
"""

from __future__ import annotations

import argparse
import compileall
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.account import (build, resource_body, seed_live, variants,  # noqa: E402
                                write_config, write_section, write_state)
from benchmarks.calibrate import speed  # noqa: E402
from benchmarks.processes import TKCTL, EmulatorProcess, Run, run_measured  # noqa: E402
from tkctl.emulator.settings import DEFAULT_BURST as BURST  # noqa: E402 - the emulator's, as the benchmark runs it

OPS = ("validate", "plan", "plan-cached", "plan-1pct", "plan-nostate", "export", "client", "apply", "version", "tiny")
LABELS = {"validate": "validate", "plan": "plan, no change", "plan-cached": "plan, no change, config cached",
          "plan-1pct": "plan, 1% changed",
          "plan-nostate": "plan, no state file", "export": "export", "client": "read one by one (python-timekit)",
          "apply": "apply {creates} creates", "version": "tkctl --version (best of 5)",
          "tiny": "validate examples/clinic (best of 5)"}
PAGE = 1000


@dataclass
class Row:
    size: int | None
    op: str
    label: str
    requests: int
    minimum: int
    wall: float
    floor: float
    cpu: float
    emulator_cpu: float | None
    peak_mb: float
    notes: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return self.wall / self.floor if self.floor else None


def projects_for(size: int) -> int:
    """Issue 12's table: one project per 5 resources, at most 2,000."""
    return max(1, min(2000, size // 5))


def pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE))


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.rows: list[Row] = []
        self.rate_per_s = args.rate / 60
        self.quiet_since = 0.0  # when the last command that used the emulator ended

    def rested(self) -> None:
        """Wait until the emulator's rate limit has its whole burst again (BURST requests) since
        the last command: a measured command starts as one that runs alone in a pipeline, not
        on the heels of the last one's requests. Without it, a cached plan of 20,000 resources
        that followed another within a second had one request refused (503) and sent again."""
        if self.rate_per_s:
            left = BURST / self.rate_per_s - (time.perf_counter() - self.quiet_since)
            if left > 0:
                time.sleep(left)

    def unmeasured(self, cmd: list[str], emu: EmulatorProcess) -> Run:
        """Run a command that prepares a measured one (not counted)."""
        try:
            return run_measured(cmd, emu.env())
        finally:
            self.quiet_since = time.perf_counter()

    def floor(self, minimum: int, round_trips: int) -> float:
        by_rate = minimum / self.rate_per_s if self.rate_per_s else 0.0
        return max(by_rate, self.args.latency / 1000 * round_trips)

    def measure(self, emu: EmulatorProcess, size: int, op: str, cmd: list[str], minimum: int,
                round_trips: int, during=None, setup=None, repeat: int = 1) -> tuple[Row, Run, dict]:
        """Run `cmd` `repeat` times (after `setup()` each time, not counted) and keep the row of
        the quickest run: the machine's speed varies from run to run, not the work. Its peak
        memory is the highest of the runs: how much memory a run takes is no figure of the
        machine's speed, and varies by up to 40 MB from run to run (after an edit)."""
        best: tuple[Row, Run, dict] | None = None
        walls: list[float] = []
        peaks: list[float] = []
        writing: list[float] = []
        for attempt in range(repeat):
            print(f"  {size:>6} {op}{f' ({attempt + 1} of {repeat})' if repeat > 1 else ''} ...", file=sys.stderr,
                  flush=True)
            settle()  # no writer of an earlier run's cache entry is still at work on a core
            if setup is not None:
                setup()
                self.quiet_since = time.perf_counter()
            self.rested()
            emu.reset_counters()
            before = emu.cpu()
            run = run_measured(cmd, emu.env()) if during is None else during(cmd)
            self.quiet_since = time.perf_counter()
            emulator_cpu = emu.cpu() - before
            counters = emu.counters()
            if run.returncode != 0:
                raise SystemExit(f"{op} at {size} failed (exit {run.returncode}):\n{run.stdout[-3000:]}\n"
                                 f"{run.stderr[-3000:]}")
            failed = {status: n for status, n in counters["by_status"].items()
                      if not status.isdigit() or int(status) >= 400}
            row = Row(size, op, LABELS[op].format(creates=self.args.creates), counters["total"], minimum, run.wall,
                      self.floor(minimum, round_trips), run.cpu, emulator_cpu, run.peak_mb,
                      {"failed": sum(failed.values()), "failed_by": failed})
            walls.append(run.wall)
            peaks.append(run.peak_mb)
            writing.append(settle())  # the entry a detached process writes once the command ended
            if best is None or run.wall < best[1].wall:
                best = (row, run, counters)
        assert best is not None
        best[0].peak_mb = max(peaks)
        if repeat > 1:
            best[0].notes["runs"] = walls
            best[0].notes["peaks"] = peaks
        if max(writing) >= 0.01:
            best[0].notes["writing"] = writing
        self.rows.append(best[0])
        return best

    def wanted(self, op: str) -> bool:
        return op in self.args.only

    def size(self, size: int, work: Path) -> None:
        args = self.args
        n_projects = projects_for(size)
        print(f"size {size}: building {size} resources, {n_projects} projects", file=sys.stderr, flush=True)
        resources, calendars, projects = build(size, n_projects, extra_calendars=0.5, members=(5, 50))
        sections = {"resources": resources, "calendars": calendars, "projects": projects}
        cfg = work / f"size-{size}" / "config"
        if cfg.parent.exists():
            shutil.rmtree(cfg.parent)
        read_min = 1 + pages(size) + pages(n_projects)
        read_trips = 2 if max(pages(size), pages(n_projects)) > 1 else 1
        with EmulatorProcess(args.latency, args.rate) as emu:
            started = time.perf_counter()
            seeded = seed_live(emu.seed, resources, calendars, projects)
            write_config(cfg, sections, f"state: state.json\nrequests_per_minute: {args.rate}\n")
            write_state(cfg, *seeded)
            print(f"size {size}: seeded and written in {time.perf_counter() - started:.1f} s "
                  f"({len(calendars)} calendars)", file=sys.stderr, flush=True)
            plan = [TKCTL, "plan", str(cfg)]
            repeat = args.repeat
            if self.wanted("validate"):
                self.measure(emu, size, "validate", [TKCTL, "validate", str(cfg)], 0, 0, repeat=repeat)
            for op in ("plan", "plan-cached"):  # the first plan of this config loads it; the second, its cache
                if self.wanted(op):
                    # Each first plan starts from an empty config cache.
                    setup = clear_config_cache if op == "plan" else None
                    _, run, _ = self.measure(emu, size, op, plan, read_min, read_trips, setup=setup, repeat=repeat)
                    if "No changes" not in run.stdout:
                        raise SystemExit(f"{op} at {size} shows changes on an unchanged account:\n{run.stdout[-3000:]}")
                    settle()
                    if op == "plan" and not list(Path(os.environ["TKCTL_CACHE_DIR"]).rglob("*.pickle")):
                        raise SystemExit(f"plan at {size} saved nothing to the config cache")
            if self.wanted("plan-1pct"):
                changed = changed_sections(sections)

                def cached_then_changed() -> None:
                    """The config as it was, cached by a plan (not counted), then the 1% edit."""
                    for name in changed:
                        write_section(cfg / f"{name}.yaml", name, sections[name])
                    self.unmeasured(plan, emu)
                    settle()
                    for name, section in changed.items():
                        write_section(cfg / f"{name}.yaml", name, section)

                try:
                    row, run, _ = self.measure(emu, size, "plan-1pct", plan, read_min, read_trips,
                                               setup=cached_then_changed, repeat=repeat)
                finally:
                    for name in changed:
                        write_section(cfg / f"{name}.yaml", name, sections[name])
                if "No changes" in run.stdout:
                    raise SystemExit(f"plan at {size} missed the 1% change:\n{run.stdout[-3000:]}")
                row.notes["changed"] = changed_count(sections)
            if self.wanted("plan-nostate"):
                # Like for like with "config cached": the config as it was, from the cache.
                self.unmeasured(plan, emu)
                state, moved = cfg / "state.json", cfg / "state.json.moved"
                state.rename(moved)
                try:
                    self.measure(emu, size, "plan-nostate", plan, read_min, read_trips, repeat=repeat)
                finally:
                    moved.rename(state)
            if self.wanted("export"):
                out = cfg.parent / "export"
                row, _, _ = self.measure(emu, size, "export", [TKCTL, "export", str(cfg), "--out", str(out)],
                                         read_min, read_trips)
                row.notes["export_mb"] = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20
            if self.wanted("client") and size == args.client_size:
                client = [sys.executable, str(ROOT / "benchmarks" / "scale_client.py"), "--rate", str(args.rate)]
                minimum = pages(size) + size + pages(n_projects) + 2 * n_projects
                self.measure(emu, size, "client", client, minimum, minimum)
            if self.wanted("apply"):
                hours = variants()[0]
                new = dict(resource_body(i, hours, prefix="n") for i in range(args.creates))
                write_section(cfg / "new.yaml", "resources", new)
                watch = Watch(emu)
                row, _, counters = self.measure(emu, size, "apply", [TKCTL, "apply", str(cfg), "--auto-approve"],
                                                read_min + args.creates, read_trips + 1, during=watch.run)
                writes = watch.writes(counters)
                # An apply too short to sample (a few creates) is paced over its whole run instead.
                sampled = watch.pace(counters)
                row.notes.update(writes=writes, pace=sampled or writes / row.wall,
                                 over="during the writes" if sampled else "over the whole apply")

    def fixed(self) -> None:
        """`--version` and a tiny validate: start-up cost, best of 5 (no emulator involved)."""
        for op, cmd in (("version", [TKCTL, "--version"]),
                        ("tiny", [TKCTL, "validate", str(ROOT / "examples" / "clinic")])):
            if not self.wanted(op):
                continue
            print(f"  {op} ...", file=sys.stderr, flush=True)
            runs = [run_measured(cmd, dict(os.environ)) for _ in range(5)]
            if any(r.returncode for r in runs):
                raise SystemExit(f"{op} failed: {runs[0].stderr[-2000:]}")
            best = min(runs, key=lambda r: r.wall)
            self.rows.append(Row(None, op, LABELS[op], 0, 0, best.wall, 0.0, best.cpu, None, best.peak_mb))


def settle() -> float:
    """Wait for the detached processes writing the run's config cache entries (a plan leaves
    its entry to one, README "The config cache"): a measured run has both cores to itself, and
    the next command finds what the last one saved. Returns the seconds waited."""
    from tkctl.config.cache import wait_for_writers

    started = time.perf_counter()
    wait_for_writers(Path(os.environ["TKCTL_CACHE_DIR"]), wait=120)
    return time.perf_counter() - started


def clear_config_cache() -> None:
    """Empty the run's config cache (TKCTL_CACHE_DIR): the next plan is a config's first."""
    settle()
    folder = Path(os.environ["TKCTL_CACHE_DIR"])
    if folder.exists():
        shutil.rmtree(folder)


def changed_sections(sections: dict[str, dict]) -> dict[str, dict]:
    """Copies of the sections with every 100th object edited (at least one of each kind): a
    resource's name, a calendar's description, a project's widget title."""
    out = {}
    for name, section in sections.items():
        section = dict(section)
        for key in list(section)[::100]:
            body = dict(section[key])
            if name == "resources":
                body["name"] += " (locum)"
            elif name == "calendars":
                body["description"] = f"{body.get('description', '')} (moved)"
            else:
                body["ui"] = {**body["ui"], "display_name": body["ui"]["display_name"] + " (new)"}
            section[key] = body
        out[name] = section
    return out


def changed_count(sections: dict[str, dict]) -> int:
    return sum(len(list(section)[::100]) for section in sections.values())


class Watch:
    """Runs an apply while reading the emulator's counters every 0.2 s, to time its writes:
    the pace is measured from the first write seen to the moment the last one was counted."""

    def __init__(self, emu: EmulatorProcess):
        self.emu, self.samples = emu, []

    @staticmethod
    def writes(counters: dict) -> int:
        return sum(n for route, n in counters["by_route"].items() if not route.startswith("GET"))

    def run(self, cmd: list[str]) -> Run:
        done = threading.Event()

        def poll() -> None:
            while not done.wait(0.2):
                self.samples.append((time.perf_counter(), self.writes(self.emu.counters())))

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            return run_measured(cmd, self.emu.env())
        finally:
            done.set()
            poller.join()

    def pace(self, counters: dict) -> float | None:
        """Writes a second during the write phase; None when it was too short to sample."""
        total = self.writes(counters)
        seen = [(t, w) for t, w in self.samples if w > 0]
        if len(seen) < 2:
            return None
        first_t, first_w = seen[0]
        last_t = next((t for t, w in seen if w >= total), seen[-1][0])
        last_w = max(w for _, w in seen)
        return (last_w - first_w) / (last_t - first_t) if last_t > first_t else None


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def table(rows: list[Row]) -> str:
    head = ["size", "operation", "requests", "minimum", "wall s", "floor s", "wall/floor", "tkctl CPU s",
            "emulator CPU s", "peak MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
    for r in rows:
        cells = ["–" if r.size is None else f"{r.size:,}", r.label, f"{r.requests:,}", f"{r.minimum:,}",
                 fmt(r.wall), fmt(r.floor), fmt(r.ratio, 1), fmt(r.cpu), fmt(r.emulator_cpu), fmt(r.peak_mb, 0)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def failures(row: Row) -> str:
    """`0 requests failed`, or `2 requests failed (429 ×2)`."""
    by = ", ".join(f"{status} ×{n}" for status, n in sorted(row.notes["failed_by"].items()))
    return f"{row.notes['failed']} requests failed" + (f" ({by})" if by else "")


def notes(rows: list[Row], args: argparse.Namespace) -> list[str]:
    out = []
    by = {(r.size, r.op): r for r in rows}
    for r in rows:
        if "runs" in r.notes:
            out.append(f"- {r.label} at {r.size:,}: runs of {', '.join(f'{w:.2f}' for w in r.notes['runs'])} s; "
                       "the quickest is in the table")
        if "peaks" in r.notes:
            out.append(f"- {r.label} at {r.size:,}: peaks of {', '.join(f'{m:.0f}' for m in r.notes['peaks'])} MB; "
                       "the highest is in the table")
        if "writing" in r.notes:
            out.append(f"- {r.label} at {r.size:,}: the config cache's entry was still being written (by a "
                       f"detached process) for {', '.join(f'{w:.2f}' for w in r.notes['writing'])} s after "
                       "each run ended")
        if r.op == "plan-1pct":
            out.append(f"- plan, 1% changed at {r.size:,}: {r.notes['changed']} objects edited in the config")
        if r.op == "export":
            out.append(f"- export at {r.size:,}: {r.notes['export_mb']:.2f} MB written")
        if r.op == "apply":
            pace = r.notes["pace"]
            share = f" = {pace / (args.rate / 60):.0%} of the rate limit" if pace and args.rate else ""
            out.append(f"- apply at {r.size:,}: {r.notes['writes']:,} writes, "
                       f"{fmt(pace, 1)} writes/s {r.notes['over']}{share}, {failures(r)}; "
                       f"{r.cpu / max(1, r.notes['writes']) * 1000:.1f} ms of tkctl CPU per write")
        if r.op == "client":
            plan = by.get((r.size, "plan"))
            ratio = (f"; tkctl plan (no change) at that size {plan.wall:.2f} s: python-timekit / tkctl = "
                     f"{r.wall / plan.wall:.1f}×") if plan else ""
            out.append(f"- python-timekit, one object at a time, measured at {r.size:,} resources: "
                       f"{r.wall:.1f} s, {r.requests:,} requests{ratio}")
    failed = [f"{r.label} at {r.size:,}: {failures(r)}" for r in rows if r.notes.get("failed") and r.op != "apply"]
    if failed:
        out.append(f"- requests failed in {'; '.join(failed)}")
    emulator = [r.emulator_cpu / r.wall for r in rows if r.emulator_cpu is not None and r.wall]
    if emulator:
        out.append(f"- the emulator's CPU was at most {max(emulator):.0%} of an operation's wall time")
    return out


def goals(rows: list[Row], rate_per_s: float) -> list[str]:
    by = {(r.size, r.op): r for r in rows}
    lines: list[str] = []

    def goal(text: str, ok: bool | None) -> None:
        mark = "not measured" if ok is None else ("met" if ok else "NOT MET")
        lines.append(f"- [{mark}] {text}")

    def ratio_goal(size: int, limit: float) -> None:
        for op in ("plan", "plan-cached", "plan-1pct"):
            r = by.get((size, op))
            goal(f"{LABELS[op]} at {size:,}: ≤ {limit:g}× floor ({fmt(r.ratio, 1) if r else '–'}×)",
                 None if r is None or r.ratio is None else r.ratio <= limit)

    ratio_goal(5000, 1.5)
    ratio_goal(20000, 2)
    peaks = {size: max((r.peak_mb for r in rows if r.size == size and r.op.startswith("plan")), default=None)
             for size in sorted({r.size for r in rows if r.size})}
    big = peaks.get(20000)
    goal(f"plan peak memory at 20,000 < 300 MB ({fmt(big, 0)} MB)", None if big is None else big < 300)
    if len(peaks) > 1:
        (s0, p0), (s1, p1) = min(peaks.items()), max(peaks.items())
        goal(f"plan peak memory grows sub-linearly: {s0:,} → {s1:,} resources ({s1 / s0:.0f}×), "
             f"{p0:.0f} → {p1:.0f} MB ({p1 / p0:.1f}×)", p1 / p0 < s1 / s0)
    for size in peaks:
        with_state, without = by.get((size, "plan-cached")), by.get((size, "plan-nostate"))
        ok = None if not (with_state and without) else without.wall <= 1.2 * with_state.wall
        goal(f"plan without state ≤ 1.2× plan with state at {size:,} "
             f"({fmt(without.wall / with_state.wall, 2) if ok is not None else '–'}×)", ok)
    for size, limit in ((5000, 1), (20000, 3)):
        r = by.get((size, "validate"))
        goal(f"validate at {size:,} < {limit} s ({fmt(r.wall if r else None)} s)", None if r is None else r.wall < limit)
    for size in peaks:
        r = by.get((size, "apply"))
        pace = r.notes["pace"] if r else None
        share = pace / rate_per_s if pace and rate_per_s else None
        ok = None if r is None or share is None else share >= 0.95 and r.notes["failed"] == 0
        goal(f"apply at {size:,}: ≥ 95% of the rate limit, 0 failed "
             f"({fmt(share * 100 if share else None, 0)}%, {r.notes['failed'] if r else '–'} failed)", ok)
    for op, limit in (("version", 0.1), ("tiny", 0.2)):
        r = by.get((None, op))
        goal(f"{LABELS[op]} < {limit * 1000:.0f} ms ({fmt(r.wall * 1000 if r else None, 0)} ms)",
             None if r is None else r.wall < limit)
    return lines



def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500,5000,20000", help="resource counts, comma-separated")
    ap.add_argument("--latency", type=float, default=50, help="ms the emulator adds to every request")
    ap.add_argument("--rate", type=int, default=600, help="rate limit, requests/minute (tkctl paces to it); 0 = off")
    ap.add_argument("--creates", type=int, default=1000, help="resources the apply creates")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each validate and plan figure, the quickest kept (the machine's speed varies)")
    ap.add_argument("--client-size", type=int, help="size at which python-timekit reads (default: the smallest)")
    ap.add_argument("--only", default=",".join(OPS), help="operations to run: " + ",".join(OPS))
    ap.add_argument("--keep", type=Path, metavar="DIR", help="keep generated configs and exports in DIR")
    args = ap.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.only = {op.strip() for op in args.only.split(",") if op.strip()}
    unknown = args.only - set(OPS)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if unknown or not args.sizes or min(args.sizes) < 5:
        ap.error(f"unknown operation(s) {sorted(unknown)}" if unknown else "sizes must be at least 5")
    if args.client_size is None:
        args.client_size = min(args.sizes)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # Time tkctl as installed, its modules compiled once: where PYTHONDONTWRITEBYTECODE is set
    # (as on the machine of README's table), every command would otherwise compile each module
    # changed since the last compile again, 0.07-0.1 s of each run for all of tkctl.
    compileall.compile_dir(str(ROOT / "tkctl"), quiet=1)
    bench = Bench(args)
    started = time.perf_counter()
    reference = [speed()]  # the machine's speed this hour, before the run and after it
    with tempfile.TemporaryDirectory(prefix="tkctl-scale-") as tmp:
        # A config cache of this run's own: every config's first plan loads it from the files.
        os.environ["TKCTL_CACHE_DIR"] = str(Path(tmp) / "config-cache")
        os.environ.pop("TKCTL_NO_CACHE", None)
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            bench.size(size, work)
        bench.fixed()
    reference.append(speed())
    print(f"tkctl scale benchmark: emulator in its own process, {args.latency:g} ms latency, "
          f"rate limit {args.rate or 'off'}/minute; 1.5 calendars per resource, projects of 5-50 members\n")
    print(table(bench.rows))
    print()
    print("\n".join(notes(bench.rows, args)))
    print(f"- this machine's speed: the reference work (benchmarks/calibrate.py) took {reference[0] * 1000:.0f} ms "
          f"before the run and {reference[1] * 1000:.0f} ms after it (best of 5 each); wall times of "
          "runs in other hours compare once read against their own run's figure")
    print("\nGoals (issue 12):")
    print("\n".join(goals(bench.rows, args.rate / 60)))
    print(f"\ntotal run time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
