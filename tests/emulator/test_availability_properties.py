"""Property tests of POST /availability over generated bodies, with a fixed seed.

Two kinds of bodies:
* well-formed requests over random resources (zones with DST, 30- and 45-minute offsets),
  constraint lists, bookings, modes, lengths and buffers, in windows around DST changes. The
  answer is compared with an independent oracle that checks every minute by the definition
  (timekit-api.md §10.3, §11): a minute is free for a resource when its local wall time passes
  every constraint list and no confirmed booking widened by the buffer covers it; a slot is a
  quarter-hour start from `from` whose every minute is free, ending by `to`.
* malformed bodies (random values in every field), sent to the real HTTP server: the answer
  is 200 or a 422 of the contract's shape, never a 500.

The seeds are fixed, so a failure reproduces; bump them to explore other cases.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tkctl.emulator.call import Call
from tkctl.emulator.errors import ApiFailure
from tkctl.emulator.handlers import availability as handler
from tkctl.emulator.models import bookings, projects, resources
from tkctl.emulator.store import Store

UTC = timezone.utc
# Zones with the local days of their DST changes in 2026 (Kathmandu, +05:45, has none).
DST_DAYS = {
    "UTC": [],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Europe/Copenhagen": [date(2026, 3, 29), date(2026, 10, 25)],
    "Asia/Kathmandu": [],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],  # 30-minute changes
    "America/St_Johns": [date(2026, 3, 8), date(2026, 11, 1)],  # -03:30 / -02:30
    "Pacific/Chatham": [date(2026, 4, 5), date(2026, 9, 27)],  # +13:45 / +12:45
}
ZONES = list(DST_DAYS)
ORDINARY_DAYS = [date(2026, 6, 15), date(2026, 1, 5), date(2026, 2, 28)]
DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MINUTE = timedelta(minutes=1)


# --------------------------------------------------------------------------- generators


def _clock(rng: random.Random, low: int = 0, high: int = 24 * 60) -> tuple[object, int]:
    """An hour value in one of the accepted forms, and its minute of the day."""
    minute = rng.randrange(low, high + 1)
    if minute % 60 == 0 and rng.random() < 0.5:
        return minute // 60, minute
    return f"{minute // 60:02d}:{minute % 60:02d}", minute


def _window(rng: random.Random) -> dict:
    start_minute = rng.randrange(0, 23 * 60)
    start, start_m = _clock(rng, 0, start_minute)
    end, _ = _clock(rng, start_m + 1, 24 * 60)
    return {"start": start, "end": end}


def _period_bound(rng: random.Random, day: date) -> str:
    moment = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randrange(-36 * 60, 60 * 60))
    form = rng.random()
    if form < 0.3:
        return moment.date().isoformat()
    if form < 0.5:
        return moment.strftime("%Y-%m-%d %H:%M:%S")  # PHP SDK form: local wall time
    if form < 0.9:
        offset = rng.choice(["Z", "+00:00", "+02:00", "-05:00", "+05:45"])
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + offset
    return rng.choice(["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])


def _constraint(rng: random.Random, day: date) -> dict:
    verb = rng.choice(["allow", "block"])
    kind = rng.choice(["hours", "day_and_time", "day", "weekdays", "weekends", "period"])
    if kind == "hours":
        params = _window(rng)
    elif kind == "day_and_time":
        params = {"day": rng.choice(DAY_NAMES).capitalize(), **_window(rng)}
    elif kind == "day":
        params = {"day": rng.choice([DAY_NAMES[day.weekday()], rng.choice(DAY_NAMES)]).upper()}
    elif kind == "period":
        while True:
            start, end = _period_bound(rng, day), _period_bound(rng, day)
            if _bound_key(end) > _bound_key(start):
                break
        params = {"start": start, "end": end}
    else:
        params = {}
    return {f"{verb}_{kind}": params}


def _bound_key(text: str) -> datetime:
    """How validation orders period bounds: a wall time read as UTC."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _constraints(rng: random.Random, day: date, most: int) -> list[dict]:
    if rng.random() < 0.4:
        return []  # most real lists are short or empty; long random ones leave no time free
    return [_constraint(rng, day) for _ in range(rng.randrange(1, most + 1))]


def _duration_text(minutes: int, rng: random.Random) -> str:
    if minutes % 60 == 0 and rng.random() < 0.5:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return rng.choice([f"{minutes} minutes", f"{minutes} mins", f"{minutes}minutes"])


def _scenario(rng: random.Random) -> tuple[list[dict], dict | None, list[list[dict]], dict]:
    """Resource specs, a project spec or None, bookings per resource, and the request body
    (resources as indexes, resolved to ids once created)."""
    zones = [rng.choice(ZONES)]
    zones += [rng.choice([zones[0], rng.choice(ZONES)]) for _ in range(rng.randrange(0, 3))]
    # Mostly a day on which the first resource's clocks change.
    day = rng.choice(DST_DAYS[zones[0]] * 3 + ORDINARY_DAYS)
    count = len(zones)
    specs = [{"name": f"R{i}", "timezone": zone, "availability_constraints": _constraints(rng, day, 3)}
             for i, zone in enumerate(zones)]
    # From 12 hours before to 1 hour after local midnight, 20 to 40 hours long: on a DST day the
    # window holds the change (at 02:00 or 03:00 local) and the day's working hours.
    local_midnight = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(zones[0])).astimezone(UTC)
    window_start = local_midnight + timedelta(minutes=rng.randrange(-12 * 60, 60), seconds=rng.choice([0, 0, 7, 59]))
    window_end = window_start + timedelta(minutes=rng.randrange(20 * 60, 40 * 60))
    booked = []
    for _ in specs:
        items = []
        for _ in range(rng.randrange(0, 4)):
            # whole minutes, so that checking each minute is exact
            start = window_start.replace(second=0) + timedelta(
                minutes=rng.randrange(-120, int((window_end - window_start) / MINUTE)))
            end = start + timedelta(minutes=rng.choice([15, 30, 45, 60, 90, 120, 7]))
            items.append({"start": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "state": rng.choice(["instant", "tentative", "confirmed", "cancelled"])})
        booked.append(items)
    length = rng.choice([15, 30, 45, 50, 60, 90, 120, 1, 5])
    body: dict = {
        "resources": rng.sample(range(count), rng.randrange(1, count + 1)),
        "mode": rng.choice(["roundrobin_random", "roundrobin_prioritized", "exclusive", "mutual"]),
        "length": _duration_text(length, rng),
        "buffer": _duration_text(rng.choice([0, 5, 15, 30]), rng),
        "from": window_start.isoformat(),
        "to": window_end.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "output_timezone": rng.choice(ZONES),
        "constraints": _constraints(rng, day, 1),
    }
    project = None
    if rng.random() < 0.5:
        project = {"name": "P", "availability_constraints": _constraints(rng, day, 1)}
        # The project presets some parameters; the body keeps only some of its own.
        project["availability"] = {k: body[k] for k in ("mode", "length", "buffer", "from", "to")
                                   if rng.random() < 0.5}
        project["resources"] = body["resources"]
        for key in project["availability"]:
            if rng.random() < 0.5:
                del body[key]
        if rng.random() < 0.5:
            del body["resources"]
    return specs, project, booked, body


# --------------------------------------------------------------------------- oracle


def _minute_of_day(value) -> int:
    if isinstance(value, int):
        return value * 60
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _covers(item: dict, wall: datetime, instant: datetime) -> bool:
    """Does one constraint cover this minute? Straight from §10.3, no intervals."""
    (ctype, params), = item.items()
    kind = ctype.split("_", 1)[1]
    if kind == "period":
        inside = True
        for name, value in params.items():
            parsed = datetime.fromisoformat(value)
            if len(value) == 10:  # a date: local midnight
                parsed = datetime.combine(parsed.date(), datetime.min.time())
            here = instant if parsed.tzinfo else wall
            inside = inside and (here >= parsed if name == "start" else here < parsed)
        return inside
    if kind == "weekdays":
        return wall.weekday() < 5
    if kind == "weekends":
        return wall.weekday() >= 5
    if "day" in params and DAY_NAMES.index(params["day"].lower()) != wall.weekday():
        return False
    if kind == "day":
        return True
    minute = wall.hour * 60 + wall.minute
    return _minute_of_day(params["start"]) <= minute < _minute_of_day(params["end"])


def _list_leaves_free(items: list[dict], wall: datetime, instant: datetime) -> bool:
    allows = [i for i in items if next(iter(i)).startswith("allow_")]
    blocks = [i for i in items if next(iter(i)).startswith("block_")]
    allowed = not allows or any(_covers(i, wall, instant) for i in allows)
    return allowed and not any(_covers(i, wall, instant) for i in blocks)


def _free_minutes(lists: list[list[dict]], zone: str, busy: list[tuple[datetime, datetime]],
                  first: datetime, count: int) -> list[bool]:
    tz = ZoneInfo(zone)
    free = []
    for index in range(count):
        instant = first + index * MINUTE
        wall = instant.astimezone(tz).replace(tzinfo=None)
        free.append(all(_list_leaves_free(items, wall, instant) for items in lists)
                    and not any(a <= instant < b for a, b in busy))
    return free


def _expected(specs, project, confirmed, body, ids) -> dict[datetime, list[str]]:
    """Every slot start and the resources free for the whole slot, in request order."""
    preset = (project or {}).get("availability") or {}
    params = {**preset, **body}
    start = datetime.fromisoformat(params["from"].replace("Z", "+00:00")).astimezone(UTC)
    end = datetime.fromisoformat(params["to"].replace("Z", "+00:00")).astimezone(UTC)
    length = _minutes(params.get("length", "1 hour"))
    buffer = timedelta(minutes=_minutes(params.get("buffer", "0 minutes")))
    first = start + (datetime.min.replace(tzinfo=UTC) - start) % timedelta(minutes=15)
    count = max(0, int((end - first) / MINUTE))
    shared = [(project or {}).get("availability_constraints") or [], body.get("constraints") or []]
    order = body["resources"] if "resources" in body else project["resources"]
    by_resource = {}
    for index in dict.fromkeys(order):
        busy = [(a - buffer, b + buffer) for a, b in confirmed[index]]
        minutes = _free_minutes([specs[index]["availability_constraints"], *shared], specs[index]["timezone"],
                                busy, first, count)
        prefix = [0]
        for flag in minutes:
            prefix.append(prefix[-1] + flag)
        by_resource[index] = prefix
    slots = {}
    offset = 0
    while first + timedelta(minutes=offset + length) <= end:
        free = [ids[i] for i, prefix in by_resource.items() if prefix[offset + length] - prefix[offset] == length]
        if free:
            slots[first + timedelta(minutes=offset)] = free
        offset += 15
    return slots


def _minutes(text: str) -> int:
    amount = int("".join(c for c in text if c.isdigit()))
    return amount * 60 if "hour" in text else amount


# --------------------------------------------------------------------------- running


def _call(app, body) -> tuple[int, object]:
    call = Call(app=app, params={}, query=[], body=body, base_url="http://emulator/v2", path="/v2/availability")
    try:
        return handler.find(call)
    except ApiFailure as failure:
        return failure.status, failure.body


def _build(app, specs, project, booked, body) -> tuple[list[str], dict | None, list[list], dict]:
    ids = [resources.create(app, dict(spec))["id"] for spec in specs]
    confirmed: list[list[tuple[datetime, datetime]]] = [[] for _ in specs]
    for index, items in enumerate(booked):
        for item in items:
            graph = "instant" if item["state"] == "instant" else "confirm_decline"
            made = bookings.create(app, {"resource_id": ids[index], "graph": graph, "start": item["start"],
                                         "end": item["end"], "settings": {"allow_double_bookings": True}})
            if item["state"] in ("confirmed", "cancelled"):
                bookings.act(app, made["id"], "confirm")
            if item["state"] == "cancelled":
                bookings.act(app, made["id"], "cancel")
            if item["state"] in ("instant", "confirmed"):
                confirmed[index].append((datetime.fromisoformat(item["start"].replace("Z", "+00:00")),
                                         datetime.fromisoformat(item["end"].replace("Z", "+00:00"))))
    request = dict(body)
    if "resources" in request:
        request["resources"] = [ids[i] for i in request["resources"]]
    stored = None
    if project is not None:
        stored = projects.create(app, {**project, "resources": [ids[i] for i in project["resources"]]})
        request["project_id"] = stored["id"]
    return ids, stored, confirmed, request


def _check_modes(mode: str, got: dict[datetime, list[str]], expected: dict[datetime, list[str]], everyone: list[str]):
    if mode == "exclusive":
        assert got == expected
    elif mode == "mutual":
        assert got == {s: everyone for s, free in expected.items() if len(free) == len(everyone)}
    elif mode == "roundrobin_prioritized":
        assert got == {s: free[:1] for s, free in expected.items()}
    else:
        # one free resource per slot, all chosen by one precedence order (a shuffle)
        assert set(got) == set(expected)
        edges = set()
        for s, (chosen,) in got.items():
            assert chosen in expected[s]
            edges |= {(chosen, other) for other in expected[s] if other != chosen}
        assert not any((b, a) in edges for a, b in edges)


@pytest.mark.parametrize("seed", range(60))
def test_slots_match_the_minute_by_minute_definition(seed):
    rng = random.Random(20261201 * 100 + seed)
    specs, project, booked, body = _scenario(rng)
    store = Store(["test_api_key_properties"])
    with store.session("test_api_key_properties") as app:
        ids, stored, confirmed, request = _build(app, specs, project, booked, body)
        status, answer = _call(app, request)
    assert status == 200, answer
    expected = _expected(specs, project, confirmed, body, ids)
    preset = (project or {}).get("availability") or {}
    mode = {**preset, **body}.get("mode", "roundrobin_random")
    length = timedelta(minutes=_minutes({**preset, **body}.get("length", "1 hour")))
    out_tz = ZoneInfo(body["output_timezone"])
    got = {}
    previous = None
    for slot in answer["data"]:
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        # written in the output timezone, with its offset at that instant
        assert start.utcoffset() == start.astimezone(out_tz).utcoffset()
        assert end.utcoffset() == end.astimezone(out_tz).utcoffset()
        assert end - start == length
        assert previous is None or start > previous  # sorted, one slot per start
        previous = start
        got[start.astimezone(UTC)] = [r["id"] for r in slot["resources"]]
        for r in slot["resources"]:
            index = ids.index(r["id"])
            assert r == {"id": r["id"], "name": specs[index]["name"], "timezone": specs[index]["timezone"]}
    order = body["resources"] if "resources" in body else project["resources"]
    _check_modes(mode, got, expected, [ids[i] for i in dict.fromkeys(order)])


# --------------------------------------------------------------------------- malformed bodies

_ODD_VALUES = [None, "", "x", 0, -1, 1.5, True, [], {}, ["x"], {"a": 1}, "now", "1 month", "0 minutes",
               "99999999999999999999 weeks", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00",
               "2026-02-30", "2026-03-08", "2026-03-08T02:30:00-05:00", "2 days", "1 hour 90 mins",
               "Europe/Copenhagen", "../etc/passwd", "x" * 300, 10 ** 30, -10 ** 30, "24:00", "09:60"]


def _odd_constraint(rng: random.Random) -> object:
    shape = rng.random()
    ctype = rng.choice(["allow_hours", "block_day_and_time", "allow_day", "block_period", "allow_weekdays",
                        "nope", "block_weekends"])
    if shape < 0.1:
        return rng.choice(_ODD_VALUES)
    if shape < 0.2:
        return {ctype: rng.choice(_ODD_VALUES)}
    params = {name: rng.choice(_ODD_VALUES) for name in rng.sample(["day", "start", "end", "extra"], rng.randrange(0, 4))}
    return {ctype: params}


def _odd_body(rng: random.Random, rid: str, project_id: str) -> object:
    if rng.random() < 0.05:
        return rng.choice([[], [1], "text", 5, None])
    body = {"resources": [rid], "from": "2026-03-07T00:00:00Z", "to": "2026-03-09T00:00:00Z",
            "length": "1 hour", "mode": "exclusive"}
    for _ in range(rng.randrange(1, 5)):
        key = rng.choice(["resources", "project_id", "mode", "length", "buffer", "from", "to",
                          "output_timezone", "constraints", "timezone"])
        if key == "constraints":
            body[key] = rng.choice([[_odd_constraint(rng) for _ in range(rng.randrange(0, 3))], rng.choice(_ODD_VALUES)])
        elif key == "resources":
            body[key] = rng.choice([[rid, rng.choice(_ODD_VALUES)], rng.choice(_ODD_VALUES), [rid, rid], []])
        elif key == "project_id":
            body[key] = rng.choice([project_id, *rng.sample(_ODD_VALUES, 3)])
        else:
            body[key] = rng.choice(_ODD_VALUES)
    return body


def test_malformed_bodies_never_get_a_500(api, make_resource, make_project):
    rid = make_resource(timezone="America/New_York",
                        availability_constraints=[{"allow_hours": {"start": 9, "end": 17}}])["id"]
    project_id = make_project(resources=[rid], availability={"length": "30 minutes"},
                              availability_constraints=[{"block_hours": {"start": 12, "end": 13}}])["id"]
    rng = random.Random(20261201)
    seen = {200: 0, 422: 0}
    for _ in range(300):
        body = _odd_body(rng, rid, project_id)
        response = api.post("/availability", content=json.dumps(body))
        assert response.status_code in (200, 422), (body, response.status_code, response.text)
        seen[response.status_code] += 1
        answer = response.json()
        if response.status_code == 422:
            assert set(answer) == {"errors"} and answer["errors"], (body, answer)
            assert all(isinstance(k, str) and v and all(isinstance(m, str) for m in v)
                       for k, v in answer["errors"].items()), (body, answer)
        else:
            assert set(answer) == {"data"} and isinstance(answer["data"], list)
            found = [datetime.fromisoformat(slot["start"]) for slot in answer["data"]]
            assert found == sorted(found)
    # Both outcomes were exercised, so the generator is neither all garbage nor all valid.
    assert seen[200] >= 20 and seen[422] >= 100, seen
