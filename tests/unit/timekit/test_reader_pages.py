"""The reader keeps only the live objects of each page, as the page arrives (issue 12), and
gets exactly the live state that building it from the whole listings gives."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from urllib.parse import parse_qs

import httpx

from tkctl.core.live import LiveObject, LiveState, project_object, resource_objects
from tkctl.secrets import is_secret_field
from tkctl.timekit.client import PAGE_SIZE, TimekitClient
from tkctl.timekit.reader import read_live

TOKEN = "live_api_key_unit0000000000000000000000"


def listing(items_by_path: dict[str, list[dict]]):
    """Serves each path's items in pages of PAGE_SIZE, as Timekit does."""
    def handler(request: httpx.Request) -> httpx.Response:
        items = items_by_path[request.url.path.removeprefix("/v2")]
        page = int(parse_qs(request.url.query.decode())["page"][0])
        last = max(1, -(-len(items) // PAGE_SIZE))
        data = items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        body = {"data": data, "total": len(items), "per_page": str(PAGE_SIZE), "current_page": page,
                "last_page": last}
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    return handler


def client(handler) -> TimekitClient:
    return TimekitClient("http://tk.test/v2", TOKEN, transport=httpx.MockTransport(handler),
                         rate_per_second=0, sleep=lambda s: None)


def account() -> dict[str, list[dict]]:
    resources = [{"id": f"r{i}", "name": f"R{i}", "api_token": f"tok-{i:06d}", "meta": {"tkctl_key": f"k{i}"},
                  "calendars": [{"id": f"c{i}", "name": "Bookings", "provider_primary": i % 2 == 0}]}
                 for i in range(2 * PAGE_SIZE + 17)]
    # Offset pagination repeats an item when one is created meanwhile: the first copy counts.
    resources[PAGE_SIZE + 3] = dict(resources[5], name="a later copy")
    projects = [{"id": f"p{j}", "name": f"P{j}", "slug": f"p{j}",
                 "resources": [resources[j], {"id": "r1", "name": "whole", "calendars": []}, "r2"]}
                for j in range(PAGE_SIZE + 1)]
    return {"/resources": resources, "/projects": projects}


def test_items_are_mapped_page_by_page_into_what_the_whole_listing_would_give():
    items = account()
    with client(listing(items)) as tk:
        whole = tk.list_all("/resources")
        mapped = tk.list_all("/resources", item_map=lambda item: ("seen", item["id"], item["name"]))
    assert len(whole) == 2 * PAGE_SIZE + 16  # the repeated id once
    assert mapped == [("seen", item["id"], item["name"]) for item in whole]
    assert ("seen", "r5", "R5") in mapped


def test_pages_are_decoded_one_at_a_time_while_their_requests_run_at_once():
    """Decoding holds Python's global lock, so pages decoded at once take no less time but
    keep their half-made objects alive together: the client decodes one page at a time."""
    items = account()["/resources"] * 3  # 7 pages, fetched by several threads
    inside, most, requests_at_once, in_flight = [0], [0], [0], [0]
    lock = threading.Lock()
    served = listing({"/resources": items})
    all_sent = threading.Barrier(3, timeout=120)  # only so that a broken client fails instead of hanging

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            in_flight[0] += 1
            requests_at_once[0] = max(requests_at_once[0], in_flight[0])
        if request.url.params["page"] in ("2", "3", "4"):
            all_sent.wait()  # three requests are out at once: the fetching is concurrent
        with lock:
            in_flight[0] -= 1
        return served(request)

    def item_map(item: dict) -> str:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        if item["id"].endswith("0"):
            time.sleep(0.001)  # lets another thread run: it would decode now, without the lock
        with lock:
            inside[0] -= 1
        return item["id"]

    with client(handler) as tk:
        got = tk.list_all("/resources", item_map=item_map)
    assert len(got) == 2 * PAGE_SIZE + 16
    assert requests_at_once[0] >= 3
    assert most[0] == 1


def test_read_live_equals_the_live_state_built_from_the_whole_listings():
    items = account()
    with client(listing(items)) as tk:
        live = read_live(tk)
        whole = LiveState.from_payloads(tk.list_all("/resources"), tk.list_all("/projects"))
    assert live == whole
    assert live.count() == (2 * PAGE_SIZE + 16) * 2 + PAGE_SIZE + 1
    assert live.get("project", "p0").fields["resource_ids"] == ["r0", "r1", "r2"]
    assert "resources" not in live.get("project", "p0").fields  # the whole members are not kept
    assert "api_token" not in live.get("resource", "r0").fields
    assert live.get("resource", "r5").fields["name"] == "R5"


def reference_from_payloads(resources, projects) -> LiveState:
    """`LiveState.from_payloads` as it was before it was split into one function per item."""
    state = LiveState()
    for raw in resources:
        fields = {k: v for k, v in raw.items() if not is_secret_field(k) and k != "calendars"}
        state.by_kind["resource"][raw["id"]] = LiveObject("resource", raw["id"], fields)
        for cal in raw.get("calendars") or []:
            cfields = {k: v for k, v in cal.items() if not is_secret_field(k)}
            cfields["resource_id"] = raw["id"]
            cfields["primary"] = bool(cal.get("provider_primary"))
            state.by_kind["calendar"][cal["id"]] = LiveObject("calendar", cal["id"], cfields)
    for raw in projects:
        fields = {k: v for k, v in raw.items() if not is_secret_field(k) and k != "resources"}
        members = raw.get("resources") or []
        fields["resource_ids"] = [m["id"] if isinstance(m, Mapping) else m for m in members]
        state.by_kind["project"][raw["id"]] = LiveObject("project", raw["id"], fields)
    return state


def test_live_state_from_each_item_is_the_one_from_the_whole_payloads():
    items = account()
    # Two resources claiming one calendar id: the later one's copy wins, as before.
    items["/resources"][7]["calendars"].append({"id": "c3", "name": "Moved"})
    built = LiveState.from_objects(map(resource_objects, items["/resources"]), map(project_object, items["/projects"]))
    reference = reference_from_payloads(items["/resources"], items["/projects"])
    assert built == reference == LiveState.from_payloads(items["/resources"], items["/projects"])
    assert built.get("calendar", "c3").fields["resource_id"] == "r7"
    assert list(built.by_kind["calendar"]) == list(reference.by_kind["calendar"])


def exact_fields(live: LiveState) -> dict:
    """Every live object's fields as their JSON text: tells apart what `==` does not (True
    from 1, 1.0 from 1, -0.0 from 0.0, one key order from another)."""
    return {(kind, id_): json.dumps(obj.fields) for kind, objs in live.by_kind.items() for id_, obj in objs.items()}


def test_read_live_shares_equal_values_and_keeps_each_exactly():
    items = account()
    for i, raw in enumerate(items["/resources"]):
        raw["timezone"] = "Europe/Oslo"
        raw["availability_constraints"] = [{"allow_hours": {"start": 9, "end": 17}}] if i % 3 else [{"start": True}]
        raw["score"] = [1.0, -0.0] if i % 2 else [1, 0]
        raw["meta"] = {"tkctl_key": f"k{i}", "site": "a"} if i % 2 else {"site": "a", "tkctl_key": f"k{i}"}
    with client(listing(items)) as tk:
        live = read_live(tk)
        whole = LiveState.from_payloads(tk.list_all("/resources"), tk.list_all("/projects"))
    assert exact_fields(live) == exact_fields(whole)
    first, third = live.get("resource", "r1").fields, live.get("resource", "r4").fields
    assert first["availability_constraints"] is third["availability_constraints"]
    assert first["timezone"] is third["timezone"]
    assert live.get("calendar", "c1").fields["name"] is live.get("calendar", "c2").fields["name"]
    assert live.get("resource", "r0").fields["availability_constraints"] == [{"start": True}]
    assert live.get("resource", "r2").fields["score"] == [1, 0]  # not [True, False], not floats
    odd = live.get("resource", "r1").fields["score"]
    assert live.get("resource", "r3").fields["score"] is odd  # the same floats, bit for bit
    assert odd is not live.get("resource", "r2").fields["score"] and str(odd) == "[1.0, -0.0]"
