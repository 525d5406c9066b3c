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
import resource as rusage
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT / "tests" / "fixtures" / "realdata"
sys.path.insert(0, str(ROOT))

from tkctl.core.plan import fingerprint, desired_canonical  # noqa: E402
from tkctl.emulator.testing import running_emulator  # noqa: E402

HOURS = [{"allow_day_and_time": {"day": d, "start": 9, "end": 17}}
         for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")] + [{"block_hours": {"start": 12, "end": 13}}]


def widget_ui() -> dict:
    path = REALDATA / "widget-config-defaults-v3.json"
    if path.exists():
        return json.loads(path.read_text()).get("ui", {})
    return {"display_name": "Clinic", "availability_view": "listing", "localization": {"submit_button": "Book it"}}


def build(n_resources: int, n_projects: int):
    ui = widget_ui()
    resources, calendars, projects = {}, {}, {}
    for i in range(n_resources):
        key = f"r{i:04d}"
        resources[key] = {"name": f"Practitioner {i}", "timezone": "Europe/Copenhagen",
                          "email": f"p{i}@clinic.example", "tags": ["staff", f"team-{i % 7}"],
                          "meta": {"room": str(i % 20)}, "availability_constraints": HOURS}
        calendars[f"{key}-main"] = {"resource": key, "name": "Bookings",
                                    "description": "Created by Timekit on resource creation"}
        calendars[f"{key}-extra"] = {"resource": key, "name": "Consultations", "description": "Extra calendar"}
    for j in range(n_projects):
        members = [f"r{(j * 10 + m) % n_resources:04d}" for m in range(10)]
        projects[f"p{j:03d}"] = {"name": f"Project {j}", "slug": f"project-{j}", "resources": members,
                                 "availability": {"mode": "roundrobin_random", "length": "30 minutes"},
                                 "booking": {"graph": "instant"},
                                 "customer_fields": {"name": {"title": "Name", "required": True},
                                                     "email": {"title": "E-mail", "format": "email", "required": True}},
                                 "ui": {**ui, "display_name": f"Project {j}"}}
    return resources, calendars, projects


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--projects", type=int, default=100)
    ap.add_argument("--latency", type=float, default=50)
    args = ap.parse_args()
    resources, calendars, projects = build(args.resources, args.projects)

    with running_emulator(latency_ms=args.latency) as emu, tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        seeded = emu.seed(resources=[
            {**body, "meta": {**body["meta"], "tkctl_key": key},
             "calendars": [{"name": "Consultations", "description": "Extra calendar"}]}
            for key, body in resources.items()])
        ids = {r["meta"]["tkctl_key"]: r["id"] for r in seeded["resources"]}
        seeded_projects = emu.seed(projects=[
            {**{k: v for k, v in body.items() if k != "resources"}, "meta": {"tkctl_key": key},
             "resources": [ids[m] for m in body["resources"]]} for key, body in projects.items()])
        seed_s = time.perf_counter() - t0

        cfg = Path(tmp)
        (cfg / "tkctl.yaml").write_text("state: state.json\n")
        (cfg / "resources.yaml").write_text(yaml.safe_dump({"resources": resources}, sort_keys=False))
        (cfg / "calendars.yaml").write_text(yaml.safe_dump({"calendars": calendars}, sort_keys=False))
        (cfg / "projects.yaml").write_text(yaml.safe_dump({"projects": projects}, sort_keys=False))
        _write_state(cfg, seeded["resources"], seeded_projects["projects"])

        env = {**os.environ, "TIMEKIT_API_URL": emu.base_url, "TIMEKIT_APP_TOKEN": emu.token}
        emu.reset_counters()
        before = rusage.getrusage(rusage.RUSAGE_CHILDREN).ru_maxrss
        t1 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "tkctl", "plan", str(cfg)], env=env,
                              capture_output=True, text=True)
        wall = time.perf_counter() - t1
        peak_kb = rusage.getrusage(rusage.RUSAGE_CHILDREN).ru_maxrss
        counters = emu.counters()

    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
        return 1
    n_cal = 2 * args.resources
    minimum = math.ceil(args.resources / 1000) + math.ceil(args.projects / 1000)
    naive_minimum = minimum + math.ceil(n_cal / 1000)
    print(f"account: {args.resources} resources, {n_cal} calendars, {args.projects} projects; "
          f"latency {args.latency:g} ms per request (seeded in {seed_s:.2f} s)")
    print(f"plan output: {proc.stdout.strip().splitlines()[-1]}")
    print(f"requests made: {counters['total']}  (minimum: {minimum} list requests, calendars come "
          f"with include=calendars; listing calendars separately would need {naive_minimum})")
    print(f"requests by route: {json.dumps(counters['by_route'], sort_keys=True)}")
    print(f"wall time: {wall:.2f} s  (target < 3 s)")
    print(f"peak memory (max RSS of tkctl plan): {peak_kb / 1024:.0f} MB  (target < 150 MB)"
          + ("" if peak_kb > before else "  [note: RSS of an earlier child was larger]"))
    return 0


def _write_state(cfg: Path, seeded_resources: list, seeded_projects: list) -> None:
    """The state a previous apply would have left: every key bound to its id and fingerprint."""
    from tkctl.config import load_config
    from tkctl.state.store import StateEntry, StateStore, new_state

    settings, desired = load_config(cfg, {})
    resource_ids = {r["meta"]["tkctl_key"]: r for r in seeded_resources}
    project_ids = {p["meta"]["tkctl_key"]: p["id"] for p in seeded_projects}
    store = StateStore(settings.state_path, new_state())
    for obj in desired:
        if obj.kind == "resource":
            id_ = resource_ids[obj.key]["id"]
        elif obj.kind == "calendar":
            owner = resource_ids[obj.refs["resource"]]
            id_ = next(c["id"] for c in owner["calendars"] if c["name"] == obj.fields["name"])
        else:
            id_ = project_ids[obj.key]
        store.state.put(StateEntry(obj.kind, obj.key, id_, fingerprint(desired_canonical(obj))))
    store.save()


if __name__ == "__main__":
    sys.exit(main())
