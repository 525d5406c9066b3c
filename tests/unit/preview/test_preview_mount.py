"""The emulator's mount hook: another ASGI app served under a path prefix of the emulator's origin
(what `tkctl preview` uses to serve the widget's pages beside the API they call)."""

from __future__ import annotations

import httpx
import pytest

from tkctl.emulator.asgi import EmulatorApp
from tkctl.emulator.server import ServerThread, build_runtime
from tkctl.emulator.settings import Settings


async def _hello(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": f"mounted {scope['path']}".encode()})


@pytest.fixture(scope="module")
def server():
    runtime = build_runtime(["live_api_key_mount0000000000000000000000000000"], None, Settings(rate_limit=0))
    server = ServerThread(runtime, mounts={"/preview": _hello}).start()
    yield server
    server.stop()


@pytest.mark.parametrize("path", ["/preview", "/preview/", "/preview/consult", "/preview/_widget/booking.min.js"])
def test_paths_under_the_prefix_go_to_the_mounted_app(server, path):
    answer = httpx.get(server.root_url + path)
    assert (answer.status_code, answer.text) == (200, f"mounted {path}")


@pytest.mark.parametrize("path", ["/previews", "/v1/preview", "/"])
def test_other_paths_stay_the_emulators_404(server, path):
    answer = httpx.get(server.root_url + path)
    assert answer.status_code == 404
    assert answer.json() == {"error": "Not found"}


def test_the_api_and_the_control_api_are_still_served(server):
    assert httpx.get(server.root_url + "/v2/app").status_code == 401
    assert httpx.get(server.root_url + "/_emulator/apps").status_code == 200


@pytest.mark.parametrize("prefix", ["/v2", "/_emulator", "preview", "/preview/"])
def test_the_api_cannot_be_mounted_over(prefix):
    runtime = build_runtime(["live_api_key_mount0000000000000000000000000000"], None, Settings(rate_limit=0))
    with pytest.raises(ValueError, match="cannot mount"):
        EmulatorApp(runtime, {prefix: _hello})
