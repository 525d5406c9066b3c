"""What "converged" means after an apply was killed or failed, for the crash and fault tests.

The example apply (examples/clinic against an empty account) makes WRITES write requests; the
crash tests stop it at each one, the fault tests break each one. After that, rerunning apply
must reach: exit 0, a plan with no changes, exactly the objects a clean apply makes (no
duplicate: one live resource or project per `meta.tkctl_key`, one calendar per owner and
name), and a state file that parses and whose every id is live, with no temp file left beside it.
"""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import yaml

from tests.e2e.conftest import ROOT, says_no_changes

EXAMPLE = ROOT / "examples" / "clinic"

# Every write request of the example's first apply, as (method, path prefix, how many). A test
# checks these against the emulator's counters, so the README figures built on them stay true.
WRITES = (("POST", "/v2/resources", 7), ("POST", "/v2/calendars", 8), ("PUT", "/v2/calendars", 4),
          ("POST", "/v2/projects", 3))
WRITE_ROUTES = {"POST /v2/resources": 7, "POST /v2/calendars": 8, "PUT /v2/calendars/{id}": 4,
                "POST /v2/projects": 3}
EACH_WRITE = [(method, path, nth) for method, path, count in WRITES for nth in range(1, count + 1)]
MAX_RERUNS = 3  # a generous bound: a case that needs more has not converged


def example_copy(tmp_path: Path) -> Path:
    """The clinic example in a fresh folder, with client-side pacing off (the emulator's rate
    limit is off too in these tests), so a case costs its requests and nothing else."""
    cfg = tmp_path / "clinic"
    shutil.copytree(EXAMPLE, cfg, ignore=shutil.ignore_patterns(".tkctl"))
    settings = yaml.safe_load((cfg / "tkctl.yaml").read_text())
    (cfg / "tkctl.yaml").write_text(yaml.safe_dump({**settings, "requests_per_minute": 0}))
    return cfg


def state_path(cfg: Path) -> Path:
    return cfg / ".tkctl" / "state.json"


def live_objects(tk) -> dict[str, list[dict]]:
    """Every live object; a calendar gets its owner's id as `owner` (calendars are listed
    inside their resource: the calendar object itself does not name it)."""
    resources = tk.api("/resources", include="calendars")
    calendars = [{**c, "owner": r["id"]} for r in resources for c in r.get("calendars") or ()]
    assert len(calendars) == len(tk.api("/calendars"))  # no calendar without an owner
    return {"resource": resources, "calendar": calendars, "project": tk.api("/projects")}


def inventory(live: dict[str, list[dict]]) -> dict[str, list]:
    """What a live account holds, by identity: tags of resources and projects, calendars by
    owner's tag and name (the default "Bookings" calendars included)."""
    tag = {r["id"]: (r.get("meta") or {}).get("tkctl_key") or "" for r in live["resource"]}
    return {
        "resource": sorted((r.get("meta") or {}).get("tkctl_key") or "" for r in live["resource"]),
        "project": sorted((p.get("meta") or {}).get("tkctl_key") or "" for p in live["project"]),
        "calendar": sorted((tag[c["owner"]], c["name"]) for c in live["calendar"]),
    }


def duplicates(live: dict[str, list[dict]]) -> list[str]:
    """Two live objects that are one object of the config."""
    found = []
    for kind in ("resource", "project"):
        tags = collections.Counter((x.get("meta") or {}).get("tkctl_key") for x in live[kind])
        found += [f"{kind} {tag}: {n} live" for tag, n in tags.items() if tag is not None and n > 1]
    calendars = collections.Counter((c["owner"], c["name"]) for c in live["calendar"])
    found += [f"calendar {name!r} of {owner}: {n} live" for (owner, name), n in calendars.items() if n > 1]
    return found


def state_problems(cfg: Path, live: dict[str, list[dict]]) -> list[str]:
    """Why the state file is not valid: unreadable, or an id that is not live. A missing file
    is a valid empty state (an apply killed before its first save)."""
    path = state_path(cfg)
    if not path.exists():
        return []
    try:
        state = json.loads(path.read_text())
    except ValueError as exc:
        return [f"state file is not JSON: {exc}"]
    ids = {kind: {x["id"] for x in items} for kind, items in live.items()}
    problems = []
    for name, entry in state["objects"].items():
        if name != f"{entry['kind']}.{entry['key']}":
            problems.append(f"{name}: entry names {entry['kind']}.{entry['key']}")
        if entry["id"] not in ids[entry["kind"]]:
            problems.append(f"{name}: id {entry['id']} is not live")
    return problems


def temp_files(cfg: Path) -> list[str]:
    """Temp files of state saves. A kill during a save leaves one; the next run removes it."""
    folder = state_path(cfg).parent
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp")) if folder.exists() else []


def converge(tk, cfg: Path) -> int:
    """Rerun apply until the plan has no changes; return how many reruns it took. Each rerun
    must exit 0: the failure it recovers from was in an earlier run, not in this one."""
    for reruns in range(MAX_RERUNS + 1):
        plan = tk("plan", cfg, "--detailed-exitcode")
        if says_no_changes(plan):
            return reruns
        assert plan.code == 2, plan.text
        if reruns == MAX_RERUNS:
            break
        applied = tk("apply", cfg, "--auto-approve")
        assert applied.code == 0, applied.text
    raise AssertionError(f"no convergence after {MAX_RERUNS} reruns:\n{plan.text}")


def assert_converged(tk, cfg: Path, expected: dict[str, list]) -> None:
    live = live_objects(tk)
    assert duplicates(live) == []
    assert inventory(live) == expected
    assert state_problems(cfg, live) == []
    assert temp_files(cfg) == []
    state = json.loads(state_path(cfg).read_text())
    assert len(state["objects"]) == 18  # every object of the example, each recorded once


def clean_inventory() -> dict[str, list]:
    """What a clean apply of the example leaves in an empty account, from the config: each
    resource with the "Bookings" calendar Timekit gives it, each calendar, each project."""
    resources = yaml.safe_load((EXAMPLE / "resources.yaml").read_text())["resources"]
    calendars = yaml.safe_load((EXAMPLE / "calendars.yaml").read_text())["calendars"]
    projects = yaml.safe_load((EXAMPLE / "projects.yaml").read_text())["projects"]
    live_calendars = [(c["resource"], c["name"]) for c in calendars.values()] + [(r, "Bookings") for r in resources]
    return {"resource": sorted(resources), "project": sorted(projects), "calendar": sorted(live_calendars)}
