"""`tkctl preview examples/clinic`, end to end: the real CLI serves each project's page, Timekit's
real booking widget (timekit-booking from the npm registry, cached for the session) renders
in headless Chromium, and a booking made through its form lands in the preview's emulator.

One preview process and one browser tab serve every test of this module.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tkctl.preview.chromium import browser_context, find_chromium
from tkctl.preview.screenshots import FINISHED
from tkctl.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[2]
CLINIC = ROOT / "examples" / "clinic"
STARTUP_GUARD_S = 120  # only a guard against a hung process; the tests never measure time
URL_LINE = re.compile(r"^  (\S+)\s+(http://127\.0\.0\.1:\d+/preview/\S+)$")


def widget_cache(tmp_path_factory) -> Path:
    """One cache folder for the whole test session: the widget is downloaded at most once."""
    return tmp_path_factory.getbasetemp() / "tkctl-cache"


class Running:
    def __init__(self, process: subprocess.Popen, lines: "queue.Queue[str | None]"):
        self.process = process
        self.lines = lines
        self.out: list[str] = []
        self.urls: dict[str, str] = {}

    def drain(self) -> str:
        """Everything printed after what was read, up to the end of the process's output."""
        while (line := self.lines.get(timeout=STARTUP_GUARD_S)) is not None:
            self.out.append(line)
        return "".join(self.out)

    def read_until(self, marker: str) -> None:
        while True:
            line = self.lines.get(timeout=STARTUP_GUARD_S)
            if line is None:
                raise AssertionError("tkctl preview ended early:\n" + "".join(self.out)
                                     + self.process.stderr.read())
            self.out.append(line)
            found = URL_LINE.match(line.rstrip("\n"))
            if found:
                self.urls[found.group(1)] = found.group(2)
            if marker in line:
                return


def start_preview(*args: str, cache: Path, env: dict[str, str] | None = None) -> Running:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "NO_COLOR": "1", **(env or {})}
    process = subprocess.Popen([sys.executable, "-m", "tkctl", "preview", *args], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    lines: "queue.Queue[str | None]" = queue.Queue()

    def pump() -> None:
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return Running(process, lines)


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    running = start_preview(str(CLINIC.relative_to(ROOT)), "--port", "0", cache=widget_cache(tmp_path_factory))
    try:
        running.read_until("Press Ctrl-C to stop.")
        yield running
    finally:
        if running.process.poll() is None:
            running.process.send_signal(signal.SIGINT)
            try:
                running.process.wait(timeout=STARTUP_GUARD_S)
            except subprocess.TimeoutExpired:
                running.process.kill()


@pytest.fixture(scope="module")
def tab():
    with browser_context(find_chromium(), viewport={"width": 1000, "height": 800}, locale="en-US") as context:
        page = context.new_page()
        yield page


@pytest.fixture(scope="module")
def clinic():
    return open_workspace(CLINIC).desired


def _open(tab, url: str) -> None:
    tab.goto(url)
    tab.wait_for_function(FINISHED, timeout=60_000)
    assert tab.locator("#bookingjs .bookingjs-error").count() == 0, tab.inner_text("#bookingjs")


def _api(preview: Running, method: str, path: str, **kwargs) -> httpx.Response:
    """The preview's emulator, as the app (its token from the emulator's control API)."""
    root = next(iter(preview.urls.values())).split("/preview/")[0]
    token = httpx.get(root + "/_emulator/apps").json()["apps"][0]["token"]
    return httpx.request(method, root + "/v2" + path, auth=("", token), timeout=30, **kwargs)


def test_it_prints_one_url_per_project_of_the_config(preview, clinic):
    assert sorted(preview.urls) == sorted(o.key for o in clinic.of_kind("project"))
    assert "Widget: timekit-booking 3.3.1" in "".join(preview.out)


@pytest.mark.parametrize("key", ["consultation", "minor-procedure", "physio"])
def test_the_widget_shows_the_display_name_slots_and_customer_fields(preview, tab, clinic, key):
    project = clinic.get("project", key).fields
    _open(tab, preview.urls[key])
    assert tab.inner_text("#bookingjs .bookingjs-displayname").strip() == project["ui"]["display_name"]
    assert tab.locator("#bookingjs .fc-event").count() >= 1
    tab.locator("#bookingjs .fc-event").first.dispatch_event("click")
    form = tab.locator("#bookingjs .bookingjs-form")
    form.wait_for()
    for field_key, field in project["customer_fields"].items():
        if field.get("hidden"):
            assert form.locator(f"[name='{field_key}'][type='hidden']").count() == 1
            continue
        if field_key == "name" and field.get("split_name"):
            assert form.locator("#input-first_name").count() == 1 and form.locator("#input-last_name").count() == 1
            continue
        assert field["title"] in form.inner_text(), field_key
        assert form.locator(f"[name='{field_key}']").count() >= 1, field_key


def test_a_slot_booked_through_the_form_lands_in_the_emulator(preview, tab):
    _open(tab, preview.urls["minor-procedure"])
    slot = tab.locator("#bookingjs .fc-event").first
    slot.dispatch_event("click")
    form = tab.locator("#bookingjs .bookingjs-form")
    form.wait_for()
    form.locator("#input-name").fill("Marty McFly")
    form.locator("#input-email").fill("marty@hill-valley.example")
    form.locator("#input-phone").fill("+45 12 34 56 78")
    form.locator("#input-consent").check()
    form.locator(".bookingjs-form-button").click()
    tab.wait_for_selector("#bookingjs .bookingjs-form.success", timeout=60_000)
    assert "marty@hill-valley.example" in tab.inner_text("#bookingjs .bookingjs-form-success-message")

    project_id = re.search(r'"project_id": "([^"]+)"', tab.content()).group(1)
    found = _api(preview, "GET", "/bookings", params={"include": "attributes,customers",
                                                      "search": f"project.id:{project_id}"})
    assert found.status_code == 200, found.text
    bookings = found.json()["data"]
    assert [b["customers"][0]["email"] for b in bookings] == ["marty@hill-valley.example"]
    booking = bookings[0]
    assert booking["customers"][0]["name"] == "Marty McFly"
    assert booking["customers"][0]["consent"] == ["true"]  # booking.js sends a checkbox's checked values
    assert booking["attributes"]["event_info"]["what"] == "Minor procedure (mole removal, stitches)"
    assert booking["state"] == "confirmed"  # the project's graph is instant


def test_ctrl_c_and_sigterm_stop_it_with_exit_0(tmp_path_factory):
    for sig in (signal.SIGINT, signal.SIGTERM):
        running = start_preview("examples/clinic", "--project", "physio", cache=widget_cache(tmp_path_factory))
        running.read_until("Press Ctrl-C to stop.")
        assert list(running.urls) == ["physio"]
        running.process.send_signal(sig)
        assert running.process.wait(timeout=STARTUP_GUARD_S) == 0
        assert running.drain().endswith("Stopped.\n")
