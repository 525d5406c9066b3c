"""docs/client.md says what the client does: its defaults and its messages, checked here."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.e2e.conftest import ROOT
from tests.unit.timekit.test_limits import RawServer, trickled_body
from tkctl.errors import ApiError, SettingsError
from tkctl.timekit.client import TimekitClient
from tkctl.timekit.limits import HttpLimits
from tkctl.timekit.reader import read_live

DOC = (ROOT / "docs" / "client.md").read_text()
TOKEN = "live_api_key_unit0000000000000000000000"
RID = "5c0f6a1e-2d4b-4c8e-9f3a-7b1d0e2c4a55"


def documented_errors() -> list[str]:
    return [line.removeprefix("error: ") for line in DOC.splitlines() if line.startswith("error: ")]


def test_documented_defaults_are_the_defaults():
    rows = dict(re.findall(r"^\| (connect|read|total|size) \| ([^|]+) \|", DOC, re.MULTILINE))
    seconds = {name: float(rows[name].removesuffix(" s")) for name in ("connect", "read", "total")}
    size = int(rows["size"].removesuffix(" MiB")) * 2**20
    assert HttpLimits() == HttpLimits(seconds["connect"], seconds["read"], seconds["total"], size)


def mock(handler) -> TimekitClient:
    return TimekitClient("http://tk.test/v2", TOKEN, transport=httpx.MockTransport(handler), rate_per_second=0)


def page(data, **figures):
    return {"data": data, "total": len(data), "per_page": "1000", "current_page": 1, "last_page": 1, **figures}


def listing(body=None, content=None, headers=None):
    """A client whose /resources answers `body` (and /projects an empty page)."""
    def handler(request):
        extra = {"Timekit-Request-Id": RID, **(headers or {})}
        if request.url.path.endswith("/projects"):
            return httpx.Response(200, json=page([]), headers=extra)
        if content is not None:
            return httpx.Response(200, content=content, headers=extra)
        return httpx.Response(200, content=json.dumps(body).encode(), headers=extra)
    return mock(handler)


SCENARIOS = [
    listing(content=b"<!DOCTYPE html><html><body>Maintenance</body></html>", headers={"Content-Type": "text/html"}),
    listing(page([{"id": "a"}, {"id": "b"}], last_page=1000000)),
    listing(page([{"id": "a", "calendars": {"id": "c"}}])),
    listing(content=b"[", headers={"Content-Length": "300000000"}),
]


def produced() -> list[str]:
    messages = []
    for client in SCENARIOS:
        with pytest.raises(ApiError) as info:
            read_live(client)
        messages.append(str(info.value))
    with pytest.raises(SettingsError) as info:
        HttpLimits.resolve(environ={"TKCTL_HTTP_TIMEOUT": "soon"})
    messages.append(str(info.value))
    server = RawServer(trickled_body)
    try:
        with pytest.raises(ApiError) as info:
            TimekitClient(server.url, TOKEN, rate_per_second=0, total_timeout=0.3).get("/resources")
    finally:
        server.close()
    # The documented run used the default 60 s; this one stops sooner, otherwise alike.
    messages.append(str(info.value).replace("after 0.3 s", "after 60 s").replace("rid-9", RID))
    return messages


def test_every_documented_message_is_what_tkctl_prints():
    assert sorted(documented_errors()) == sorted(produced())
