"""Generated valid configs: `tkctl apply` against the emulator, then `tkctl plan` has no changes;
and the same after a second, different config is applied over the first.

Each example is a config folder of resources (constraints in every spelling, tags, meta, e-mail
in any case), calendars (the default "Bookings" one adopted, primary ones), and projects
(members, availability with durations in any spelling, constraints, booking, customer fields,
reminders, a widget `ui` inline or in a `ui_file`, meta), written as YAML. It must pass `tkctl validate`, apply on an
empty account, and then plan clean: anything the plan still wants to change is a value the
normaliser, the diff, the steps or the emulator read differently on the way back. Bounded and
derandomized: the same examples on every machine.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import says_no_changes
from tkctl.emulator.models.projects import slugify

ROUNDTRIP = settings(max_examples=25, derandomize=True, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                            HealthCheck.data_too_large])

TIMEZONES = ("UTC", "Europe/Copenhagen", "America/New_York", "Asia/Kolkata", "Australia/Adelaide")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
UNITS = ("second", "minute", "hour", "day", "week")
UI_FILE = "<ui in a file>"  # a project's `ui` that write() puts in widgets/<key>.json

words = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "S")), min_size=1, max_size=12)
names = words.filter(lambda s: s.strip() != "")
plain = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=8)
meta_keys = plain.filter(lambda k: k != "tkctl_key")
meta_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-1000, 10**6), words, st.floats(-1e6, 1e6, allow_nan=False)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(meta_keys, inner, max_size=3), max_leaves=6)
metas = st.dictionaries(meta_keys, meta_values, max_size=3)


def hour(draw, low: int, high: int) -> tuple[int, Any]:
    """(the hour, one of the ways Timekit takes it with some minutes): 9, "09:00", "09:30", 24."""
    value = draw(st.integers(low, high))
    minute = 0 if value == 24 else draw(st.sampled_from([0, 0, 30, 45]))
    ways: list[Any] = [f"{value:02d}:{minute:02d}"]
    if minute == 0:
        ways.append(value)
    return value, draw(st.sampled_from(ways))


@st.composite
def windows(draw) -> dict:
    """A window that ends after it starts (the end hour is later than the start hour)."""
    first, start = hour(draw, 0, 23)
    _, end = hour(draw, first + 1, 24)
    return {"start": start, "end": end}


def day_names(draw) -> str:
    day = draw(st.sampled_from(DAYS))
    return draw(st.sampled_from([day, day.lower(), day.upper()]))


@st.composite
def constraints(draw) -> dict:
    kind = draw(st.sampled_from(["hours", "day", "day_and_time", "period", "weekends", "weekdays"]))
    ctype = f"{draw(st.sampled_from(['allow', 'block']))}_{kind}"
    if kind == "hours":
        return {ctype: draw(windows())}
    if kind == "day":
        return {ctype: {"day": day_names(draw)}}
    if kind == "day_and_time":
        return {ctype: {"day": day_names(draw), **draw(windows())}}
    if kind == "period":
        first, length = draw(st.integers(1, 27)), draw(st.integers(1, 60))
        if draw(st.booleans()):
            return {ctype: {"start": f"2027-03-{first:02d}", "end": f"2027-{4 + (first + length) // 28:02d}-01"}}
        return {ctype: {"start": f"2027-03-{first:02d}T08:00:00+01:00", "end": f"2027-03-{first:02d}T17:30:00Z"}}
    return {ctype: {}}


@st.composite
def durations(draw, most_days: int = 60) -> str:
    """A span of whole units, in any of its spellings: "90 minutes", "1 hour 30 minutes"."""
    parts = draw(st.lists(st.tuples(st.integers(1, 3), st.sampled_from(UNITS)), min_size=1, max_size=2))
    if sum(n * {"day": 1, "week": 7}.get(u, 0) for n, u in parts) > most_days:
        parts = [(1, "hour")]
    return " ".join(f"{n} {u}{'s' if n != 1 or draw(st.booleans()) else ''}" for n, u in parts)


def resource(draw, key: str) -> dict:
    out: dict[str, Any] = {"name": draw(names), "timezone": draw(st.sampled_from(TIMEZONES))}
    if draw(st.booleans()):
        out["email"] = draw(st.sampled_from([f"{key}@clinic.example", f"{key.upper()}@Clinic.Example"]))
    for name in ("first_name", "last_name"):
        if draw(st.booleans()):
            out[name] = draw(names)
    if draw(st.booleans()):
        out["image"] = f"https://img.example/{draw(plain)}.png"
    if draw(st.booleans()):
        out["tags"] = draw(st.lists(plain, max_size=4))
    if draw(st.booleans()):
        out["meta"] = draw(metas)
    if draw(st.booleans()):
        out["availability_constraints"] = draw(st.lists(constraints(), max_size=4))
    return out


def calendar(draw, owner: str, name: str, primary: bool) -> dict:
    out: dict[str, Any] = {"resource": owner, "name": name, "description": draw(words)}
    for colour in ("foregroundcolor", "backgroundcolor"):
        if draw(st.booleans()):
            out[colour] = draw(st.one_of(st.none(), st.sampled_from(["#fff", "#1E6FB8", "#00838f"])))
    if primary:
        out["primary"] = True
    return out


def availability(draw) -> dict:
    out: dict[str, Any] = {}
    optional = {
        "mode": lambda: draw(st.sampled_from(["roundrobin_random", "roundrobin_prioritized", "mutual", "exclusive"])),
        "length": lambda: draw(st.one_of(durations(), st.none())),
        "buffer": lambda: draw(durations()),
        "from": lambda: draw(st.sampled_from(["now", "1 hour", "2 days", "2027-01-04"])),
        "to": lambda: draw(st.one_of(durations(most_days=150), st.just("6 months"), st.just("2027-05-01"))),
        "ignore_all_day_events": lambda: draw(st.booleans()),
        "output_timezone": lambda: draw(st.sampled_from(TIMEZONES)),
        "closest_time_interval": lambda: draw(st.integers(0, 60)),
    }
    for name, make in optional.items():
        if draw(st.booleans()):
            out[name] = make()
    return out


def reminder(draw) -> dict:
    when = {"type": draw(st.sampled_from(["before", "after"])), "unit": draw(st.sampled_from(["secs", "mins", "hours"])),
            "time": draw(st.integers(0, 72))}
    if draw(st.booleans()):
        settings_ = {"recipient": draw(st.sampled_from(["owner", "customer"]))}
        if draw(st.booleans()):
            settings_["subject"] = draw(words)
        return {"type": "email", "settings": settings_, "when": when}
    hook: dict[str, Any] = {"url": f"https://hooks.example/{draw(plain)}"}
    if draw(st.booleans()):
        hook["method"] = draw(st.sampled_from(["post", "get"]))
    if draw(st.booleans()):
        hook["expected_response_code"] = draw(st.integers(100, 599))
    return {"type": "webhook", "settings": hook, "when": when}


def customer_fields(draw) -> dict:
    out: dict[str, Any] = {"name": {"title": draw(words), "required": True}}
    if draw(st.booleans()):
        out["name"]["split_name"] = draw(st.booleans())
    out["email"] = {"title": draw(words), "required": draw(st.booleans())}
    for key in draw(st.lists(plain.map(lambda k: f"x{k.lower()}"), max_size=2, unique=True)):
        field = {"title": draw(words), "format": draw(st.sampled_from(["text", "tel", "textarea", "select",
                                                                       "checkbox", "label"]))}
        if field["format"] == "select":
            field["enum"] = draw(st.lists(words, min_size=1, max_size=3))
        for flag in ("required", "readonly", "hidden"):
            if draw(st.booleans()):
                field[flag] = draw(st.booleans())
        if draw(st.booleans()):
            field["prefilled"] = draw(st.one_of(st.just(False), words))
        out[key] = field
    return out


def ui(draw) -> dict:
    optional = {
        "display_name": lambda: draw(words),
        "avatar": lambda: f"https://img.example/{draw(plain)}.png",
        "availability_view": lambda: draw(st.sampled_from(["agendaWeek", "listing"])),
        "show_credits": lambda: draw(st.booleans()),
        "show_timezone_helper": lambda: draw(st.booleans()),
        "time_date_format": lambda: draw(st.sampled_from(["12h-mdy-sun", "24h-dmy-mon", False])),
        "timezone": lambda: draw(st.one_of(st.none(), st.sampled_from(TIMEZONES))),
        "booking_date_format": lambda: draw(st.sampled_from(["D. MMMM YYYY", "MMMM D, YYYY"])),
        "localization": lambda: {k: draw(words) for k in draw(st.lists(st.sampled_from(
            ["submit_button", "success_message", "allocated_resource_prefix"]), min_size=1, unique=True))},
    }
    return {name: make() for name, make in optional.items() if draw(st.booleans())} or {"show_credits": True}


def project(draw, resource_keys: list[str], slug: str | None) -> dict:
    out: dict[str, Any] = {"name": draw(names)}
    if slug:
        out["slug"] = slug
    if draw(st.booleans()):
        out["resources"] = draw(st.permutations(resource_keys))[:draw(st.integers(0, len(resource_keys)))]
    if draw(st.booleans()):
        out["availability"] = availability(draw)
    if draw(st.booleans()):
        out["availability_constraints"] = draw(st.lists(constraints(), max_size=3))
    if draw(st.booleans()):
        booking = {"graph": draw(st.sampled_from(["instant", "confirm_decline", "group_owner", "reservation"]))}
        for name in ("what", "where", "description"):
            if draw(st.booleans()):
                booking[name] = draw(words)
        out["booking"] = booking
    if draw(st.booleans()):
        out["customer_fields"] = customer_fields(draw)
    if draw(st.booleans()):
        out["reminders"] = [reminder(draw) for _ in range(draw(st.integers(1, 2)))]
    if draw(st.booleans()):
        out["ui"] = ui(draw)
        if draw(st.booleans()):  # in its own JSON file, as copied from the admin UI
            out[UI_FILE] = out.pop("ui")
    if draw(st.booleans()):
        out["meta"] = draw(metas)
    return out


@st.composite
def configs(draw) -> dict[str, dict]:
    resource_keys = [f"r{i}" for i in range(draw(st.integers(1, 3)))]
    resources = {key: resource(draw, key) for key in resource_keys}
    calendars = {}
    for index, owner in enumerate(draw(st.lists(st.sampled_from(resource_keys), max_size=3))):
        taken = {c["name"] for c in calendars.values() if c["resource"] == owner}
        name = draw(st.sampled_from([n for n in ("Bookings", "Clinic hours", "Home visits", "Phone") if n not in taken]))
        primary = draw(st.booleans()) and not any(c.get("primary") for c in calendars.values() if c["resource"] == owner)
        calendars[f"c{index}"] = calendar(draw, owner, name, primary)
    projects = {}
    for index in range(draw(st.integers(0, 2))):
        slug = draw(st.one_of(st.none(), st.just(f"booking-{index}-{draw(plain).lower()}")))
        projects[f"p{index}"] = project(draw, resource_keys, slug)
    # Timekit derives a slug from the name of a project without one; an explicit slug must not
    # take it (that is Timekit's 422, not a valid config).
    explicit = {p["slug"] for p in projects.values() if "slug" in p}
    derived = {slugify(p["name"]) for p in projects.values() if "slug" not in p}
    if explicit & derived:
        for p in projects.values():
            p.pop("slug", None)
    return {"resources": resources, "calendars": calendars, "projects": projects}


def write(folder: Path, config: dict[str, dict], exist_ok: bool = False) -> Path:
    """The config as YAML files, one per section, and each `ui` meant for a file in widgets/."""
    folder.mkdir(parents=True, exist_ok=exist_ok)
    (folder / "tkctl.yaml").write_text(yaml.safe_dump({"state": "state.json", "requests_per_minute": 0}))
    projects = {}
    for key, project_ in config["projects"].items():
        project_ = dict(project_)
        if UI_FILE in project_:
            (folder / "widgets").mkdir(exist_ok=True)
            (folder / "widgets" / f"{key}.json").write_text(json.dumps(project_.pop(UI_FILE)))
            project_["ui_file"] = f"widgets/{key}.json"
        projects[key] = project_
    config = {**config, "projects": projects}
    for section, objects in config.items():
        if objects:
            (folder / f"{section}.yaml").write_text(yaml.safe_dump({section: objects}, sort_keys=False,
                                                                   allow_unicode=True))
    return folder


_folders = itertools.count()


def _shown(*configs_: dict) -> str:
    return "\n-> ".join(yaml.safe_dump(c, allow_unicode=True) for c in configs_)


def _fresh_account(tk) -> None:
    tk.emulator.reset()  # one empty account per example
    tk.emulator.configure(rate_limit=0)


@ROUNDTRIP
@given(configs())
def test_an_applied_config_plans_clean(tk, tmp_path, config):
    _fresh_account(tk)
    cfg = write(tmp_path / f"cfg{next(_folders)}", config)
    validated = tk("validate", cfg)
    assert validated.code == 0, validated.text
    applied = tk("apply", cfg, "--auto-approve")
    assert applied.code == 0, applied.text
    plan = tk("plan", cfg, "--detailed-exitcode")
    assert says_no_changes(plan), plan.text + "\n" + _shown(config)


@ROUNDTRIP
@given(configs(), configs())
def test_a_changed_config_plans_clean_after_its_apply(tk, tmp_path, config, changed):
    """A second config over the first one's account: updates, creates, deletes and
    replacements (a resource whose e-mail changes, a calendar moved to another resource, and
    the calendars that go with a replaced resource)."""
    _fresh_account(tk)
    cfg = write(tmp_path / f"cfg{next(_folders)}", config)
    applied = tk("apply", cfg, "--auto-approve")
    assert applied.code == 0, applied.text
    for section in ("resources", "calendars", "projects"):
        (cfg / f"{section}.yaml").unlink(missing_ok=True)
    write(cfg, changed, exist_ok=True)
    validated = tk("validate", cfg)
    assert validated.code == 0, validated.text
    applied = tk("apply", cfg, "--auto-approve", "--allow-deletes", "--allow-replace", "--force")
    assert applied.code == 0, applied.text + "\n" + _shown(config, changed)
    plan = tk("plan", cfg, "--detailed-exitcode")
    assert says_no_changes(plan), plan.text + "\n" + _shown(config, changed)
