"""`--data FILE`: the account survives a restart, and concurrent writes never corrupt it."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import httpx

from tkctl.emulator.testing import running_emulator


def test_account_survives_a_restart_with_the_same_token(tmp_path):
    data = tmp_path / "account.db"
    with running_emulator(data_file=data, rate_limit=0) as first:
        token = first.token
        api = httpx.Client(base_url=first.base_url, auth=("", token))
        doc = api.post("/resources", json={"name": "Doc", "timezone": "UTC", "email": "doc@example.com"}).json()["data"]
        api.post("/resources", json={"name": "Marty", "timezone": "UTC"})
        api.post("/calendars", json={"name": "Extra", "description": "d", "resource_id": doc["id"]})
        project = api.post("/projects", json={"name": "P", "resources": [doc["id"]]}).json()["data"]
        api.put(f"/resources/{doc['id']}", json={"name": "Emmett"})
        app_before = api.get("/app").json()["data"]
    with running_emulator(data_file=data, rate_limit=0) as second:
        assert second.token == token  # a generated token is remembered in the data file
        api = httpx.Client(base_url=second.base_url, auth=("", token))
        assert [r["name"] for r in api.get("/resources").json()["data"]] == ["Emmett", "Marty"]
        got = api.get(f"/resources/{doc['id']}?include=calendars").json()["data"]
        assert [c["name"] for c in got["calendars"]] == ["Bookings", "Extra"]
        assert [r["id"] for r in api.get(f"/projects/{project['id']}/resources").json()["data"]] == [doc["id"]]
        assert api.get("/app").json()["data"] == app_before
        # Uniqueness indexes were rebuilt too.
        again = api.post("/resources", json={"name": "X", "timezone": "UTC", "email": "doc@example.com"})
        assert again.json() == {"errors": {"email": ["Email already exists"]}}
        assert api.post("/projects", json={"name": "P"}).json()["data"]["slug"] == "p-2"
        second.reset()
    with running_emulator(data_file=data, rate_limit=0) as third:
        api = httpx.Client(base_url=third.base_url, auth=("", token))
        assert api.get("/resources").json()["total"] == 0  # reset wiped the file as well


def test_concurrent_writes_all_land_in_the_file(tmp_path):
    data = tmp_path / "busy.db"
    with running_emulator(data_file=data, rate_limit=0, tokens=["live_api_key_busy"]) as emu:
        client = httpx.Client(base_url=emu.base_url, auth=("", emu.token))  # thread-safe, pooled

        def create(i: int) -> int:
            return client.post("/resources", json={"name": f"r{i}", "timezone": "UTC"}).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(create, range(200))) == {201}
    with sqlite3.connect(data) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count = conn.execute("SELECT count(*) FROM objects WHERE kind='resources'").fetchone()[0]
        assert count == 200
    with running_emulator(data_file=data, rate_limit=0, tokens=["live_api_key_busy"]) as emu:
        api = httpx.Client(base_url=emu.base_url, auth=("", emu.token))
        assert api.get("/resources?limit=1000").json()["total"] == 200
        assert api.get("/calendars?limit=1000").json()["total"] == 200
