"""Replay every request two real clients sent (realdata/client-requests.json) and check the
status the contract gives, not the recorder's. Recorded ids are mapped, in order of first use,
to the ids this emulator created; 'repeat_count' entries are replayed that many times."""

from __future__ import annotations

import collections
import json
import re

import httpx

from tests.fixtures import REALDATA

RECORDING = REALDATA / "client-requests.json"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UNKNOWN_PREFIX = "00000000-0000-4000-8000-"  # the recording's deliberately unknown ids
_DROP = {"authorization", "host", "content-length", "connection", "accept-encoding"}


def expected_status(entry: dict) -> int:
    """What the contract answers (§2, §3, §6, §10.1, §11)."""
    auth = entry["auth"]
    if auth is None or not auth["basic_password_is_app_token"]:
        return 401
    method, template, what = entry["http_method"], entry["path_template"], entry["sdk_method"]
    if "unknown id" in what or "after delete" in what:
        return 404
    if "missing name" in what:
        return 422
    if method == "POST":
        if template.endswith("/resources") and template.startswith("/v2/projects/"):
            return 204
        return 200 if template == "/v2/availability" else 201
    return {"GET": 200, "PUT": 204, "DELETE": 204}[method]


class IdMap:
    """Recorded id -> emulator id, assigning created objects of the right kind in order."""

    def __init__(self) -> None:
        self.created: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self.known: dict[tuple[str, int], str] = {}

    def kind_of(self, text: str, start: int) -> str:
        before = text[:start]
        if before.endswith("/projects/") or before.endswith('"project_id": "'):
            return "projects"
        if before.endswith("/calendars/"):
            return "calendars"
        return "resources"

    def rewrite(self, text: str, repetition: int) -> str:
        def swap(match: re.Match) -> str:
            recorded = match.group(0)
            if recorded.startswith(UNKNOWN_PREFIX):
                return recorded
            key = (recorded, repetition)
            if key not in self.known:
                self.known[key] = self.created[self.kind_of(text, match.start())].popleft()
            return self.known[key]
        return UUID.sub(swap, text)


def _numbered(body: object, number: int) -> object:
    """The x30 creates: page01 ... page30, as the recording clients did (emails must differ)."""
    text = json.dumps(body).replace("page 01", f"page {number:02d}").replace("page01", f"page{number:02d}")
    return json.loads(text)


def test_replay_every_recorded_request(api, emulator):
    entries = json.loads(RECORDING.read_text())
    ids = IdMap()
    seen = []
    client = httpx.Client(timeout=30)
    for entry in entries:
        expected = expected_status(entry)
        for repetition in range(entry.get("repeat_count", 1)):
            headers = {k: v for k, v in entry["headers"].items() if k.lower() not in _DROP}
            if entry["auth"] is not None:
                good = entry["auth"]["basic_password_is_app_token"]
                auth = ("", emulator.token if good else "live_api_key_" + "x" * 32)
            else:
                auth = None
            path = ids.rewrite(entry["path"], repetition)
            body = entry["body"]
            if body is not None and entry["http_method"] == "POST" and entry.get("repeat_count"):
                body = _numbered(body, repetition + 1)
            content = ids.rewrite(json.dumps(body), repetition).encode() if body is not None else None
            url = emulator.root_url + path + (f"?{entry['raw_query']}" if entry["raw_query"] else "")
            response = client.request(entry["http_method"], url, headers=headers, content=content, auth=auth)
            assert response.status_code == expected, (entry["seq"], entry["sdk_method"], response.text)
            if response.status_code == 201 and entry["path_template"] in (
                    "/v2/resources", "/v2/calendars", "/v2/projects"):
                kind = entry["path_template"].rsplit("/", 1)[1]
                ids.created[kind].append(response.json()["data"]["id"])
            if response.status_code in (200, 201) and entry["http_method"] != "DELETE":
                assert "data" in response.json()
            seen.append(entry["seq"])
    assert sorted(set(seen)) == [e["seq"] for e in entries]
    assert len(seen) == sum(e.get("repeat_count", 1) for e in entries) == 169
