"""A large, realistic Timekit account for the benchmarks: the config, the live objects, the state.

Shared by `plan.py`, `apply.py` and `scale.py`, so that every benchmark measures the same kind
of account. Widget configs, customer fields and opening hours come from the real payloads in
`tests/fixtures/realdata`; everything else is varied deterministically (a seeded RNG), so two
runs at one size build byte-identical configs.

- `build()` gives the three config sections (resources, calendars, projects) as dicts;
- `write_config()` writes them as a config folder (C YAML dumper when available: 20,000
  resources must not take longer to write than to plan);
- `seed_live()` creates the same objects in an emulator through its control API (`/_emulator/seed`,
  in batches, each one SQLite transaction), tagged with their keys as an apply would have;
- `write_state()` writes the state file a previous apply would have left.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Callable, Iterable

import yaml

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT / "tests" / "fixtures" / "realdata"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

FIRST = ["Anna", "Ben", "Priya", "Lars", "Maja", "Omar", "Sofia", "Jonas", "Emma", "Kenji", "Lucia", "Noah"]
LAST = ["Jones", "Smith", "Patel", "Nielsen", "Hansen", "Haddad", "Rossi", "Berg", "Tanaka", "Garcia"]
ZONES = ["Europe/Copenhagen", "Europe/London", "America/New_York", "America/Los_Angeles",
         "Asia/Tokyo", "Australia/Sydney"]
ROLES = ["gp", "nurse", "physio", "dentist", "room", "dermatology"]
EXTRA_CALENDARS = [("Clinic hours", "In-person consultations", "#1e6fb8"),
                   ("Video consultations", "Remote consultations", "#ffb300"),
                   ("Admin", "Paperwork, referrals and lab results", "#9e9e9e")]
WEEKDAY_HOURS = [{"allow_day_and_time": {"day": d, "start": 8, "end": 18}}
                 for d in ("Tuesday", "Thursday")] + [{"allow_day_and_time": {"day": "Friday", "start": 8, "end": 12}}]


def _realdata(name: str) -> dict:
    return json.loads((REALDATA / name).read_text())


def variants() -> tuple[list[list], list[dict], list[dict]]:
    """Opening hours, customer-field sets and widget (`ui`, `booking`) variants from real payloads."""
    hours = [_realdata("availability-constraints-opening-hours.json")["availability_constraints"],
             _realdata("availability-constraints-opening-hours-lunch-break.json")["availability_constraints"],
             WEEKDAY_HOURS]
    defaults = _realdata("widget-config-defaults-v3.json")
    extended = _realdata("project-embed-response-extended.json")["data"]
    confirm = _realdata("widget-config-confirm-decline.json")
    custom = _realdata("widget-config-customer-fields.json")
    fields = [defaults["customer_fields"], extended["customer_fields"],
              {**defaults["customer_fields"], **confirm["customer_fields"]},
              {**defaults["customer_fields"], **custom["customer_fields"]}]
    widgets = [{"ui": defaults["ui"], "booking": defaults["booking"]},
               {"ui": extended["ui"], "booking": extended["booking"]},
               {"ui": {**defaults["ui"], **confirm["ui"]}, "booking": confirm["booking"]},
               {"ui": defaults["ui"], "booking": {"graph": "instant"}}]
    return hours, fields, widgets


def resource_body(i: int, hours: list[list], prefix: str = "r") -> tuple[str, dict]:
    """The config key and body of resource number i (a person or a room with opening hours)."""
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    key = f"{prefix}{i:05d}"
    return key, {"name": f"{first} {last}", "first_name": first, "last_name": last,
                 "email": f"{first}.{last}.{prefix}{i}@clinic{i % 40}.example".lower(),
                 "timezone": ZONES[i % len(ZONES)], "tags": [ROLES[i % len(ROLES)], f"site-{i % 40}"],
                 "meta": {"staff_id": f"S-{prefix}{i:05d}", "site": f"site-{i % 40}"},
                 "availability_constraints": hours[i % len(hours)]}


def build(n_resources: int, n_projects: int, *, extra_calendars: float = 1.0,
          members: tuple[int, int] = (10, 10), seed: int = 0) -> tuple[dict, dict, dict]:
    """Config sections for n_resources resources and n_projects projects.

    Every resource declares the "Bookings" calendar Timekit creates with it (adopted) and a
    share `extra_calendars` of them one more calendar; each project has between `members[0]`
    and `members[1]` members (capped at the number of resources) and a widget config."""
    rng = random.Random(seed)
    hours, fields, widgets = variants()
    resources, calendars, projects = {}, {}, {}
    extra_every = round(1 / extra_calendars) if extra_calendars else 0
    for i in range(n_resources):
        key, body = resource_body(i, hours)
        resources[key] = body
        calendars[f"{key}-bookings"] = {"resource": key, "name": "Bookings",
                                        "description": "Created by Timekit on resource creation"}
        if extra_every and i % extra_every == 0:
            name, description, colour = EXTRA_CALENDARS[i % len(EXTRA_CALENDARS)]
            calendars[f"{key}-extra"] = {"resource": key, "name": name, "description": description,
                                         "backgroundcolor": colour}
    keys = list(resources)
    for j in range(n_projects):
        count = min(len(keys), rng.randint(*members))
        widget = widgets[j % len(widgets)]
        projects[f"p{j:04d}"] = {
            "name": f"Consultation {j}", "slug": f"consultation-{j}",
            "resources": sorted(rng.sample(keys, count)),
            "availability": {"mode": ("roundrobin_random", "mutual")[j % 5 == 4],
                             "length": ("30 minutes", "1 hour", "45 minutes")[j % 3],
                             "buffer": "10 minutes", "to": "4 weeks"},
            "booking": widget["booking"],
            "customer_fields": fields[j % len(fields)],
            "ui": {**widget["ui"], "display_name": f"Book consultation {j}"},
            "meta": {"department": ROLES[j % len(ROLES)]},
        }
    return resources, calendars, projects


def write_config(cfg: Path, sections: dict[str, dict], settings: str = "state: state.json\n") -> None:
    """`tkctl.yaml` with `settings`, and one file per non-empty section (`resources.yaml`, ...)."""
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "tkctl.yaml").write_text(settings)
    for name, section in sections.items():
        write_section(cfg / f"{name}.yaml", name, section)


def write_section(path: Path, name: str, section: dict) -> None:
    path.write_text(yaml.dump({name: section}, Dumper=Dumper, sort_keys=False, allow_unicode=True))


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def seed_live(seed: Callable[..., dict], resources: dict, calendars: dict, projects: dict,
              batch: int = 1000) -> tuple[list[dict], list[dict]]:
    """Creates the config's objects in an emulator, tagged with their keys (`meta.tkctl_key`).

    `seed(resources=[...], projects=[...])` is the emulator's seed call (EmulatorHandle.seed or
    scale.py's client). Returns the seeded resources (with calendars) and projects."""
    extra: dict[str, list[dict]] = {}
    for body in calendars.values():
        if body["name"] != "Bookings":
            extra.setdefault(body["resource"], []).append(
                {k: v for k, v in body.items() if k != "resource"})
    specs = [{**body, "meta": {**body.get("meta", {}), "tkctl_key": key}, "calendars": extra.get(key, [])}
             for key, body in resources.items()]
    seeded_resources: list[dict] = []
    for chunk in _batches(specs, batch):
        seeded_resources += seed(resources=chunk)["resources"]
    ids = {r["meta"]["tkctl_key"]: r["id"] for r in seeded_resources}
    project_specs = [{**{k: v for k, v in body.items() if k != "resources"},
                      "meta": {**body.get("meta", {}), "tkctl_key": key},
                      "resources": [ids[m] for m in body["resources"]]} for key, body in projects.items()]
    seeded_projects: list[dict] = []
    for chunk in _batches(project_specs, max(1, batch // 10)):
        seeded_projects += seed(projects=chunk)["projects"]
    return seeded_resources, seeded_projects


def write_state(cfg: Path, seeded_resources: list, seeded_projects: list) -> None:
    """The state a previous apply would have left: every key bound to its id, with the same
    record (fingerprint, field digests, lifecycle) apply writes, so that an apply finds
    nothing to re-record."""
    from tkctl.config import load_config
    from tkctl.core.plan import desired_canonical, record_of
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
        record = record_of(desired_canonical(obj), obj.lifecycle)
        store.state.put(StateEntry(obj.kind, obj.key, id_, record.fingerprint, dict(record.fields),
                                   dict(record.lifecycle)))
    store.save()
